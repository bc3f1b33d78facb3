// A tiny, safe Markdown subset for guidelines: headings, paragraphs, bullet and numbered lists, fenced
// and inline code, bold, italic and http(s) links. All text is HTML-escaped before any markup is added,
// so guidelines can never inject HTML or script.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function emphasis(text) {
  return text
    .replace(/\*\*(\S(?:[^*]*\S)?)\*\*/g, '<strong>$1</strong>')
    // Intraword underscores (snake_case, __init__, window.__x) are not emphasis, as in CommonMark.
    .replace(/(^|[^_\w])__(\S(?:[^_]*\S)?)__(?!\w)/g, '$1<strong>$2</strong>')
    .replace(/(^|[^*\w])\*(\S(?:[^*]*\S)?)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^_\w])_(\S(?:[^_]*\S)?)_(?!\w)/g, '$1<em>$2</em>');
}

// Input is already escaped. Code spans and links are set aside first so emphasis never reaches inside
// them (a code span stays literal, a URL stays whole).
function inline(escaped) {
  const kept = [];
  const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
  let out = escaped.replace(/`([^`]+)`/g, (_, code) => keep(`<code>${code}</code>`));
  out = out.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label, url) =>
    /^https?:\/\/\S+$/i.test(url)
      ? keep(`<a href="${url}" target="_blank" rel="noopener noreferrer">${emphasis(label)}</a>`)
      : whole);
  const restore = (html) => html.replace(/\u0000(\d+)\u0000/g, (_, i) => restore(kept[Number(i)]));
  return restore(emphasis(out));
}

export function renderMarkdown(source) {
  const lines = escapeHtml(String(source || '').replace(/\u0000/g, '')).split(/\r?\n/);
  const html = [];
  let paragraph = [];
  let list = null; // 'ul' | 'ol'
  const flush = () => {
    if (paragraph.length) html.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  const closeList = () => {
    if (list) html.push(`</${list}>`);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      closeList();
      const code = [];
      while (++i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i]);
      html.push(`<pre><code>${code.join('\n')}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      closeList();
      // Guidelines sit under the page's own headings, so # becomes h3.
      const level = Math.min(6, heading[1].length + 2);
      html.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (bullet || numbered) {
      flush();
      const kind = bullet ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        html.push(`<${kind}>`);
        list = kind;
      }
      html.push(`<li>${inline((bullet || numbered)[1])}</li>`);
    } else if (!line.trim()) {
      flush();
      closeList();
    } else {
      closeList();
      paragraph.push(line.trim());
    }
  }
  flush();
  closeList();
  return html.join('\n');
}
