// The labeling workspace: guidelines, the leased item, one widget per question, keyboard first.
// One round trip per item: submit and skip ask for the next task in the same call.

import { ApiError, get, post } from './api.js';
import { renderMarkdown } from './markdown.js';
import { $, el, showMessage, wireLogout } from './ui.js';
import { buildWidgets } from './widgets.js';
import { renderConversation, renderResponses } from './llm.js';

wireLogout();

const projectId = Number($('main').dataset.projectId);
const base = `/projects/${projectId}`;
const state = { project: null, task: null, widgets: [], active: 0, busy: false, count: 0, spanOrder: [] };

function newKey() {
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

function setCount(n) {
  state.count = n;
  $('#my-count').textContent = `You: ${n} labeled`;
}

// ---- the item ---------------------------------------------------------------------------------------

function safeUrl(value, { image = false } = {}) {
  if (typeof value !== 'string') return null;
  if (/^https?:\/\//i.test(value) || (value.startsWith('/') && !value.startsWith('//'))) return value;
  if (image && /^data:image\/(png|jpeg|gif|webp);/i.test(value)) return value;
  return null;
}

// Payload values are untrusted: they only ever reach the page as text nodes or checked URLs.
function renderInput(field, value) {
  const box = el('section', { class: 'input', 'data-input': field.name });
  box.append(el('h2', { class: 'input-title', text: field.title || field.name }));
  if (value === undefined || value === null) {
    box.append(el('p', { class: 'muted', text: '(empty)' }));
    return [box, null];
  }
  if (field.type === 'text') {
    const text = el('div', { class: 'item-text', text: String(value) });
    box.append(text);
    return [box, text];
  }
  if (field.type === 'image' && safeUrl(value, { image: true })) {
    box.append(el('img', { src: safeUrl(value, { image: true }), alt: field.title || field.name, class: 'item-image' }));
  } else if (field.type === 'url' && safeUrl(value)) {
    box.append(el('a', { href: safeUrl(value), text: value, target: '_blank', rel: 'noopener noreferrer' }));
  } else if (field.type === 'conversation' && Array.isArray(value)) {
    box.append(renderConversation(value));
  } else if (field.type === 'responses' && Array.isArray(value)) {
    box.append(renderResponses(value));
  } else {
    box.append(el('pre', { class: 'item-json', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }));
  }
  return [box, null];
}

function showTask(task) {
  state.task = task;
  state.spanOrder = [];
  $('#loading').hidden = true;
  const form = $('#task');
  if (!task) {
    form.hidden = true;
    $('#done').hidden = false;
    state.widgets = [];
    return;
  }
  $('#done').hidden = true;
  const schema = state.project.label_schema;
  const payload = task.item.payload || {};
  const textBoxes = {};
  const inputs = schema.inputs.map((field) => {
    const [box, text] = renderInput(field, payload[field.name]);
    if (text) textBoxes[field.name] = text;
    return box;
  });
  $('#inputs').replaceChildren(...inputs);
  state.widgets = buildWidgets(schema, payload, textBoxes, onAnswer);
  $('#questions').replaceChildren(...state.widgets.map((w) => w.root));
  for (const w of state.widgets) {
    w.root.addEventListener('focusin', () => activate(w));
    w.root.addEventListener('pointerdown', () => activate(w));
  }
  state.active = Math.max(0, state.widgets.findIndex((w) => w.digits));
  activate(state.widgets[state.active]);
  $('#item-ref').textContent = `Item #${task.item.id}`;
  form.hidden = false;
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  renderHelp();
}

// Number keys go to one question at a time; answering a single choice moves on to the next one.
function activate(widget) {
  if (!widget || !widget.digits) return;
  state.active = state.widgets.indexOf(widget);
  state.widgets.forEach((w) => w.root.classList.toggle('active', w === widget && keyed().length > 1));
}

function keyed() {
  return state.widgets.filter((w) => w.digits);
}

function moveActive(step) {
  const list = keyed();
  if (list.length < 2) return;
  const at = list.indexOf(state.widgets[state.active]);
  activate(list[(at + step + list.length) % list.length]);
}

function onAnswer(question, complete) {
  const widget = state.widgets.find((w) => w.question === question);
  if (widget) widget.root.classList.remove('has-error');
  for (const w of state.widgets) w.refresh?.();
  if (complete && widget === state.widgets[state.active]) {
    const list = keyed();
    const at = list.indexOf(widget);
    if (at >= 0 && at < list.length - 1) activate(list[at + 1]);
  }
}

// ---- submit and skip --------------------------------------------------------------------------------

function answers() {
  const value = {};
  for (const w of state.widgets) {
    const answer = w.value();
    if (answer !== undefined) value[w.question.name] = answer;
  }
  return value;
}

function markErrors(error) {
  const named = new Set((Array.isArray(error.details) ? error.details : []).map((d) => d && d.loc && d.loc[0]));
  for (const w of state.widgets) w.root.classList.toggle('has-error', named.has(w.question.name));
}

async function call(path, body, headers) {
  try {
    return await post(path, body, headers);
  } catch (error) {
    // A dropped connection: retry once; the idempotency key makes a repeated submit harmless.
    if (error instanceof ApiError) throw error;
    return post(path, body, headers);
  }
}

async function act(kind) {
  if (state.busy || !state.task) return;
  state.busy = true;
  $('#submit').disabled = $('#skip').disabled = true;
  const lease = state.task.lease_id;
  try {
    if (kind === 'submit') {
      const result = await call(`${base}/tasks/${lease}/submit`, { value: answers(), next: true },
        { 'Idempotency-Key': newKey() });
      if (!result.replayed) setCount(state.count + 1);
      showMessage(null);
      showTask(result.task);
    } else {
      const result = await call(`${base}/tasks/${lease}/skip`, { next: true });
      showMessage(null);
      showTask(result.task);
    }
  } catch (error) {
    showMessage(error);
    if (error instanceof ApiError && (error.status === 409 || error.status === 404) && /lease/i.test(error.message)) {
      // The lease is gone (expired or taken): move on to a fresh task, keeping the message visible.
      await post(`${base}/tasks/next`).then((next) => showTask(next.task), () => {});
    } else if (error.details) markErrors(error);
  } finally {
    state.busy = false;
    $('#submit').disabled = $('#skip').disabled = false;
  }
}

// ---- keyboard -----------------------------------------------------------------------------------------

function spanWidgets() {
  return state.widgets.filter((w) => w.label);
}

function globalKeys() {
  return [['1 … 9', 'Pick an option of the highlighted question'], ['↑ / ↓', 'Move between choice questions'],
    ['Enter', 'Submit and go to the next item'], ['S', 'Skip this item'],
    ['Backspace', 'Remove the last span'], ['Esc', 'Leave a text box'],
    ['Ctrl+Enter', 'Submit, even from a text box'], ['?', 'Show or hide this help']];
}

function renderHelp() {
  const rows = [...globalKeys()];
  for (const w of state.widgets) {
    const keys = w.hotkeys();
    if (!keys.length) continue;
    const how = w.label ? 'select text, then label it ' : w.question.kind === 'ranking' ? 'rank ' : '';
    rows.push([keys.map(([key]) => key).join(' '),
      `${w.question.title || w.question.name}: ${how}${keys.map(([, what]) => what).join(' · ')}`]);
  }
  $('#help-keys').replaceChildren(...rows.map(([key, what]) =>
    el('tr', {}, el('th', { scope: 'row' }, el('kbd', { text: key })), el('td', { text: what }))));
}

function toggleHelp(show) {
  const help = $('#help');
  help.hidden = show === undefined ? !help.hidden : !show;
  if (!help.hidden) renderHelp();
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches('textarea, input, select'));
}

function onKey(event) {
  const { key } = event;
  if (!$('#help').hidden) {
    if (key === 'Escape' || key === '?') {
      event.preventDefault();
      toggleHelp(false);
    }
    return;
  }
  if (key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    act('submit');
    return;
  }
  if (typing(event.target)) {
    if (key === 'Escape') event.target.blur();
    else if (key === 'Enter' && event.target.matches('input')) {
      event.preventDefault();
      act('submit');
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.shiftKey && key.startsWith('Arrow')) return; // extending a text selection
  if (key === '?') {
    event.preventDefault();
    toggleHelp();
    return;
  }
  if (!state.task) return;
  let handled = true;
  if (key === 'Enter') act('submit');
  else if (key === 'Backspace') removeLastSpan();
  else if (key === 'ArrowDown') moveActive(1);
  else if (key === 'ArrowUp') moveActive(-1);
  else if (/^\d$/.test(key)) handled = digit(key);
  else if (key.length === 1) handled = letter(key);
  else handled = false;
  if (handled) event.preventDefault();
}

function digit(key) {
  const active = state.widgets[state.active];
  if (active && active.digits && active.key(key)) return true;
  return state.widgets.some((w) => w.digits && w.key(key)); // a key no other question uses
}

function letter(key) {
  // With text selected, a label key wins over S; otherwise S skips.
  const candidates = spanWidgets();
  const target = candidates.find((w) => w.hasSelection()) || (candidates.length === 1 ? candidates[0] : null);
  if (target && (target.hasSelection() || key.toLowerCase() !== 's')) {
    const result = target.label(key);
    if (result) {
      if (result.error) showMessage(result.error, 'info');
      else {
        showMessage(null);
        state.spanOrder.push(target);
      }
      return true;
    }
  }
  if (state.widgets.some((w) => w.letter && w.letter(key))) return true; // LLM widgets' letter keys
  if (key === 's' || key === 'S') {
    act('skip');
    return true;
  }
  return false;
}

function removeLastSpan() {
  while (state.spanOrder.length) {
    if (state.spanOrder.pop().removeLast()) return;
  }
  spanWidgets().some((w) => w.removeLast());
}

// ---- start -------------------------------------------------------------------------------------------

async function main() {
  const [project, mine, next] = await Promise.all([
    get(base), get(`${base}/annotators/me`).catch(() => null), post(`${base}/tasks/next`),
  ]);
  state.project = project;
  document.title = `${project.name} · Label · assay`;
  $('#project-name').textContent = project.name;
  const guide = [project.guidelines, project.label_schema.instructions].filter(Boolean).join('\n\n');
  $('#guidelines').innerHTML = guide ? renderMarkdown(guide) : '<p class="muted">No guidelines for this project.</p>';
  $('#guidelines-version').textContent = project.guidelines ? `v${project.guidelines_version}` : '';
  setCount(mine ? mine.annotations : 0);
  showTask(next.task);
}

document.addEventListener('keydown', onKey);
$('#task').addEventListener('submit', (event) => {
  event.preventDefault();
  act('submit');
});
$('#skip').addEventListener('click', () => act('skip'));
$('#help-button').addEventListener('click', () => toggleHelp());
$('#help').addEventListener('click', (event) => {
  if (event.target === event.currentTarget) toggleHelp(false);
});
main().catch((error) => {
  $('#loading').hidden = true;
  showMessage(error);
});
