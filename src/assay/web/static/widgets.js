// One widget per question kind. A widget owns its DOM and answer and exposes:
//   root                 the element to place in the form
//   value()              the answer for the API, or undefined when unanswered
//   key(k)               handle a hotkey (a number key for choice-like kinds); true when used
//   hotkeys()            [[key, what it does]] for the help overlay
// Spans widgets also expose label(k), removeLast() and the text container they draw into.

import { el } from './ui.js';
import { drawSpans, overlaps, selectedOffsets } from './spans.js';
import { llmWidget } from './llm.js';

const title = (q) => q.title || q.name;

function shell(question, hint) {
  const root = el('fieldset', { class: 'question', 'data-question': question.name });
  root.append(el('legend', {}, el('span', { class: 'q-title', text: title(question) }),
    question.required ? el('span', { class: 'required', text: ' required', 'aria-hidden': 'true' }) : null,
    hint ? el('span', { class: 'q-hint', text: hint }) : null));
  if (question.description) root.append(el('p', { class: 'q-description muted', text: question.description }));
  return root;
}

function optionButton(option, onClick) {
  const button = el('button', { type: 'button', class: 'option', 'aria-pressed': 'false', 'data-value': option.value },
    option.hotkey ? el('kbd', { text: option.hotkey }) : null, el('span', { text: option.label }));
  button.addEventListener('click', onClick);
  return button;
}

const sameKey = (a, b) => a != null && String(a).toLowerCase() === String(b).toLowerCase();

function choice(question, onChange) {
  const multi = question.kind === 'multi_choice';
  const picked = new Set();
  const root = shell(question, multi ? 'pick any' : 'pick one');
  const row = el('div', { class: 'options', role: 'group' });
  const buttons = question.options.map((option) => optionButton(option, () => toggle(option.value)));
  row.append(...buttons);
  root.append(row);
  function toggle(value) {
    if (!multi) {
      picked.clear();
      picked.add(value);
    } else if (picked.has(value)) picked.delete(value);
    else picked.add(value);
    buttons.forEach((b) => b.setAttribute('aria-pressed', String(picked.has(b.dataset.value))));
    onChange(question, !multi);
  }
  return {
    root, digits: true,
    value: () => (multi ? question.options.map((o) => o.value).filter((v) => picked.has(v))
      : picked.size ? [...picked][0] : undefined),
    key(k) {
      const option = question.options.find((o) => sameKey(o.hotkey, k));
      if (option) toggle(option.value);
      return Boolean(option);
    },
    hotkeys: () => question.options.filter((o) => o.hotkey).map((o) => [o.hotkey, o.label]),
  };
}

function ranking(question, onChange) {
  const order = [];
  const root = shell(question, 'press options best first; again to unrank');
  const row = el('div', { class: 'options ranking' });
  const buttons = question.options.map((option) => optionButton(option, () => toggle(option.value)));
  row.append(...buttons);
  root.append(row);
  function toggle(value) {
    const at = order.indexOf(value);
    if (at >= 0) order.splice(at, 1);
    else order.push(value);
    for (const b of buttons) {
      const rank = order.indexOf(b.dataset.value);
      b.setAttribute('aria-pressed', String(rank >= 0));
      b.dataset.rank = rank >= 0 ? `#${rank + 1}` : '';
    }
    onChange(question, order.length === question.options.length);
  }
  return {
    root, digits: true,
    value: () => (order.length ? [...order] : undefined),
    key(k) {
      const option = question.options.find((o) => sameKey(o.hotkey, k));
      if (option) toggle(option.value);
      return Boolean(option);
    },
    hotkeys: () => question.options.filter((o) => o.hotkey).map((o) => [o.hotkey, o.label]),
  };
}

// Rating and pairwise become fixed option lists with number keys.
function scale(question, onChange) {
  let options;
  if (question.kind === 'pairwise') {
    options = [{ value: 'A', label: 'A is better' }, { value: 'B', label: 'B is better' }];
    if (question.allow_tie) options.push({ value: 'tie', label: 'Tie' });
  } else {
    const step = question.step || 1;
    const count = Math.floor((question.max - question.min) / step + 1e-9) + 1;
    if (count > 9) return numberInput(question);
    options = Array.from({ length: count }, (_, i) => {
      const value = Math.round((question.min + i * step) * 1e6) / 1e6;
      return { value, label: String(value) };
    });
  }
  options.forEach((o, i) => { o.hotkey = String(i + 1); });
  let picked;
  const root = shell(question, question.kind === 'pairwise' ? 'which response is better?' : `${question.min}–${question.max}`);
  const row = el('div', { class: 'options' });
  const buttons = options.map((option) => optionButton(option, () => pick(option)));
  row.append(...buttons);
  root.append(row);
  function pick(option) {
    picked = option.value;
    buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(options[i] === option)));
    onChange(question, true);
  }
  return {
    root, digits: true,
    value: () => picked,
    key(k) {
      const option = options.find((o) => o.hotkey === k);
      if (option) pick(option);
      return Boolean(option);
    },
    hotkeys: () => options.map((o) => [o.hotkey, o.label]),
  };
}

function numberInput(question) {
  const root = shell(question, `${question.min}–${question.max}`);
  const input = el('input', { type: 'number', min: question.min, max: question.max, step: question.step || 1,
    id: `q-${question.name}`, 'aria-label': title(question) });
  root.append(input);
  return {
    root, digits: false,
    value: () => (input.value === '' ? undefined : Number(input.value)),
    key: () => false, hotkeys: () => [],
  };
}

function freeText(question) {
  const root = shell(question, 'type; Esc leaves the box, Ctrl+Enter submits');
  const id = `q-${question.name}`;
  const area = el('textarea', { id, rows: 3, 'aria-label': title(question) });
  if (question.max_length) area.maxLength = question.max_length;
  root.append(area);
  return {
    root, digits: false,
    value: () => (area.value.trim() ? area.value : undefined),
    key: () => false, hotkeys: () => [],
  };
}

const TONES = 6;

function spans(question, textBox, text, onChange) {
  const list = [];
  const styles = {};
  question.labels.forEach((label, i) => {
    styles[label.value] = { title: label.label, color: label.color, tone: i % TONES };
  });
  const root = shell(question, 'select text, then press a label key');
  const legend = el('div', { class: 'options span-labels' });
  for (const label of question.labels) {
    const button = optionButton(label, () => add(label.value));
    button.classList.add(`tone-${styles[label.value].tone}`);
    legend.append(button);
  }
  root.append(legend);
  const status = el('p', { class: 'muted small span-status', 'aria-live': 'polite' });
  root.append(status);
  textBox.classList.add('spannable');
  textBox.addEventListener('click', (event) => {
    const mark = event.target.closest('mark.span');
    if (mark && window.getSelection().isCollapsed) remove(Number(mark.dataset.index));
  });
  function redraw() {
    drawSpans(textBox, text, list, styles);
    status.textContent = list.length
      ? `${list.length} span${list.length > 1 ? 's' : ''}: ${list.map((s) => `${s.label} “${s.text}”`).join(', ')}`
      : 'No spans yet.';
    onChange(question, false);
  }
  function add(label) {
    const offsets = selectedOffsets(textBox, text);
    if (!offsets) return 'Select some text in the item first.';
    const span = { ...offsets, label, text: Array.from(text).slice(offsets.start, offsets.end).join('') };
    if (list.some((s) => s.start === span.start && s.end === span.end && s.label === label)) return null;
    if (!question.allow_overlap && list.some((s) => overlaps(s, span))) {
      return `That selection overlaps a span of “${title(question)}”; remove it first.`;
    }
    list.push(span);
    window.getSelection().removeAllRanges();
    redraw();
    return null;
  }
  function remove(index) {
    list.splice(index, 1);
    widget.onRemove?.(index);
    redraw();
  }
  redraw();
  const widget = {
    root, digits: false, textBox, spans: list,
    value: () => list.map(({ start, end, label }) => ({ start, end, label })),
    key: () => false,
    // A letter adds a span when it is one of this question's label keys; returns an error text or null.
    label(k) {
      const label = question.labels.find((l) => sameKey(l.hotkey, k));
      return label ? { error: add(label.value) } : null;
    },
    removeLast() {
      if (!list.length) return false;
      remove(list.length - 1);
      return true;
    },
    hasSelection: () => selectedOffsets(textBox, text) !== null,
    hotkeys: () => question.labels.filter((l) => l.hotkey).map((l) => [l.hotkey, l.label]),
  };
  return widget;
}

function relations(question, spanWidget) {
  const list = [];
  const root = shell(question, 'link two spans');
  const from = el('select', { 'aria-label': 'From span' });
  const to = el('select', { 'aria-label': 'To span' });
  const label = el('select', { 'aria-label': 'Relation' },
    ...question.labels.map((l) => el('option', { value: l.value, text: l.label })));
  const add = el('button', { type: 'button', text: 'Add link' });
  const items = el('ul', { class: 'relations' });
  root.append(el('div', { class: 'relation-form' }, from, label, to, add), items);
  const spanName = (i) => `${i + 1}. ${spanWidget.spans[i].label} “${spanWidget.spans[i].text}”`;
  function refresh() {
    for (const select of [from, to]) {
      const keep = select.value;
      select.replaceChildren(...spanWidget.spans.map((_, i) => el('option', { value: String(i), text: spanName(i) })));
      if (keep && Number(keep) < spanWidget.spans.length) select.value = keep;
    }
    items.replaceChildren(...list.map((r, i) => {
      const drop = el('button', { type: 'button', class: 'ghost small', text: 'Remove', 'aria-label': 'Remove link' });
      drop.addEventListener('click', () => { list.splice(i, 1); refresh(); });
      return el('li', {}, el('span', { text: `${spanName(r.from)} → ${r.label} → ${spanName(r.to)} ` }), drop);
    }));
  }
  add.addEventListener('click', () => {
    if (from.value === '' || to.value === '' || from.value === to.value) return;
    list.push({ from: Number(from.value), to: Number(to.value), label: label.value });
    refresh();
  });
  // Spans are referred to by position, so removing one drops its links and shifts the later ones.
  spanWidget.onRemove = (removed) => {
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i];
      if (r.from === removed || r.to === removed) list.splice(i, 1);
      else {
        if (r.from > removed) r.from--;
        if (r.to > removed) r.to--;
      }
    }
  };
  refresh();
  return {
    root, digits: false, refresh,
    value: () => list.map((r) => ({ ...r })),
    key: () => false, hotkeys: () => [],
  };
}

// Build the widgets for `schema`; `textBoxes` maps a text input's name to the element showing it.
export function buildWidgets(schema, payload, textBoxes, onChange) {
  const widgets = [];
  const byName = {};
  for (const question of schema.questions) {
    let widget;
    switch (question.kind) {
      case 'single_choice':
      case 'multi_choice': widget = choice(question, onChange); break;
      case 'ranking': widget = ranking(question, onChange); break;
      case 'rating': widget = scale(question, onChange); break;
      case 'pairwise':
      case 'demonstration':
      case 'response_ranking':
      case 'rubric':
      case 'safety_flags': widget = llmWidget(question, payload, onChange); break;
      case 'free_text': widget = freeText(question); break;
      case 'spans': {
        const text = typeof payload[question.source] === 'string' ? payload[question.source] : '';
        let box = textBoxes[question.source];
        if (!box || box.dataset.owner) box = el('div', { class: 'item-text' }); // a second copy
        box.dataset.owner = question.name;
        widget = spans(question, box, text, onChange);
        if (!box.isConnected) widget.root.insertBefore(box, widget.root.children[1]);
        break;
      }
      case 'relations': break; // after all spans exist
      default: widget = { root: shell(question, `unsupported kind ${question.kind}`), value: () => undefined,
        key: () => false, hotkeys: () => [] };
    }
    if (widget) {
      widget.question = question;
      byName[question.name] = widget;
    }
  }
  for (const question of schema.questions) {
    if (question.kind === 'relations' && byName[question.spans]) {
      const widget = relations(question, byName[question.spans]);
      widget.question = question;
      byName[question.name] = widget;
    }
  }
  for (const question of schema.questions) if (byName[question.name]) widgets.push(byName[question.name]);
  return widgets;
}
