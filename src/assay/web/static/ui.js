// Bits every page shares: the message area, the logout link, small formatters.

import { post } from './api.js';

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'for') {
      node.setAttribute(key, value === true ? '' : value);
    } else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// Shows an API error (or a plain string) in #message; details that name a question are listed.
export function showMessage(error, kind = 'error') {
  const box = $('#message');
  if (!box) return;
  box.replaceChildren();
  box.className = `message ${kind}`;
  if (!error) {
    box.hidden = true;
    return;
  }
  box.append(el('span', { text: typeof error === 'string' ? error : error.message }));
  const details = Array.isArray(error.details) ? error.details : [];
  const lines = details.map((d) => d && d.msg).filter((msg) => msg && msg !== error.message);
  if (lines.length > 1 || (lines.length === 1 && !error.message.includes(lines[0]))) {
    box.append(el('ul', {}, ...lines.map((msg) => el('li', { text: msg }))));
  }
  box.hidden = false;
}

export function wireLogout() {
  const link = $('[data-logout]');
  if (!link) return;
  link.addEventListener('click', async (event) => {
    event.preventDefault();
    try {
      await post('/auth/logout');
    } finally {
      location.assign('/login');
    }
  });
}

// Timestamps without a zone are UTC (SQLite hands them back naive).
export function parseTime(iso) {
  return new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`);
}

export function ago(iso) {
  if (!iso) return '—';
  const seconds = Math.max(0, (Date.now() - parseTime(iso).getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return parseTime(iso).toLocaleDateString();
}

export const ROLES = ['annotator', 'reviewer', 'manager', 'admin', 'owner'];
export const roleAtLeast = (role, minimum) => ROLES.indexOf(role) >= ROLES.indexOf(minimum);
