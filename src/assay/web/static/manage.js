// The manager's view of a project: progress numbers and bar, annotator pace; refreshes itself.

import { get } from './api.js';
import { $, ago, el, showMessage, wireLogout } from './ui.js';

wireLogout();

const projectId = Number($('main').dataset.projectId);
const base = `/projects/${projectId}`;
const REFRESH_MS = 5000;

const STATS = [
  ['items', 'Items'], ['done', 'Done'], ['in_progress', 'In progress'], ['not_started', 'Not started'],
  ['remaining', 'Remaining'], ['annotations', 'Annotations'], ['annotations_wanted', 'Wanted'],
  ['active_leases', 'Active leases'],
];

function drawProgress(progress) {
  $('#progress').replaceChildren(...STATS.map(([key, label]) => el('div', { class: 'stat', 'data-stat': key },
    el('dt', { text: label }), el('dd', { text: String(progress[key]) }))));
  const wanted = Math.max(progress.annotations_wanted, 1);
  const share = Math.min(progress.annotations / wanted, 1);
  $('#progress-bar').value = share;
  $('#progress-percent').textContent = `${Math.round(share * 100)}% of wanted annotations`;
}

function drawAnnotators(rows) {
  $('#annotators').replaceChildren(...rows.map((row) => el('tr', { 'data-user-id': row.user_id },
    el('td', {}, el('span', { text: row.name || row.email }),
      row.name ? el('span', { class: 'muted small', text: ` ${row.email}` }) : null),
    el('td', { class: 'num', text: String(row.annotations) }),
    el('td', { class: 'num', text: row.median_seconds == null ? '—' : row.median_seconds.toFixed(1) }),
    el('td', { text: ago(row.last_active), title: row.last_active || '' }))));
  $('#no-annotators').hidden = rows.length > 0;
}

async function refresh() {
  const [progress, annotators] = await Promise.all([get(`${base}/progress`), get(`${base}/annotators`)]);
  drawProgress(progress);
  drawAnnotators(annotators);
  $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  showMessage(null);
}

async function main() {
  const project = await get(base);
  $('#project-name').textContent = `${project.name} — progress`;
  document.title = `${project.name} · Manage · assay`;
  await refresh();
  setInterval(() => {
    if (!document.hidden) refresh().catch(showMessage);
  }, REFRESH_MS);
}

main().catch(showMessage);
