// The log-in form: POST /auth/login, then go where the visitor was heading.

import { post } from './api.js';
import { $, showMessage } from './ui.js';

const form = $('#login-form');
const target = document.body.querySelector('main').dataset.next || '/';

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  showMessage(null);
  try {
    await post('/auth/login', { email: $('#email').value.trim(), password: $('#password').value });
    // Only same-site paths: the server already checked, but never trust a page attribute to be a URL.
    location.assign(target.startsWith('/') && !target.startsWith('//') ? target : '/');
  } catch (error) {
    showMessage(error);
    $('#password').select();
    button.disabled = false;
  }
});
