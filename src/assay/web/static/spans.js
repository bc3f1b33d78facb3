// Text spans: turning a browser selection into code-point offsets and drawing labelled spans.
//
// The API counts Unicode code points (Python string indices, end exclusive); the DOM counts UTF-16 code
// units, so an emoji is one code point but two units. Everything here keeps offsets in code points and
// converts only at the DOM boundary.

export function codePointIndex(text, utf16Index) {
  return Array.from(text.slice(0, utf16Index)).length;
}

// The selection inside `container` as {start, end} code-point offsets of `text`, trimmed of surrounding
// white space; null when there is no usable selection there.
export function selectedOffsets(container, text) {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
  const before = document.createRange();
  before.selectNodeContents(container);
  before.setEnd(range.startContainer, range.startOffset);
  // Span badges are CSS ::after content, so the container's text is exactly the item text.
  let from = before.toString().length;
  let to = from + range.toString().length;
  while (from < to && /\s/.test(text[from])) from++;
  while (to > from && /\s/.test(text[to - 1])) to--;
  if (from >= to) return null;
  return { start: codePointIndex(text, from), end: codePointIndex(text, to) };
}

export function overlaps(a, b) {
  return a.start < b.end && b.start < a.end;
}

// Redraw `container` with `text` and `spans` ({start, end, label}) as <mark> elements; `styles` maps a
// label to {color, title}. Overlapping spans split into segments marked by the latest span covering them.
export function drawSpans(container, text, spans, styles = {}) {
  const chars = Array.from(text);
  const cuts = new Set([0, chars.length]);
  for (const span of spans) {
    cuts.add(span.start);
    cuts.add(span.end);
  }
  const points = [...cuts].filter((n) => n >= 0 && n <= chars.length).sort((a, b) => a - b);
  const nodes = [];
  for (let i = 0; i < points.length - 1; i++) {
    const [from, to] = [points[i], points[i + 1]];
    const piece = chars.slice(from, to).join('');
    let index = -1;
    spans.forEach((span, j) => {
      if (span.start <= from && to <= span.end) index = j;
    });
    if (index < 0) {
      nodes.push(document.createTextNode(piece));
      continue;
    }
    const span = spans[index];
    const mark = document.createElement('mark');
    mark.className = 'span';
    mark.textContent = piece;
    mark.dataset.index = String(index);
    const style = styles[span.label] || {};
    mark.title = `${style.title || span.label} — click to remove`;
    if (to === span.end) mark.dataset.label = style.title || span.label;
    if (style.color) mark.style.setProperty('--span-color', style.color);
    else mark.classList.add(`tone-${style.tone ?? 0}`);
    nodes.push(mark);
  }
  container.replaceChildren(...nodes);
}
