// Chat and model-response tasks: render conversations and responses as safe Markdown, and the widgets for
// the LLM question kinds (pairwise with strength and rationale, demonstration, response ranking, rubric,
// safety flags). Model output is untrusted: renderMarkdown escapes every character of HTML before adding
// its own tags, so a response can never create elements or run script.
//
// Widgets follow widgets.js's contract (root, value(), key(k), hotkeys(), digits) and may add letter(k)
// for letter hotkeys, which label.js offers them before S (skip).

import { renderMarkdown } from './markdown.js';
import { el } from './ui.js';

const title = (q) => q.title || q.name;

function shell(question, hint) {
  const root = el('fieldset', { class: 'question llm-question', 'data-question': question.name });
  root.append(el('legend', {}, el('span', { class: 'q-title', text: title(question) }),
    question.required ? el('span', { class: 'required', text: ' required', 'aria-hidden': 'true' }) : null,
    hint ? el('span', { class: 'q-hint', text: hint }) : null));
  if (question.description) root.append(el('p', { class: 'q-description muted', text: question.description }));
  return root;
}

function button(label, hotkey, value, onClick) {
  const node = el('button', { type: 'button', class: 'option', 'aria-pressed': 'false', 'data-value': String(value) },
    hotkey ? el('kbd', { text: hotkey }) : null, el('span', { text: label }));
  node.addEventListener('click', onClick);
  return node;
}

function press(buttons, isOn) {
  for (const b of buttons) b.setAttribute('aria-pressed', String(isOn(b.dataset.value)));
}

// Markdown from an untrusted source, as a detached element (escaped first, then our own tags only).
export function markdownBlock(text, className = 'markdown') {
  const box = el('div', { class: className });
  box.innerHTML = renderMarkdown(typeof text === 'string' ? text : JSON.stringify(text));
  return box;
}

function toolCalls(calls) {
  return el('ul', { class: 'tool-calls' }, ...calls.map((call) => {
    const fn = (call && call.function) || {};
    const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    return el('li', {}, el('code', { text: `${fn.name || '?'}(${args})` }));
  }));
}

// A conversation: one row per turn, its role as text and its content as safe Markdown.
export function renderConversation(messages) {
  return el('ol', { class: 'conversation' }, ...messages.map((message) => {
    const role = String(message && message.role);
    const body = el('div', { class: 'content' });
    if (message && message.content) body.append(markdownBlock(message.content));
    if (message && Array.isArray(message.tool_calls)) body.append(toolCalls(message.tool_calls));
    return el('li', { class: `turn role-${role.replace(/[^a-z]/gi, '')}` }, el('span', { class: 'role', text: role }), body);
  }));
}

// Model responses side by side: A and B for a pair, 1..n otherwise. Names of models never reach the page.
export function renderResponses(responses) {
  const names = responses.length === 2 ? ['A', 'B'] : responses.map((_, i) => String(i + 1));
  return el('div', { class: `responses n-${responses.length}` }, ...responses.map((response, i) => el('article',
    { class: 'response', 'data-response': String(i) },
    el('h3', { class: 'response-name', text: `Response ${names[i]}` }),
    markdownBlock(response && response.content))));
}

// Keys: 1–4 (or A, B, T, X) choose A, B, tie, both bad, as the other choice widgets use number keys;
// + and − make the preference stronger or weaker (slightly, clearly, much better); R writes a rationale.
function pairwise(question, onChange) {
  const choices = [['A', 'A is better', 'a'], ['B', 'B is better', 'b']];
  if (question.allow_tie) choices.push(['tie', 'Tie', 't']);
  if (question.allow_both_bad) choices.push(['both_bad', 'Both bad', 'x']);
  const strengths = [[1, 'slightly'], [2, 'clearly'], [3, 'much better']];
  let choice;
  let strength = null;
  const root = shell(question, '1–4 or A/B/T/X choose · +/− how much · R rationale');
  const choiceButtons = choices.map(([value, label], i) => button(label, String(i + 1), value, () => pick(value)));
  const strengthButtons = strengths.map(([value, label]) => button(label, null, value, () => grade(value)));
  const rationale = el('textarea', { rows: 2, class: 'rationale', 'aria-label': 'Rationale', placeholder: 'Why? (optional)' });
  root.append(el('div', { class: 'options pairwise-choice' }, ...choiceButtons),
    el('div', { class: 'options pairwise-strength', 'aria-label': 'Strength' }, ...strengthButtons), rationale);
  const decided = () => choice === 'A' || choice === 'B';
  function refresh() {
    press(choiceButtons, (v) => v === choice);
    press(strengthButtons, (v) => Number(v) === strength);
    strengthButtons.forEach((b) => { b.disabled = !decided(); });
  }
  function pick(value) {
    choice = value;
    if (!decided()) strength = null;
    refresh();
    onChange(question, true);
  }
  function grade(value) {
    if (!decided()) return;
    strength = value;
    refresh();
    onChange(question, false);
  }
  refresh();
  return {
    root, digits: true,
    value: () => (choice === undefined ? undefined
      : { choice, strength, rationale: rationale.value.trim() ? rationale.value : null }),
    key(k) {
      const found = choices[Number(k) - 1];
      if (found) pick(found[0]);
      return Boolean(found);
    },
    letter(k) {
      const lower = k.toLowerCase();
      if (lower === 'r') {
        rationale.focus();
        return true;
      }
      if (k === '+' || k === '=' || k === '-') {
        if (!decided()) return false;
        const next = (strength || 0) + (k === '-' ? -1 : 1);
        if (next <= 0) {
          strength = null;
          refresh();
        } else grade(Math.min(3, next));
        return true;
      }
      const found = choices.find(([, , key]) => key === lower);
      if (found) pick(found[0]);
      return Boolean(found);
    },
    hotkeys: () => [...choices.map(([, label, key], i) => [`${i + 1} ${key.toUpperCase()}`, label]),
      ['+ −', 'stronger / weaker preference'], ['R', 'write a rationale']],
  };
}

function demonstration(question, payload) {
  const responses = Array.isArray(payload[question.source || 'responses']) ? payload[question.source || 'responses'] : [];
  const index = 0;
  const draft = question.prefill !== false && responses[0] && typeof responses[0].content === 'string'
    ? responses[0].content : null;
  const root = shell(question, draft === null ? 'E to write the ideal response' : 'E to edit the ideal response');
  const area = el('textarea', { rows: 10, class: 'demonstration', 'aria-label': title(question) });
  if (draft !== null) area.value = draft;
  const preview = el('div', { class: 'demonstration-preview' });
  const update = () => preview.replaceChildren(markdownBlock(area.value));
  area.addEventListener('input', update);
  update();
  root.append(area, el('details', {}, el('summary', { text: 'Preview' }), preview));
  return {
    root, digits: false,
    value: () => (area.value.trim() ? { content: area.value, edited_from: draft !== null ? index : null } : undefined),
    key: () => false,
    letter(k) {
      if (k.toLowerCase() !== 'e') return false;
      area.focus();
      return true;
    },
    hotkeys: () => [['E', 'edit the response (Esc to leave, Ctrl+Enter to submit)']],
  };
}

function responseRanking(question, payload, onChange) {
  const responses = Array.isArray(payload[question.source || 'responses']) ? payload[question.source || 'responses'] : [];
  const order = [];
  const root = shell(question, 'press responses best first; again to unrank');
  const buttons = responses.map((_, i) => button(`Response ${i + 1}`, i < 9 ? String(i + 1) : null, i, () => toggle(i)));
  root.append(el('div', { class: 'options ranking' }, ...buttons));
  function toggle(index) {
    const at = order.indexOf(index);
    if (at >= 0) order.splice(at, 1);
    else order.push(index);
    for (const b of buttons) {
      const rank = order.indexOf(Number(b.dataset.value));
      b.setAttribute('aria-pressed', String(rank >= 0));
      b.dataset.rank = rank >= 0 ? `#${rank + 1}` : '';
    }
    onChange(question, order.length === responses.length);
  }
  return {
    root, digits: true,
    value: () => (order.length ? [...order] : undefined),
    key(k) {
      const index = Number(k) - 1;
      if (!(index >= 0 && index < responses.length)) return false;
      toggle(index);
      return true;
    },
    hotkeys: () => [[`1–${Math.min(9, responses.length)}`, 'rank responses best first']],
  };
}

function rubric(question, onChange) {
  const criteria = question.criteria || [];
  const low = question.min ?? 1;
  const high = question.max ?? 7;
  const scores = {};
  const comments = {};
  let current = 0;
  const root = shell(question, `${low}–${high} per criterion; the next criterion follows`);
  const rows = criteria.map((criterion, index) => {
    const values = Array.from({ length: high - low + 1 }, (_, i) => low + i);
    const buttons = values.map((v) => button(String(v), null, v, () => score(index, v)));
    const comment = el('input', { type: 'text', class: 'rubric-comment', placeholder: 'comment (optional)',
      'aria-label': `${criterion.title || criterion.name} comment` });
    comment.addEventListener('input', () => { comments[criterion.name] = comment.value; });
    const row = el('div', { class: 'rubric-row', 'data-criterion': criterion.name },
      el('span', { class: 'rubric-name', text: criterion.title || criterion.name }),
      el('div', { class: 'options' }, ...buttons), comment);
    row.addEventListener('pointerdown', () => focus(index));
    if (criterion.description) row.append(el('p', { class: 'muted small', text: criterion.description }));
    return { row, buttons };
  });
  root.append(...rows.map((r) => r.row));
  function focus(index) {
    current = index;
    rows.forEach((r, i) => r.row.classList.toggle('current', i === current));
  }
  function score(index, value) {
    scores[criteria[index].name] = value;
    press(rows[index].buttons, (v) => Number(v) === value);
    const done = Object.keys(scores).length === criteria.length;
    if (index < criteria.length - 1) focus(index + 1);
    onChange(question, done);
  }
  focus(0);
  return {
    root, digits: true,
    value: () => (Object.keys(scores).length ? Object.fromEntries(criteria.filter((c) => c.name in scores)
      .map((c) => [c.name, { score: scores[c.name], comment: comments[c.name] ? comments[c.name] : null }])) : undefined),
    key(k) {
      const value = Number(k);
      if (!(/^\d$/.test(k) && value >= low && value <= high)) return false;
      score(current, value);
      return true;
    },
    hotkeys: () => [[`${low}–${Math.min(9, high)}`, 'score the highlighted criterion']],
  };
}

function safetyFlags(question, onChange) {
  const categories = question.categories || [];
  const severities = [['low', 'L'], ['medium', 'M'], ['high', 'H'], ['critical', 'C']];
  const flags = new Set();
  let severity = null;
  const root = shell(question, 'number keys flag categories · L/M/H/C severity · N note');
  const flagButtons = categories.map((c) => button(c.label, c.hotkey, c.value, () => toggle(c.value)));
  const severityButtons = severities.map(([value, key]) => button(value, key, value, () => rate(value)));
  const note = el('textarea', { rows: 2, class: 'safety-note', 'aria-label': 'Note', placeholder: 'Note (optional)' });
  root.append(el('div', { class: 'options safety-categories' }, ...flagButtons),
    el('div', { class: 'options safety-severity', 'aria-label': 'Severity' }, ...severityButtons), note);
  function refresh() {
    press(flagButtons, (v) => flags.has(v));
    press(severityButtons, (v) => v === severity);
  }
  function toggle(value) {
    if (flags.has(value)) flags.delete(value);
    else flags.add(value);
    if (!flags.size) severity = null;
    refresh();
    onChange(question, false);
  }
  function rate(value) {
    if (!flags.size) return;
    severity = value;
    refresh();
    onChange(question, true);
  }
  return {
    root, digits: true,
    // Nothing flagged is an answer too: "safe".
    value: () => ({ flags: categories.map((c) => c.value).filter((v) => flags.has(v)), severity,
      note: note.value.trim() ? note.value : null }),
    key(k) {
      const category = categories.find((c) => c.hotkey === k);
      if (category) toggle(category.value);
      return Boolean(category);
    },
    letter(k) {
      const lower = k.toLowerCase();
      if (lower === 'n') {
        note.focus();
        return true;
      }
      const found = severities.find(([, key]) => key.toLowerCase() === lower);
      if (found) rate(found[0]);
      return Boolean(found);
    },
    hotkeys: () => [...categories.filter((c) => c.hotkey).map((c) => [c.hotkey, c.label]),
      ...severities.map(([value, key]) => [key, value]), ['N', 'write a note']],
  };
}

export const LLM_KINDS = ['pairwise', 'demonstration', 'response_ranking', 'rubric', 'safety_flags'];

// The widget for an LLM question kind, or null for other kinds.
export function llmWidget(question, payload, onChange) {
  switch (question.kind) {
    case 'pairwise': return pairwise(question, onChange);
    case 'demonstration': return demonstration(question, payload);
    case 'response_ranking': return responseRanking(question, payload, onChange);
    case 'rubric': return rubric(question, onChange);
    case 'safety_flags': return safetyFlags(question, onChange);
    default: return null;
  }
}
