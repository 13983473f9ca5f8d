// The one-time-code client, loaded in an iframe from another origin than
// the login page (as BankID's client is): it checks the code with the
// provider and tells the page by postMessage when the login is done.
'use strict';
(() => {
  const root = document.getElementById('otp');
  const id = root.dataset.interaction;
  const parentOrigin = root.dataset.parentOrigin;

  root.innerHTML = '<form id="otp-form"><label for="otp-code">One-time code</label>' +
    '<input id="otp-code" inputmode="numeric" autocomplete="one-time-code" required>' +
    '<button id="confirm" type="submit">Confirm</button></form>' +
    '<p id="otp-error" role="alert"></p>';
  document.getElementById('otp-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await fetch('/login/api/otp', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ interaction: id, otp: document.getElementById('otp-code').value }),
    });
    const res = await r.json();
    if (res.status === 'done' || res.status === 'failed') {
      parent.postMessage({ type: 'tokenbench-login', status: res.status }, parentOrigin);
      root.textContent = res.status === 'done' ? 'Done.' : res.message;
      return;
    }
    document.getElementById('otp-error').textContent = res.message;
  });
})();
