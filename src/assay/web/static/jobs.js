// A project's background jobs for managers: status, progress, failures, times; cancel and resume.
// Everything from the server is set as text (textContent), never parsed as HTML.

import { get, post } from './api.js';
import { $, ago, el, parseTime, showMessage, wireLogout } from './ui.js';

wireLogout();

const projectId = Number($('main').dataset.projectId);
const base = `/projects/${projectId}`;
const REFRESH_MS = 3000;
const ACTIVE = ['queued', 'running'];
let timer = null;

// What a job works with, in a few words (generate: model, version and backend).
function detail(job) {
  const params = job.params || {};
  if (job.kind !== 'generate') return '';
  const version = params.model_version ? `@${params.model_version}` : '';
  return `${params.model || ''}${version} · ${params.backend || 'openai'}`;
}

function resumable(job) {
  return job.status === 'failed' || job.status === 'cancelled' || (job.status === 'done' && job.progress_failed > 0);
}

function progressCell(job) {
  const bar = el('progress', { 'aria-label': `Progress of job ${job.id}` });
  if (job.progress_total) {
    bar.max = job.progress_total;
    bar.value = job.progress_done;
  } else if (job.status !== 'running') {
    bar.max = 1;
    bar.value = job.status === 'done' ? 1 : 0;
  }
  const total = job.progress_total == null ? '?' : String(job.progress_total);
  return el('td', {}, el('span', { class: 'job-progress' }, bar,
    el('span', { class: 'progress-count', text: `${job.progress_done} / ${total}` })));
}

function timeCell(iso) {
  return el('td', { text: iso ? ago(iso) : '—', title: iso ? parseTime(iso).toLocaleString() : '' });
}

function actionButton(job, action, label) {
  const button = el('button', { type: 'button', class: `small ${action}-job`, text: label, 'data-action': action,
    'aria-label': `${label} job ${job.id}` });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post(`/jobs/${job.id}/${action}`);
      showMessage(`Job ${job.id} ${action === 'cancel' ? 'cancelled' : 'queued again'}.`, 'info');
    } catch (error) {
      showMessage(error);
    }
    await refresh().catch(showMessage);
  });
  return button;
}

function row(job) {
  const kind = el('td', {}, el('span', { text: job.kind }));
  const words = detail(job);
  if (words) kind.append(el('span', { class: 'job-detail muted small', text: words }));
  const status = el('td', {}, el('span', { class: `status status-${job.status}`, text: job.status }));
  if (job.error) status.append(el('span', { class: 'job-error small', text: job.error }));
  if (job.attempts > 1) status.append(el('span', { class: 'muted small job-detail', text: `${job.attempts} attempts` }));
  const actions = el('div', { class: 'actions' });
  if (ACTIVE.includes(job.status)) actions.append(actionButton(job, 'cancel', 'Cancel'));
  if (resumable(job)) actions.append(actionButton(job, 'resume', job.status === 'done' ? 'Retry failed' : 'Resume'));
  return el('tr', { 'data-job-id': job.id, 'data-status': job.status },
    el('td', { class: 'num', text: String(job.id) }), kind, status, progressCell(job),
    el('td', { class: 'num failed-count', text: String(job.progress_failed) }),
    timeCell(job.started_at), timeCell(job.finished_at), el('td', {}, actions));
}

async function refresh() {
  clearTimeout(timer);
  const status = $('#status-filter').value;
  const jobs = await get(`${base}/jobs${status ? `?status=${encodeURIComponent(status)}` : ''}`);
  $('#jobs').replaceChildren(...jobs.map(row));
  $('#no-jobs').hidden = jobs.length > 0;
  $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  if (jobs.some((job) => ACTIVE.includes(job.status))) schedule();
}

// Polls only while something may change, and not while the tab is hidden.
function schedule() {
  timer = setTimeout(() => {
    if (document.hidden) schedule();
    else refresh().catch(showMessage);
  }, REFRESH_MS);
}

async function main() {
  const project = await get(base);
  $('#project-name').textContent = `${project.name} — jobs`;
  document.title = `${project.name} · Jobs · assay`;
  $('#status-filter').addEventListener('change', () => refresh().catch(showMessage));
  await refresh();
}

main().catch(showMessage);
