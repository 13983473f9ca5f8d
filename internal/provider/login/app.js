// The reference provider's login page: a JavaScript application, like
// BankID's. The HTML has no form; this script asks the provider about the
// login, renders the user step, then shows the one-time-code client in an
// iframe from another origin, and goes on when the client says so.
'use strict';
(() => {
  const app = document.getElementById('app');
  const id = app.dataset.interaction;
  const otpOrigin = app.dataset.otpOrigin;

  const text = (s) => { const d = document.createElement('div'); d.textContent = s; return d.innerHTML; };
  const post = async (path, body) => {
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return [r.ok, await r.json()];
  };
  const finish = () => location.assign('/login/finish?interaction=' + encodeURIComponent(id));

  function userStep(info) {
    app.innerHTML = '<h1>Log in to ' + text(info.client_id) + '</h1>' +
      '<form id="user-form"><label for="user-id">User ID</label>' +
      '<input id="user-id" name="user" autocomplete="username" required>' +
      '<button id="next" type="submit">Next</button></form>' +
      '<p id="error" role="alert"></p>';
    document.getElementById('user-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const [ok, res] = await post('/login/api/user', { interaction: id, user: document.getElementById('user-id').value });
      if (!ok) {
        document.getElementById('error').textContent = res.message;
        return;
      }
      codeStep();
    });
  }

  function codeStep() {
    app.innerHTML = '<h1>Confirm it is you</h1>' +
      '<p>Enter the one-time code from your code device.</p>' +
      '<iframe id="otp-frame" title="One-time code" src="' + otpOrigin + '/login/otp?interaction=' + encodeURIComponent(id) + '"></iframe>';
  }

  window.addEventListener('message', (e) => {
    if (e.origin !== otpOrigin || !e.data || e.data.type !== 'tokenbench-login') return;
    finish();
  });

  fetch('/login/api/interaction?id=' + encodeURIComponent(id))
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then(userStep)
    .catch(() => { app.textContent = 'This login has expired. Start again from the application.'; });
})();
