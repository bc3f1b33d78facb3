// A project's leaderboard: ratings with 95% intervals drawn as inline SVG, a table, the win-rate matrix.

import { get } from './api.js';
import { $, el, showMessage, wireLogout } from './ui.js';

wireLogout();

const projectId = Number($('main').dataset.projectId);
const base = `/projects/${projectId}`;
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const fmt = (value) => (value == null ? '—' : value.toFixed(1));

// One row per model: a whisker from ci_low to ci_high and a dot at the rating, on a shared axis.
export function ratingPlot(rows, width = 720) {
  const rowHeight = 28;
  const left = 170;
  const right = 30;
  const top = 10;
  const height = top + rows.length * rowHeight + 34;
  const lows = rows.map((r) => r.ci_low);
  const highs = rows.map((r) => r.ci_high);
  let min = Math.min(...lows);
  let max = Math.max(...highs);
  if (!(max > min)) { min -= 50; max += 50; }
  const pad = (max - min) * 0.05;
  min -= pad; max += pad;
  const x = (value) => left + ((value - min) / (max - min)) * (width - left - right);
  const plot = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', class: 'plot', 'aria-hidden': 'true' });
  const axisY = top + rows.length * rowHeight + 6;
  plot.append(svg('line', { x1: left, x2: width - right, y1: axisY, y2: axisY, stroke: '#9aa3b2' }));
  const step = niceStep((max - min) / 6);
  for (let tick = Math.ceil(min / step) * step; tick <= max; tick += step) {
    plot.append(svg('line', { x1: x(tick), x2: x(tick), y1: top, y2: axisY, stroke: '#eceff4' }));
    plot.append(svg('text', { x: x(tick), y: axisY + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#5d6677' },
      String(Math.round(tick))));
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const group = svg('g', { class: 'model-row', 'data-model': row.model });
    group.append(svg('text', { x: left - 10, y: y + 4, 'text-anchor': 'end', 'font-size': 13, fill: '#1d2330' }, row.model));
    group.append(svg('line', { class: 'ci', x1: x(row.ci_low), x2: x(row.ci_high), y1: y, y2: y, stroke: '#2f5bea', 'stroke-width': 2 }));
    for (const end of [row.ci_low, row.ci_high]) {
      group.append(svg('line', { x1: x(end), x2: x(end), y1: y - 6, y2: y + 6, stroke: '#2f5bea', 'stroke-width': 2 }));
    }
    const dot = svg('circle', { class: 'rating', cx: x(row.rating), cy: y, r: 5, fill: '#1d2330' });
    dot.append(svg('title', {}, `${row.model}: ${fmt(row.rating)} (${fmt(row.ci_low)} – ${fmt(row.ci_high)})`));
    group.append(dot);
    plot.append(group);
  });
  return plot;
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const unit = raw / power;
  return (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10) * power;
}

// Red (0% wins) to green (100%), through the two colours' average.
function mix(low, high, share) {
  const rgb = low.map((channel, i) => Math.round(channel + (high[i] - channel) * share));
  return `rgb(${rgb.join(', ')})`;
}

function winMatrix(wins) {
  const n = wins.models.length;
  const cell = 44;
  const left = 150;
  const top = 80;
  const plot = svg('svg', { viewBox: `0 0 ${left + n * cell + 10} ${top + n * cell + 10}`, class: 'plot', width: Math.min(720, left + n * cell + 10) });
  wins.models.forEach((model, j) => {
    plot.append(svg('text', { x: left + j * cell + cell / 2, y: top - 8, 'font-size': 12, fill: '#1d2330',
      transform: `rotate(-45 ${left + j * cell + cell / 2} ${top - 8})` }, model));
  });
  wins.matrix.forEach((row, i) => {
    plot.append(svg('text', { x: left - 8, y: top + i * cell + cell / 2 + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#1d2330' }, wins.models[i]));
    row.forEach((value, j) => {
      const shade = value == null ? '#f1f3f6' : mix([244, 199, 195], [183, 225, 193], value);
      plot.append(svg('rect', { x: left + j * cell, y: top + i * cell, width: cell - 2, height: cell - 2, fill: shade, class: 'win-cell' }));
      plot.append(svg('text', { x: left + j * cell + cell / 2 - 1, y: top + i * cell + cell / 2 + 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#1d2330' },
        value == null ? '' : `${Math.round(value * 100)}%`));
    });
  });
  return plot;
}

let board = null;

function draw() {
  const category = $('#category').value;
  const rows = category ? board.categories[category] || [] : board.models;
  $('#plot').replaceChildren(ratingPlot(rows));
  $('#ratings').replaceChildren(...rows.map((row) => el('tr', { 'data-model': row.model },
    el('td', { class: 'num', text: String(row.rank) }),
    el('td', { text: row.model }),
    el('td', { class: 'num', text: fmt(row.rating) }),
    el('td', { class: 'num', text: `${fmt(row.ci_low)} – ${fmt(row.ci_high)}` }),
    el('td', { class: 'num', text: String(row.n_battles) }),
    el('td', { class: 'num', text: `${Math.round(row.win_rate * 100)}%` }))));
  let summary = `${board.n_battles} judgments · ${board.method} · ${board.n_bootstrap} bootstrap rounds`;
  if (board.style_coef) summary += ` · length coefficient ${board.style_coef.length.toFixed(3)}`;
  $('#summary').textContent = summary;
  $('#wins').replaceChildren(winMatrix(board.win_rates));
}

async function load() {
  const style = $('#style').checked;
  board = await get(`${base}/leaderboard?style=${style}`);
  $('#csv-link').href = `/api/v1${base}/leaderboard?format=csv&style=${style}`;
  const select = $('#category');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '', text: 'Overall' }),
    ...Object.keys(board.categories).map((name) => el('option', { value: name, text: name })));
  select.value = chosen in board.categories ? chosen : '';
  draw();
  showMessage(null);
}

async function main() {
  const project = await get(base);
  $('#project-name').textContent = `${project.name} — leaderboard`;
  document.title = `${project.name} · Leaderboard · assay`;
  $('#category').addEventListener('change', draw);
  $('#style').addEventListener('change', () => load().catch(showMessage));
  document.addEventListener('keydown', (event) => {
    if (event.target.closest('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 's' || event.key === 'S') {
      $('#style').checked = !$('#style').checked;
      load().catch(showMessage);
    }
  });
  await load();
}

main().catch(showMessage);
