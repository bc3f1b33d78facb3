// The quality page: agreement per question, annotator accuracy with Wilson intervals and a confusion
// matrix drawn as inline SVG (no libraries), the most disagreed items, and reinstating annotators.

import { get, post } from './api.js';
import { $, el, roleAtLeast, showMessage, wireLogout } from './ui.js';

wireLogout();

const main = $('main');
const projectId = Number(main.dataset.projectId);
const canManage = roleAtLeast(main.dataset.role || '', 'manager');
const base = `/projects/${projectId}`;
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

const fixed = (value, digits = 2) => (value === null || value === undefined ? '—' : value.toFixed(digits));
const percent = (value) => (value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`);

// The agreement figure each kind has: shared answers for classes, F1 for spans and relations, Kendall τ
// for rankings, word overlap for free text.
const AGREEMENT = [
  ['percent_agreement', (v) => percent(v), 'Share of annotator pairs giving the same answer'],
  ['f1', (v) => `F1 ${fixed(v)}`, 'Mean pairwise F1 of the annotators’ spans or relations (exact match)'],
  ['kendall_tau', (v) => `τ ${fixed(v)}`, 'Mean pairwise Kendall τ-b of the annotators’ rankings'],
  ['text_similarity', (v) => `sim ${fixed(v)}`, 'Mean pairwise word overlap of the answers (free text)'],
];

function agreementCell(q) {
  const found = AGREEMENT.find(([key]) => q[key] !== null && q[key] !== undefined);
  if (!found) return el('td', { class: 'num', text: '—' });
  const [key, show, title] = found;
  const extra = key === 'f1' && q.overlap_f1 != null ? ` (overlap ${fixed(q.overlap_f1)})` : '';
  return el('td', { class: 'num', text: show(q[key]) + extra, title });
}

function alphaCell(q) {
  const interval = q.krippendorff_alpha_interval;
  const text = interval === null || interval === undefined
    ? fixed(q.krippendorff_alpha) : `${fixed(q.krippendorff_alpha)} / ${fixed(interval)}`;
  return el('td', { class: 'num', text, title: interval == null ? '' : 'ordinal / interval' });
}

function questionRow(name, q, criterion = false) {
  return el('tr', { 'data-question': name, class: criterion ? 'criterion' : undefined },
    el('td', { text: name }), el('td', { text: criterion ? 'criterion' : q.kind }),
    el('td', { text: criterion ? '' : (q.method || '—') }),
    el('td', { class: 'num', text: String(q.items ?? '') }), el('td', { class: 'num', text: criterion ? '' : String(q.labels) }),
    agreementCell(q), el('td', { class: 'num', text: fixed(q.fleiss_kappa) }), alphaCell(q),
    el('td', { class: 'num', text: criterion ? '' : fixed(q.mean_confidence) }));
}

function rateText(rate) {
  if (!rate.count) return '—';
  return `${percent(rate.accuracy)} [${percent(rate.low)}–${percent(rate.high)}] n=${rate.count}`;
}

let annotators = [];

function drawSummary(summary) {
  const refreshed = summary.refreshed_at ? new Date(summary.refreshed_at).toLocaleString() : 'never';
  const stats = [
    ['method', 'Method', summary.method], ['annotations', 'Annotations', summary.annotations],
    ['items', 'Items labeled', summary.items], ['annotators', 'Annotators', summary.annotators],
    ['gold_items', 'Gold items', summary.gold_items], ['refreshed', 'Computed', refreshed],
  ];
  $('#summary').replaceChildren(...stats.map(([key, label, value]) => el('div', { class: 'stat', 'data-stat': key },
    el('dt', { text: label }), el('dd', { text: String(value) }))));
  const rows = Object.entries(summary.questions);
  $('#agreement').replaceChildren(...rows.flatMap(([name, q]) => [questionRow(name, q),
    ...Object.entries(q.criteria || {}).map(([criterion, c]) => questionRow(`${name} · ${criterion}`, c, true))]));
  const choices = rows.filter(([, q]) => ['single_choice', 'rating', 'pairwise'].includes(q.kind));
  const select = $('#question');
  const current = select.value;
  select.replaceChildren(...choices.map(([name]) => el('option', { value: name, text: name })));
  if (choices.some(([name]) => name === current)) select.value = current;
}

// One row per annotator: the interval as a bar, the estimate as a dot, on a 0–100% axis.
export function accuracyPlot(rows, metric) {
  const shown = rows.filter((row) => row[metric].count > 0);
  const left = 190, width = 420, rowHeight = 26, top = 24;
  const height = top + rowHeight * Math.max(shown.length, 1) + 8;
  const x = (share) => left + share * width;
  const plot = svg('svg', { viewBox: `0 0 ${left + width + 20} ${height}`, role: 'img',
    width: left + width + 20, height, 'data-metric': metric });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    plot.append(svg('line', { class: 'axis', x1: x(tick), x2: x(tick), y1: top - 6, y2: height - 6 }));
    plot.append(svg('text', { class: 'tick', x: x(tick), y: 12, 'text-anchor': 'middle' },
      document.createTextNode(`${tick * 100}%`)));
  }
  if (!shown.length) {
    plot.append(svg('text', { class: 'tick', x: left, y: top + 14 }, document.createTextNode('No data yet')));
  }
  shown.forEach((row, index) => {
    const y = top + rowHeight * index + rowHeight / 2;
    const rate = row[metric];
    const group = svg('g', { class: 'annotator', 'data-user-id': row.user_id });
    group.append(svg('text', { x: left - 8, y: y + 4, 'text-anchor': 'end' },
      document.createTextNode(row.name || row.email)));
    group.append(svg('line', { class: 'interval', x1: x(rate.low), x2: x(rate.high), y1: y, y2: y }));
    group.append(svg('circle', { class: 'point', cx: x(rate.accuracy), cy: y, r: 5 },
      svg('title', {}, document.createTextNode(`${row.email}: ${rateText(rate)}`))));
    plot.append(group);
  });
  return plot;
}

// Rows: consensus answer; columns: the answer given; darker cells hold more answers.
export function confusionPlot(matrix) {
  const n = matrix.classes.length;
  const cell = 48, left = 110, top = 90;
  const size = Math.max(n, 1) * cell;
  const plot = svg('svg', { viewBox: `0 0 ${left + size + 10} ${top + size + 10}`, role: 'img',
    width: left + size + 10, height: top + size + 10 });
  const most = Math.max(1, ...matrix.matrix.flat());
  matrix.classes.forEach((name, i) => {
    plot.append(svg('text', { x: left - 8, y: top + i * cell + cell / 2 + 4, 'text-anchor': 'end' },
      document.createTextNode(String(name))));
    plot.append(svg('text', { x: left + i * cell + cell / 2, y: top - 8,
      transform: `rotate(-40 ${left + i * cell + cell / 2} ${top - 8})` }, document.createTextNode(String(name))));
  });
  matrix.matrix.forEach((row, i) => row.forEach((count, j) => {
    const shade = Math.round(245 - (count / most) * 190);
    const fill = i === j ? `rgb(${shade}, ${Math.min(255, shade + 10)}, 255)` : `rgb(255, ${shade}, ${shade})`;
    const group = svg('g', { class: 'cell', 'data-row': i, 'data-col': j, 'data-count': count });
    group.append(svg('rect', { x: left + j * cell, y: top + i * cell, width: cell - 2, height: cell - 2, fill }));
    group.append(svg('text', { class: 'cell-label', x: left + j * cell + cell / 2 - 1,
      y: top + i * cell + cell / 2 - 1 }, document.createTextNode(String(count))));
    plot.append(group);
  }));
  return plot;
}

function drawAnnotators(rows) {
  annotators = rows;
  $('#no-annotators').hidden = rows.length > 0;
  $('#accuracy-plot').replaceChildren(accuracyPlot(rows, $('#metric').value));
  $('#annotators').replaceChildren(...rows.map((row) => el('tr', { 'data-user-id': row.user_id },
    el('td', { text: row.name || row.email }),
    el('td', { class: `status-${row.status}`, text: row.status, title: row.reason || '' }),
    el('td', { class: 'num', text: String(row.labels) }),
    el('td', { class: 'num', text: rateText(row.agreement) }),
    el('td', { class: 'num', text: rateText(row.gold) }),
    el('td', { class: 'num', text: rateText(row.review) }),
    el('td', {}, canManage && ['paused', 'failed'].includes(row.status)
      ? el('button', { type: 'button', class: 'reinstate', text: 'Reinstate',
        onclick: () => reinstate(row.user_id).catch(showMessage) })
      : null))));
}

async function drawConfusion() {
  const question = $('#question').value;
  if (!question) {
    $('#confusion-plot').replaceChildren(el('p', { class: 'muted', text: 'No single-answer question.' }));
    return;
  }
  const matrix = await get(`${base}/quality/confusion?question=${encodeURIComponent(question)}`);
  $('#confusion-plot').replaceChildren(confusionPlot(matrix));
}

function answersText(votes) {
  return Object.entries(votes).map(([question, counts]) => `${question}: ` + Object.entries(counts)
    .map(([answer, n]) => `${answer} ×${n}`).join(', ')).join('; ');
}

// A consensus value in a few words: spans as LABEL “text”, rankings with >, the rest as JSON.
export function valueText(value) {
  if (Array.isArray(value) && value.every((v) => v && typeof v === 'object' && 'start' in v)) {
    return value.map((s) => `${s.label} “${s.text ?? `${s.start}–${s.end}`}”`).join(', ') || '(none)';
  }
  if (Array.isArray(value) && value.every((v) => v && typeof v === 'object' && 'from' in v)) {
    return value.map((r) => `${r.from.label} ${r.label} ${r.to.label}`).join(', ') || '(none)';
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function drawDisagreed(rows) {
  $('#no-disagreed').hidden = rows.length > 0;
  $('#disagreed').replaceChildren(...rows.map((row) => el('tr', { 'data-item-id': row.item_id },
    el('td', { text: `#${row.item_id}` }),
    el('td', { class: 'num', text: fixed(row.confidence) }),
    el('td', { text: Object.entries(row.consensus).map(([q, c]) => `${q}: ${valueText(c.value)}`).join('; ') }),
    el('td', { text: answersText(row.votes) }))));
}

// A private prompt set shows its items to managers only: reviewers get the figures without the items.
async function disagreedOrNothing() {
  try {
    return await get(`${base}/quality/disagreements?limit=20`);
  } catch (error) {
    if (error.status !== 403) throw error;
    $('#no-disagreed').textContent = 'The items of a private prompt set are shown to managers only.';
    return [];
  }
}

async function reinstate(userId) {
  await post(`${base}/annotators/${userId}/reinstate`);
  drawAnnotators(await get(`${base}/quality/annotators`));
}

async function load() {
  // The summary call brings consensus up to date; the others then read what it stored.
  drawSummary(await get(`${base}/quality`));
  const [rows, disagreed] = await Promise.all([get(`${base}/quality/annotators`), disagreedOrNothing()]);
  drawAnnotators(rows);
  drawDisagreed(disagreed);
  await drawConfusion();
  showMessage(null);
}

async function main_() {
  const project = await get(base);
  $('#project-name').textContent = `${project.name} — quality`;
  document.title = `${project.name} · Quality · assay`;
  $('#metric').addEventListener('change', () => {
    $('#accuracy-plot').replaceChildren(accuracyPlot(annotators, $('#metric').value));
  });
  $('#question').addEventListener('change', () => drawConfusion().catch(showMessage));
  $('#refresh').addEventListener('click', async () => {
    try {
      await post(`${base}/quality/refresh?force=true`);
      await load();
    } catch (error) {
      showMessage(error);
    }
  });
  await load();
}

main_().catch(showMessage);
