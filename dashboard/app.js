// The Chroom dashboard: plain JavaScript over the node's public REST API and event stream
// (docs/API.md). Signing in trades an API key for a session cookie (HttpOnly: this script
// never sees it) and a CSRF token, kept in memory and sent on every state-changing request.
'use strict';

const state = { session: null, events: null, blocks: [], txs: [] };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') { e.textContent = v; } else if (k.startsWith('on')) {
      e.addEventListener(k.slice(2), v);
    } else { e.setAttribute(k, v); }
  }
  for (const k of kids) { e.append(k); }
  return e;
}

function say(text, bad) {
  const s = $('status');
  s.textContent = text || '';
  s.className = bad ? 'error' : '';
}

// One API call; the session cookie goes along (same origin). Throws {status, code, message}.
async function api(method, path, body, headers) {
  const h = Object.assign({}, headers || {});
  if (method !== 'GET' && method !== 'HEAD' && state.session) {
    h['X-CSRF-Token'] = state.session.csrf_token;
  }
  if (body !== undefined) { h['Content-Type'] = 'application/json'; }
  const resp = await fetch(path, { method, headers: h, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = (data && data.error) || {};
    throw { status: resp.status, code: err.code || 'error', message: err.message || resp.statusText };
  }
  return data;
}

const has = (scope) => state.session && state.session.scopes.includes(scope);
const units = (v) => { const n = BigInt(v); return (n / 1000000n) + '.' + String(n % 1000000n).padStart(6, '0'); };

function table(headers, rows) {
  const t = el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', text: h })))));
  const tb = el('tbody');
  for (const r of rows) { tb.append(el('tr', {}, ...r.map((c) => c instanceof Node ? el('td', {}, c) : el('td', { text: String(c) })))); }
  t.append(tb);
  return el('div', { class: 'table' }, t);
}
const link = (href, text) => el('a', { href, text, class: 'mono' });
const short = (h) => h.slice(0, 10) + '…';

// ---- Sign-in and the session. ----

async function signIn(ev) {
  ev.preventDefault();
  const key = $('signin-key').value.trim();
  try {
    state.session = await api('POST', '/api/v1/session', undefined, { Authorization: 'Bearer ' + key });
    sessionStorage.setItem('chroom-signed-in', '1');
    $('signin-key').value = '';
    say('');
    location.hash = '#/chain';
    route();
  } catch (e) { say('Sign-in refused: ' + e.message, true); }
}

async function signOut() {
  try { await api('DELETE', '/api/v1/session'); } catch (e) { /* ended or expired already */ }
  state.session = null;
  stopEvents();
  location.hash = '#/';
  route();
}

function showSignIn() {
  state.session = null;
  sessionStorage.removeItem('chroom-signed-in');
  stopEvents();
  $('nav').hidden = true;
  $('page').hidden = true;
  $('signin').hidden = false;
  $('signin-key').focus();
}

// ---- Pages. ----

function page(title, ...kids) {
  const p = $('page');
  p.replaceChildren(el('h1', { text: title }), ...kids);
  p.hidden = false;
  $('signin').hidden = true;
  $('nav').hidden = false;
  for (const a of document.querySelectorAll('#nav a')) {
    a.hidden = a.dataset.scope && !has(a.dataset.scope);
    if (location.hash.startsWith(a.getAttribute('href'))) { a.setAttribute('aria-current', 'page'); } else { a.removeAttribute('aria-current'); }
  }
}

function searchForm() {
  const input = el('input', { id: 'search', type: 'search', placeholder: 'chr1… address, transaction hash or height' });
  return el('form', { role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (/^[0-9]+$/.test(q)) { location.hash = '#/block/' + q; } else if (/^[0-9a-fA-F]{64}$/.test(q)) {
      location.hash = '#/tx/' + q.toLowerCase();
    } else if (/^chr1[02-9ac-hj-np-z]+$/.test(q)) { location.hash = '#/account/' + q; } else {
      say('Search takes an address (chr1…), a transaction hash (64 hex digits) or a height.', true);
    }
  } }, el('label', { for: 'search', text: 'Search' }), el('div', { class: 'row' }, input, el('button', { type: 'submit', text: 'Go' })));
}

function blockRows() {
  return state.blocks.map((b) => [link('#/block/' + b.height, b.height), b.time, String(b.tx_count), short(b.hash)]);
}
function txRows() {
  return state.txs.map((t) => [link('#/tx/' + t.hash, short(t.hash)), link('#/account/' + t.from, short(t.from)),
    link('#/account/' + t.to, short(t.to)), units(t.amount), t.height]);
}
function renderLive() {
  const b = $('blocks'); const t = $('txs');
  if (b) { b.replaceChildren(table(['Height', 'Time', 'Txs', 'Hash'], blockRows())); }
  if (t) { t.replaceChildren(table(['Hash', 'From', 'To', 'Amount (CHR)', 'Height'], txRows())); }
}

function stopEvents() { if (state.events) { state.events.close(); state.events = null; } }
function startEvents(from) {
  if (state.events) { return; }
  const es = new EventSource('/api/v1/events?from_height=' + from);
  es.addEventListener('block', (m) => {
    state.blocks.unshift(JSON.parse(m.data)); state.blocks.length = Math.min(state.blocks.length, 10);
    const h = $('height'); if (h) { h.textContent = state.blocks[0].height; }
    renderLive();
  });
  es.addEventListener('tx', (m) => {
    state.txs.unshift(JSON.parse(m.data)); state.txs.length = Math.min(state.txs.length, 10);
    renderLive();
  });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) { state.events = null; } };
  state.events = es;
}

async function chainPage() {
  const [st, list] = await Promise.all([api('GET', '/api/v1/status'), api('GET', '/api/v1/blocks?limit=10')]);
  state.blocks = list.blocks;
  page('Chain', searchForm(),
    el('h2', { text: 'Status' }),
    el('dl', {}, el('dt', { text: 'Chain' }), el('dd', { text: st.chain_id }),
      el('dt', { text: 'Height' }), el('dd', { id: 'height', text: st.latest_height }),
      el('dt', { text: 'Transactions' }), el('dd', { text: st.txs_total }),
      el('dt', { text: 'Mempool' }), el('dd', { text: String(st.mempool_txs) }),
      el('dt', { text: 'Healthy' }), el('dd', { text: st.healthy ? 'yes' : 'no' })),
    el('h2', { text: 'Latest blocks (live)' }), el('div', { id: 'blocks', 'aria-live': 'polite' }),
    el('h2', { text: 'Latest transactions (live)' }), el('div', { id: 'txs' }));
  renderLive();
  startEvents(String(BigInt(st.latest_height) + 1n));
}

async function blockPage(h) {
  const b = await api('GET', '/api/v1/blocks/' + encodeURIComponent(h));
  page('Block ' + b.height, searchForm(), el('dl', {}, ...[['Hash', b.hash], ['Time', b.time], ['Proposer', b.proposer],
    ['State root', b.state_root], ['Transactions', String(b.tx_count)]].flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { class: 'mono', text: v })])),
  el('h2', { text: 'Transactions' }), table(['Hash', 'From', 'To', 'Amount (CHR)'], b.txs.map((t) => [link('#/tx/' + t.hash, short(t.hash)),
    link('#/account/' + t.from, short(t.from)), link('#/account/' + t.to, short(t.to)), units(t.amount)])));
}

async function txPage(hash) {
  const t = await api('GET', '/api/v1/txs/' + encodeURIComponent(hash));
  const rows = [['Status', t.status], ['Height', t.height === null ? '—' : t.height]];
  if (t.tx) { rows.push(['From', t.tx.from], ['To', t.tx.to], ['Amount (CHR)', units(t.tx.amount)], ['Fee (CHR)', units(t.tx.fee)], ['Memo', t.tx.memo]); }
  page('Transaction', searchForm(), el('p', { class: 'mono', text: t.hash }),
    el('dl', {}, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })])));
}

async function accountPage(addr) {
  const [a, h] = await Promise.all([api('GET', '/api/v1/accounts/' + encodeURIComponent(addr)),
    api('GET', '/api/v1/accounts/' + encodeURIComponent(addr) + '/txs?limit=50')]);
  page('Account', searchForm(), el('p', { class: 'mono', text: a.address }),
    el('dl', {}, el('dt', { text: 'Balance (CHR)' }), el('dd', { id: 'balance', text: units(a.balance) }),
      el('dt', { text: 'Nonce' }), el('dd', { text: a.nonce })),
    el('h2', { text: 'History' }), table(['Height', 'Direction', 'Counterparty', 'Amount (CHR)', 'Hash'],
      h.txs.map((i) => [i.height, i.direction, link('#/account/' + (i.direction === 'sent' ? i.tx.to : i.tx.from), short(i.direction === 'sent' ? i.tx.to : i.tx.from)),
        units(i.tx.amount), link('#/tx/' + i.hash, short(i.hash))])));
}

// ---- API keys. ----

async function keysPage() {
  const list = await api('GET', '/api/v1/apikeys');
  const label = el('input', { id: 'key-label', type: 'text', maxlength: '64' });
  const tier = el('select', { id: 'key-tier' }, el('option', { value: 'standard', text: 'standard' }), el('option', { value: 'premium', text: 'premium' }));
  const boxes = ['read', 'submit', 'admin', 'meetings'].map((s) => el('label', {}, el('input', { type: 'checkbox', id: 'scope-' + s, value: s, ...(s === 'read' ? { checked: '' } : {}) }), ' ' + s));
  const shown = el('div', { id: 'new-key', 'aria-live': 'polite' });
  const form = el('form', { id: 'key-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const scopes = ['read', 'submit', 'admin', 'meetings'].filter((s) => $('scope-' + s).checked);
    try {
      const k = await api('POST', '/api/v1/apikeys', { label: label.value, tier: tier.value, scopes });
      await keysPage();
      $('new-key').replaceChildren(el('div', { class: 'secret' }, el('p', { text: 'New key ' + k.id + ': copy it now, it is shown only this once.' }),
        el('p', { class: 'mono', id: 'new-key-text', text: k.key })));
    } catch (e) { say('Cannot create the key: ' + e.message, true); }
  } }, el('label', { for: 'key-label', text: 'Name (label)' }), label,
  el('label', { for: 'key-tier', text: 'Tier' }), tier,
  el('fieldset', {}, el('legend', { text: 'Scopes' }), ...boxes), el('p', {}, el('button', { type: 'submit', text: 'Create key' })));
  const rows = list.keys.map((k) => [el('span', { class: 'mono', text: k.id }), k.label, k.tier, k.scopes.join(', '),
    k.revoked ? 'revoked' : 'active', k.last_used_at || 'never', String(k.requests),
    k.rate_limit ? k.rate_limit.remaining + ' / ' + k.rate_limit.limit + ' a minute' : 'no limit',
    k.revoked ? '' : el('button', { type: 'button', class: 'danger', 'data-revoke': k.id, 'aria-label': 'Revoke key ' + k.id, text: 'Revoke', onclick: async () => {
      try { await api('DELETE', '/api/v1/apikeys/' + k.id); await keysPage(); say('Key ' + k.id + ' revoked.'); } catch (e) { say('Cannot revoke: ' + e.message, true); }
    } })]);
  page('API keys', el('h2', { text: 'Create a key' }), form, shown, el('h2', { text: 'Keys' }),
    table(['Id', 'Name', 'Tier', 'Scopes', 'State', 'Last used', 'Requests', 'Rate limit left', ''], rows));
}

// ---- Usage. ----

function barChart(values, title) {
  const w = 600; const h = 120; const max = Math.max(1, ...values); const bw = w / values.length;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + (h + 14)); svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', title);
  values.forEach((v, i) => {
    const r = document.createElementNS(ns, 'rect'); const bh = Math.round(v / max * h);
    r.setAttribute('x', String(i * bw + 1)); r.setAttribute('y', String(h - bh));
    r.setAttribute('width', String(Math.max(1, bw - 2))); r.setAttribute('height', String(bh));
    const t = document.createElementNS(ns, 'title'); t.textContent = v + ' requests'; r.append(t);
    svg.append(r);
  });
  for (const [x, s] of [[0, '60 min ago'], [w - 30, 'now']]) {
    const t = document.createElementNS(ns, 'text'); t.setAttribute('x', String(x)); t.setAttribute('y', String(h + 12)); t.textContent = s; svg.append(t);
  }
  return svg;
}
const ms = (us) => us < 0 ? '> 10000 ms' : (us / 1000) + ' ms';

async function usagePage() {
  const u = await api('GET', '/api/v1/usage');
  const used = u.keys.filter((k) => k.requests > 0);
  page('Usage', el('p', { class: 'note', text: 'Since the node started; latency is the upper bound of the histogram bucket.' }),
    table(['Key', 'Name', 'Requests', '429s', 'Errors by status', 'p50', 'p90', 'p99', 'Last used'], u.keys.map((k) => [
      el('span', { class: 'mono', text: k.id }), k.label, String(k.requests), String(k.rate_limited),
      Object.entries(k.statuses).filter(([s]) => s >= '400').map(([s, n]) => s + ': ' + n).join(', ') || '—',
      ms(k.latency_us.p50), ms(k.latency_us.p90), ms(k.latency_us.p99), k.last_used_at || 'never'])),
    ...used.flatMap((k) => [el('h2', { text: 'Requests a minute: ' + (k.label || k.id) }), barChart(k.per_minute, 'Requests a minute over the last hour for key ' + k.id)]));
}

// ---- Router. ----

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  if (!state.session && !sessionStorage.getItem('chroom-signed-in')) { showSignIn(); return; }
  if (!state.session) {
    // A reload: the cookie may still hold a session; this script cannot see it (HttpOnly).
    try { state.session = await api('GET', '/api/v1/session'); } catch (e) { showSignIn(); return; }
  }
  if (parts[0] !== 'chain') { stopEvents(); }
  say('');
  try {
    if ((parts[0] === 'keys' || parts[0] === 'usage') && !has('admin')) {
      page('Not available');
      say('This page needs a key with the admin scope.', true);
      return;
    }
    if (parts[0] === 'keys') { await keysPage(); } else if (parts[0] === 'usage') { await usagePage(); } else if (parts[0] === 'block') {
      await blockPage(parts[1]);
    } else if (parts[0] === 'tx') { await txPage(parts[1]); } else if (parts[0] === 'account') { await accountPage(parts[1]); } else { await chainPage(); }
    $('main').focus();
  } catch (e) {
    if (e.status === 401) { showSignIn(); say('Your session ended: sign in again.', true); return; }
    page('Not available');
    say(e.status === 403 ? 'This page needs the admin scope.' : e.message, true);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  route();
});
