// The Chroom dashboard: plain JavaScript over the node's public REST API and event stream
// (docs/API.md). Signing in trades an API key for a session cookie (HttpOnly: this script
// never sees it) and a CSRF token, kept in memory and sent on every state-changing request.
'use strict';

const state = { session: null, events: null, blocks: [], txs: [], gen: 0 };
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
// A transaction's counterparty and amount: governance and meeting transactions have no `to`
// and some no `amount` (docs/API.md, "Transactions"), so either may be absent.
const party = (a) => a ? link('#/account/' + a, short(a)) : '—';
const amountOf = (t) => t.amount === undefined ? '—' : units(t.amount);
const kind = (t) => (t.type || 'transfer').replace(/_/g, ' ');

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
  // Forget the session before routing, or the router would ask the node for the ended one
  // (a 401 in the console).
  showSignIn();
  location.hash = '#/';
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
  return state.txs.map((t) => [link('#/tx/' + t.hash, short(t.hash)), kind(t), party(t.from), party(t.to), amountOf(t), t.height]);
}
function renderLive() {
  const b = $('blocks'); const t = $('txs');
  if (b) { b.replaceChildren(table(['Height', 'Time', 'Txs', 'Hash'], blockRows())); }
  if (t) { t.replaceChildren(table(['Hash', 'Type', 'From', 'To', 'Amount (CHR)', 'Height'], txRows())); }
}

// One event stream at a time: a page that follows the chain returns {query, handlers}, which
// the router opens unless the reader moved on meanwhile; every route closes it.
function stopEvents() { if (state.events) { state.events.close(); state.events = null; } }
function startEvents(query, handlers) {
  stopEvents();
  const es = new EventSource('/api/v1/events' + query);
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (m) => fn(JSON.parse(m.data)));
  }
  es.onerror = () => { if (es.readyState === EventSource.CLOSED && state.events === es) { state.events = null; } };
  state.events = es;
}
function chainBlock(b) {
  state.blocks.unshift(b); state.blocks.length = Math.min(state.blocks.length, 10);
  const h = $('height'); if (h) { h.textContent = state.blocks[0].height; }
  renderLive();
}
function chainTx(t) {
  state.txs.unshift(t); state.txs.length = Math.min(state.txs.length, 10);
  renderLive();
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
  return { query: '?from_height=' + (BigInt(st.latest_height) + 1n), handlers: { block: chainBlock, tx: chainTx } };
}

async function blockPage(h) {
  const b = await api('GET', '/api/v1/blocks/' + encodeURIComponent(h));
  page('Block ' + b.height, searchForm(), el('dl', {}, ...[['Hash', b.hash], ['Time', b.time], ['Proposer', b.proposer],
    ['State root', b.state_root], ['Transactions', String(b.tx_count)]].flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { class: 'mono', text: v })])),
  el('h2', { text: 'Transactions' }), table(['Hash', 'Type', 'From', 'To', 'Amount (CHR)'], b.txs.map((t) => [link('#/tx/' + t.hash, short(t.hash)),
    kind(t), party(t.from), party(t.to), amountOf(t)])));
}

async function txPage(hash) {
  const t = await api('GET', '/api/v1/txs/' + encodeURIComponent(hash));
  const rows = [['Status', t.status], ['Height', t.height === null ? '—' : t.height]];
  if (t.tx) {
    rows.push(['Type', kind(t.tx)], ['From', t.tx.from], ['To', t.tx.to || '—'], ['Amount (CHR)', amountOf(t.tx)], ['Fee (CHR)', units(t.tx.fee)],
      ['Memo', t.tx.memo]);
  }
  page('Transaction', searchForm(), el('p', { class: 'mono', text: t.hash }),
    el('dl', {}, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })])));
}

// An account: balance, a page of history (50, newest first; ?cursor= for older ones), its
// delegations with their pending rewards, its unbondings and, for a validator's operator, the
// commission not yet withdrawn. It follows the account's own transactions live.
const HISTORY_PAGE = 50;

async function renderAccount(addr, q) {
  const at = '/api/v1/accounts/' + encodeURIComponent(addr);
  const cursor = q.get('cursor');
  const [a, h, d, r, u] = await Promise.all([api('GET', at),
    api('GET', at + '/txs?limit=' + HISTORY_PAGE + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '')),
    listAll(at + '/delegations', 'delegations'), api('GET', at + '/rewards?limit=1'), listAll(at + '/unbondings', 'unbondings')]);
  if (!$('account')) { return; } // the reader moved on meanwhile
  const pending = d.items.reduce((t, x) => t + BigInt(x.pending_rewards), 0n);
  const more = [];
  if (cursor) { more.push(el('a', { href: '#/account/' + a.address, text: 'Newest' })); }
  if (h.next_cursor) {
    more.push(' ', el('a', { href: '#/account/' + a.address + '?cursor=' + encodeURIComponent(h.next_cursor), text: 'Older transactions' }));
  }
  $('account').replaceChildren(el('p', { class: 'mono', text: a.address }),
    facts([['Balance (CHR)', units(a.balance)], ['Nonce', a.nonce], ['Delegated (CHR)', units(d.items.reduce((t, x) => t + BigInt(x.amount), 0n))],
      ['Pending rewards (CHR)', units(pending) + (d.complete ? '' : ' (of the first ' + d.items.length + ' delegations)')],
      ...(r.commission === null ? [] : [['Validator commission not withdrawn (CHR)', units(r.commission)]])], { id: 'account-facts' }),
    el('h2', { text: 'Delegations (' + d.items.length + ')' }),
    d.items.length === 0 ? el('p', { text: 'No delegations.' }) : el('div', { id: 'delegations' },
      table(['Validator', 'Amount (CHR)', 'Shares', 'Pending rewards (CHR)'], d.items.map((x) => [party(x.validator), units(x.amount), x.shares,
        units(x.pending_rewards)]))), ...partial(d),
    ...(u.items.length === 0 ? [] : [el('h2', { text: 'Unbonding (' + u.items.length + ')' }),
      table(['Validator', 'Amount (CHR)', 'Completes'], u.items.map((x) => [party(x.validator), units(x.amount), x.completion_time])), ...partial(u)]),
    el('h2', { text: 'History' + (cursor ? ' (older)' : '') }),
    h.txs.length === 0 ? el('p', { text: 'No transactions.' }) : el('div', { id: 'history' },
      table(['Height', 'Type', 'Direction', 'Counterparty', 'Amount (CHR)', 'Hash'], h.txs.map((i) => [i.height, kind(i.tx), i.direction,
        party(i.direction === 'sent' ? i.tx.to : i.tx.from), amountOf(i.tx), link('#/tx/' + i.hash, short(i.hash))]))),
    el('p', {}, ...more));
}

async function accountPage(addr, q) {
  page('Account', searchForm(), el('div', { id: 'account', 'aria-live': 'polite' }));
  await renderAccount(addr, q);
  // Five requests a refresh, and at least two more for each further page of a long list.
  return { query: '?account=' + encodeURIComponent(addr), handlers: { tx: coalesced(() => renderAccount(addr, q), 5) } };
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
  // A sponsor is bound on the node's machine only (chroomd apikey create --sponsor-key-file);
  // a limit of 0 is --spend-limit unlimited.
  const sponsor = (b) => b ? el('span', {}, party(b.address), el('br'),
    b.spend_limit_per_day === '0' ? 'no spend limit' : units(b.spend_limit_per_day) + ' CHR a day') : '—';
  const rows = list.keys.map((k) => [el('span', { class: 'mono', text: k.id }), k.label, k.tier, k.scopes.join(', '), sponsor(k.sponsor),
    k.revoked ? 'revoked' : 'active', k.last_used_at || 'never', String(k.requests),
    k.rate_limit ? k.rate_limit.remaining + ' / ' + k.rate_limit.limit + ' a minute' : 'no limit',
    k.revoked ? '' : el('button', { type: 'button', class: 'danger', 'data-revoke': k.id, 'aria-label': 'Revoke key ' + k.id, text: 'Revoke', onclick: async () => {
      try { await api('DELETE', '/api/v1/apikeys/' + k.id); await keysPage(); say('Key ' + k.id + ' revoked.'); } catch (e) { say('Cannot revoke: ' + e.message, true); }
    } })]);
  page('API keys', el('h2', { text: 'Create a key' }), form, shown, el('h2', { text: 'Keys' }),
    table(['Id', 'Name', 'Tier', 'Scopes', 'Sponsor (spend limit)', 'State', 'Last used', 'Requests', 'Rate limit left', ''], rows));
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

// ---- Helpers of the network pages. ----

// Lists are read page by page (100 a page, docs/API.md "Lists") up to this many pages, so a
// huge set never holds the browser; the page says when it stopped short.
const LIST_PAGES_MAX = 10;
// Voting proposals whose live tally the governance list fetches (one request each).
const LIVE_TALLIES_MAX = 20;

async function listAll(path, field) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < LIST_PAGES_MAX; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + sep + 'limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page[field]);
    cursor = page.next_cursor;
    if (!cursor) { return { items, complete: true }; }
  }
  return { items, complete: false };
}
const partial = (l) => l.complete ? [] : [el('p', { class: 'note', text: 'Only the first ' + l.items.length + ' are shown.' })];

function facts(rows, attrs) {
  return el('dl', attrs || {}, ...rows.flatMap(([k, v]) => [el('dt', { text: k }),
    v instanceof Node ? el('dd', {}, v) : el('dd', { text: String(v === null || v === undefined ? '—' : v) })]));
}
const yesNo = (b) => b ? 'yes' : 'no';
const pct = (ppm) => (ppm / 10000).toFixed(2) + '%';
// share / whole as a percentage with two decimals, in integers (amounts exceed 2^53).
function share(part, whole) {
  const p = BigInt(part); const w = BigInt(whole);
  if (w === 0n) { return '—'; }
  const bp = p * 10000n / w;
  return (bp / 100n) + '.' + String(bp % 100n).padStart(2, '0') + '%';
}
const badge = (s) => el('span', { class: 'badge badge-' + s, text: s.replace(/_/g, ' ') });
function selectOf(id, values, chosen) {
  return el('select', { id }, ...values.map(([v, t]) => el('option', { value: v, text: t, ...(v === chosen ? { selected: '' } : {}) })));
}

// Live refreshes spend at most one request every this many ms, 30 a minute: a standard key
// has 100 (docs/API.md, "Rate limits"), and the reader still navigates.
const LIVE_GAP_MS_PER_REQUEST = 2000;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// fn (which makes `requests` requests) for each event, never two at once and with a gap
// after each: a burst of blocks gives one refresh in flight and at most one after it.
function coalesced(fn, requests) {
  let busy = false; let again = false;
  return async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do { again = false; await fn(); await sleep(requests * LIVE_GAP_MS_PER_REQUEST); } while (again);
    } catch (e) { say('Refresh failed: ' + e.message, true); } finally { busy = false; }
  };
}

// ---- Validators. ----

// Uptime as 1 - missed / counted: the commits the validator missed in its current signing
// window against the commits that window has counted so far (docs/API.md, "Staking").
// Commits are counted only while the validator is in the set: one whose window has counted
// none (an unbonded one, never in it) has no uptime.
function uptime(v) {
  const counted = v.window_counted;
  if (!(counted > 0)) { return '—'; }
  const missed = Math.min(v.missed_blocks, counted);
  return share(counted - missed, counted) + ' (' + missed + ' of ' + counted + ' missed)';
}

function validatorRows(vals) {
  return vals.map((v) => [el('span', {}, el('span', { text: v.moniker || '(no name)' }), el('br'), link('#/account/' + v.operator, short(v.operator))),
    badge(v.status), units(v.stake), v.power, uptime(v), pct(v.commission.rate_ppm),
    v.jailed ? 'yes' + (v.jailed_until ? ', until ' + v.jailed_until : '') : 'no', yesNo(v.tombstoned)]);
}

async function renderValidators() {
  const l = await listAll('/api/v1/staking/validators', 'validators');
  const vals = l.items.slice().sort((a, b) => { const d = BigInt(b.stake) - BigInt(a.stake); return d > 0n ? 1 : d < 0n ? -1 : 0; });
  const bonded = vals.filter((v) => v.status === 'bonded');
  const stake = bonded.reduce((t, v) => t + BigInt(v.stake), 0n);
  if (!$('validators')) { return; } // the reader moved on meanwhile
  $('validators').replaceChildren(facts([['Validators', vals.length], ['Bonded (in the set)', bonded.length], ['Bonded stake (CHR)', units(stake)]]),
    table(['Validator', 'Status', 'Stake (CHR)', 'Power', 'Uptime (window)', 'Commission', 'Jailed', 'Tombstoned'], validatorRows(vals)), ...partial(l));
}

async function validatorsPage() {
  page('Validators', el('p', { class: 'note', text: 'Every validator by stake; the table follows set changes live. Uptime is ' +
    '1 \u2212 missed / window: the commits a validator missed in its current signing window (counted while it is in the set) ' +
    'against the window\u2019s length.' }),
    el('div', { id: 'validators', 'aria-live': 'polite' }));
  await renderValidators();
  return { query: '', handlers: { validator_set: coalesced(renderValidators, 1) } };
}

// ---- Governance. ----

const GOV_STATUSES = ['voting_period', 'deposit_period', 'passed', 'rejected', 'vetoed', 'failed', 'dropped'];
const OPTIONS = ['yes', 'no', 'abstain', 'veto'];

const castOf = (t) => OPTIONS.reduce((s, o) => s + BigInt(t[o]), 0n);
function tallyText(t) {
  const cast = castOf(t);
  return OPTIONS.map((o) => o + ' ' + units(t[o]) + ' (' + share(t[o], cast) + ')').join('\n');
}
function tallyTable(t) {
  const cast = castOf(t);
  const rows = OPTIONS.map((o) => [o, units(t[o]), share(t[o], cast)]);
  if (t.bonded !== undefined) { rows.push(['turnout', units(cast) + ' of ' + units(t.bonded) + ' bonded', share(cast, t.bonded)]); }
  return table(['Option', 'Stake (CHR)', 'Share'], rows);
}

async function refreshTallies(ids) {
  const got = await Promise.all(ids.map((id) => api('GET', '/api/v1/gov/proposals/' + id)));
  for (const d of got) {
    const cell = $('tally-' + d.proposal.id);
    if (cell && d.tally) { cell.textContent = tallyText(d.tally); }
  }
}

function proposalRows(ps) {
  return ps.map((p) => [p.id, el('a', { href: '#/gov/' + p.id, text: p.title }), p.kind, units(p.total_deposit),
    p.status === 'voting_period' ? p.voting_end_time : p.status === 'deposit_period' ? p.deposit_end_time : '—',
    el('span', { id: 'tally-' + p.id, class: 'tally', text: p.final_tally ? tallyText(p.final_tally) : '—' })]);
}

async function govPage() {
  const l = await listAll('/api/v1/gov/proposals', 'proposals');
  const groups = GOV_STATUSES.map((s) => [s, l.items.filter((p) => p.status === s)]).filter(([, ps]) => ps.length > 0);
  page('Governance', el('p', { class: 'note', text: 'Proposals by status; tallies of open votes follow the chain live.' }), ...partial(l),
    ...(groups.length === 0 ? [el('p', { text: 'No proposals yet.' })] : []),
    ...groups.flatMap(([s, ps]) => [el('h2', { text: s.replace(/_/g, ' ') + ' (' + ps.length + ')' }),
      table(['Id', 'Title', 'Kind', 'Deposit (CHR)', 'Period ends', 'Tally (CHR)'], proposalRows(ps))]));
  const open = l.items.filter((p) => p.status === 'voting_period').slice(0, LIVE_TALLIES_MAX).map((p) => p.id);
  if (open.length > 0) {
    await refreshTallies(open);
    return { query: '', handlers: { block: coalesced(() => refreshTallies(open), open.length) } };
  }
}

function contentFacts(p) {
  const c = p.content || {};
  if (c.changes) { return c.changes.map((x) => ['Change ' + x.name, x.value]); }
  if (c.recipient) { return [['Recipient', link('#/account/' + c.recipient, c.recipient)], ['Amount (CHR)', units(c.amount)]]; }
  if (c.name) { return [['Upgrade', c.name], ['At height', c.height]]; }
  return [];
}

async function renderProposal(id) {
  const [d, v] = await Promise.all([api('GET', '/api/v1/gov/proposals/' + id),
    listAll('/api/v1/gov/proposals/' + id + '/votes', 'votes')]);
  const p = d.proposal;
  const t = d.tally || p.final_tally;
  if (!$('proposal')) { return p; } // the reader moved on meanwhile
  $('proposal').replaceChildren(facts([['Status', badge(p.status)], ['Kind', p.kind], ['Expedited', yesNo(p.expedited)],
    ['Proposer', link('#/account/' + p.proposer, p.proposer)], ['Submitted', p.submit_time + ' (height ' + p.submit_height + ')'],
    ['Deposit ends', p.deposit_end_time], ['Voting starts', p.voting_start_time], ['Voting ends', p.voting_end_time],
    ['Total deposit (CHR)', units(p.total_deposit)], ['Execution error', p.execution_error], ...contentFacts(p)]),
  el('h2', { text: d.tally ? 'Tally so far (live)' : 'Final tally' }),
  t ? el('div', { id: 'tally' }, tallyTable(t)) : el('p', { id: 'tally', text: 'The vote has not started.' }),
  el('h2', { text: 'Deposits (' + d.deposits.length + ')' }),
  table(['Depositor', 'Amount (CHR)'], d.deposits.map((x) => [link('#/account/' + x.depositor, x.depositor), units(x.amount)])),
  el('h2', { text: 'Votes (' + v.items.length + ')' }),
  table(['Voter', 'Option'], v.items.map((x) => [link('#/account/' + x.voter, x.voter), x.option])), ...partial(v));
  return p;
}

async function proposalPage(id) {
  if (!/^[1-9][0-9]{0,19}$/.test(id || '')) { throw { status: 400, message: 'A proposal id is a number from 1.' }; }
  page('Proposal #' + id, el('p', {}, link('#/gov', 'All proposals')), el('div', { id: 'proposal', 'aria-live': 'polite' }));
  const p = await renderProposal(id);
  $('page').querySelector('h1').textContent = 'Proposal #' + id + ': ' + p.title;
  const open = p.status === 'voting_period' || p.status === 'deposit_period';
  return open ? { query: '', handlers: { block: coalesced(() => renderProposal(id), 2) } } : null;
}

// ---- Meetings. ----

const MEETING_STATUSES = ['created', 'ended', 'cancelled', 'expired'];

function meetingsForm(q) {
  const by = q.has('host') ? 'host' : 'payer';
  return el('form', { id: 'meetings-form', onsubmit: (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    n.set($('meetings-by').value, $('meetings-who').value.trim());
    if ($('meetings-status').value) { n.set('status', $('meetings-status').value); }
    location.hash = '#/meetings?' + n.toString();
  } }, el('div', { class: 'row' },
    el('div', {}, el('label', { for: 'meetings-by', text: 'By' }), selectOf('meetings-by', [['payer', 'payer (address)'], ['host', 'host (ID)']], by)),
    el('div', { class: 'grow' }, el('label', { for: 'meetings-who', text: 'Payer address or host ID' }),
      el('input', { id: 'meetings-who', type: 'text', required: '', maxlength: '128', value: q.get(by) || '' })),
    el('div', {}, el('label', { for: 'meetings-status', text: 'Status' }),
      selectOf('meetings-status', [['', 'any'], ...MEETING_STATUSES.map((s) => [s, s])], q.get('status') || '')),
    el('button', { type: 'submit', text: 'Show' })));
}

function meetingRows(ms, pays) {
  return ms.map((m, i) => [link('#/meetings/' + m.meeting_id, m.meeting_id), m.title, m.host, badge(m.status), m.start_time,
    String(m.duration), units(m.escrow), units(pays[i].paid), units(pays[i].refunded), units(pays[i].held),
    link('#/media-nodes/' + m.media_node, short(m.media_node))]);
}

async function meetingsPage(q) {
  const by = q.has('host') ? 'host' : q.has('payer') ? 'payer' : null;
  const kids = [meetingsForm(q)];
  if (by) {
    const path = '/api/v1/meetings?' + by + '=' + encodeURIComponent(q.get(by)) + (q.get('status') ? '&status=' + encodeURIComponent(q.get('status')) : '') +
      '&limit=20' + (q.get('cursor') ? '&cursor=' + encodeURIComponent(q.get('cursor')) : '');
    const l = await api('GET', path);
    const pays = await Promise.all(l.meetings.map((m) => api('GET', '/api/v1/meetings/' + m.meeting_id + '/payments')));
    kids.push(el('h2', { text: 'Meetings of ' + by + ' ' + q.get(by) }),
      l.meetings.length ? table(['Meeting', 'Title', 'Host', 'Status', 'Start', 'Minutes', 'Escrow (CHR)', 'Paid', 'Refunded', 'Held', 'Media node'],
        meetingRows(l.meetings, pays)) : el('p', { text: 'No meetings.' }));
    if (l.next_cursor) {
      const n = new URLSearchParams(q); n.set('cursor', l.next_cursor);
      kids.push(el('p', {}, el('a', { href: '#/meetings?' + n.toString(), text: 'Next page' })));
    }
  }
  page('Meetings', ...kids);
}

async function meetingPage(id) {
  if (!/^[0-9a-f]{24}$/.test(id)) { throw { status: 400, message: 'A meeting id is 24 hex digits.' }; }
  const [m, p, qos] = await Promise.all([api('GET', '/api/v1/meetings/' + id), api('GET', '/api/v1/meetings/' + id + '/payments'),
    api('GET', '/api/v1/analytics/meetings/' + id).catch(unread)]);
  page('Meeting ' + m.title, el('p', { class: 'mono', text: m.meeting_id }),
    facts([['Status', badge(m.status)], ['Host', m.host], ['Participants', m.participants.join(', ')], ['Minutes', m.duration],
      ['Region', m.region], ['Start', m.start_time], ['End', m.end_time], ['Closed', m.closed_time],
      ['Payer', link('#/account/' + m.payer, m.payer)], ['Media node', link('#/media-nodes/' + m.media_node, m.media_node)],
      ['Price (units a participant-minute)', m.price_per_participant_minute], ['Created at height', m.created_height],
      ['Transaction', link('#/tx/' + m.tx_hash, m.tx_hash)]]),
    el('h2', { text: 'Escrow and payments' }),
    facts([['Escrowed (CHR)', units(p.escrowed)], ['Paid to the media node', units(p.paid)], ['Protocol share', units(p.protocol_share)],
      ['Refunded to the payer', units(p.refunded)], ['Held', units(p.held)], ['Closed', yesNo(p.closed)],
      ['Claims until', p.claims_until], ['Due', p.due_time]], { id: 'payments' }),
    el('h2', { text: 'Claims (' + p.claims.length + ')' }),
    table(['Person', 'Index', 'Minutes paid', 'Minutes pending'], p.claims.map((c) => [c.person, String(c.index), String(c.final_minutes), String(c.pending_minutes)])),
    meetingQos(qos));
}

// An analytics answer that failed (the store full or damaged, a 429): its section says so
// and the rest of the page still shows.
const unread = (e) => ({ unread: e.message || 'unknown error' });
const unreadNote = (x) => el('p', { class: 'error', text: 'The analytics cannot be read now: ' + x.unread });
// A section headed by title (its h2 labels it).
const titled = (id, title, ...kids) => el('section', { id, 'aria-labelledby': id + '-h' }, el('h2', { id: id + '-h', text: title }), ...kids);

// A meeting's quality of service as each media node that carried it reported it.
function meetingQos(q) {
  const mm = (f, x) => shown(f, x.mean) + ' / ' + shown(f, x.max);
  if (q.unread) { return titled('meeting-qos', 'Quality of service', unreadNote(q)); }
  return titled('meeting-qos', 'Quality of service',
    facts([['Minutes carried (claimed in settlement)', q.minutes_carried]]),
    q.nodes.length === 0 ? el('p', { class: 'note', text: 'No media node has reported on this meeting yet.' })
      : table(['Media node', 'First heartbeat', 'Last heartbeat', 'Heartbeats', 'Most participants', 'Participant-minutes', 'Received', 'Sent',
        'Packet loss (mean / max)', 'Jitter (mean / max)', 'RTT (mean / max)'], q.nodes.map((x) => [link('#/media-nodes/' + x.node_id, short(x.node_id)),
        utc(x.first_heartbeat), utc(x.last_heartbeat), String(x.heartbeats), String(x.participants_max), x.participant_minutes, bytes(x.bytes_in),
        bytes(x.bytes_out), mm('loss_bp', x.loss_bp), mm('jitter_ms', x.jitter_ms), mm('rtt_ms', x.rtt_ms)])));
}

// ---- Media nodes. ----

// Health and QoS charts from /api/v1/analytics/* (docs/API.md, "Analytics"), drawn as
// hand-written SVG: a few polylines and circles over the series' buckets are less code than
// any charting library, need no vendored file or licence, and keep the CSP strict (every
// colour and dash is a class in style.css, never a style attribute).
const SVG_NS = 'http://www.w3.org/2000/svg';
function svgEl(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') { e.textContent = v; } else { e.setAttribute(k, String(v)); }
  }
  for (const k of kids) { e.append(k); }
  return e;
}

// The node's windows: their span and the bucket its series is made of (docs/ANALYTICS.md).
const HOUR_MS = 3600000;
const WINDOWS = {
  '1h': { label: '1 h', span_ms: HOUR_MS, bucket_ms: 60000 },
  '24h': { label: '24 h', span_ms: 24 * HOUR_MS, bucket_ms: HOUR_MS },
  '7d': { label: '7 d', span_ms: 168 * HOUR_MS, bucket_ms: HOUR_MS },
};
// The figures as the API gives them: [field, name, divisor to the unit shown, unit].
const FIGURES = [['load_permille', 'Load', 10, '%'], ['cpu_permille', 'CPU', 10, '%'], ['participants', 'Participants', 1, ''],
  ['kbps_in', 'Bandwidth in', 1, 'kbit/s'], ['kbps_out', 'Bandwidth out', 1, 'kbit/s'], ['loss_bp', 'Packet loss', 100, '%'],
  ['jitter_ms', 'Jitter', 1, 'ms'], ['rtt_ms', 'RTT', 1, 'ms']];
const FIGURE = Object.fromEntries([...FIGURES, ['heartbeats', 'Heartbeats', 1, '']].map(([f, name, div, unit]) => [f, { name, div, unit }]));
// A window's series has at most 168 buckets (openapi.yaml): a longer answer is cut to its
// newest, never drawn whole.
const SERIES_MAX = 168;
// One chart per entry: its id, title and the figures it draws (at most two, told apart by
// dash and marker as well as colour).
const CHARTS = [['load', 'Load and CPU', ['load_permille', 'cpu_permille']], ['loss', 'Packet loss', ['loss_bp']],
  ['jitter', 'Jitter', ['jitter_ms']], ['rtt', 'Round-trip time (RTT)', ['rtt_ms']],
  ['bandwidth', 'Bandwidth', ['kbps_in', 'kbps_out']], ['participants', 'Participants', ['participants']],
  ['heartbeats', 'Heartbeats (how often the node reported)', ['heartbeats']]];

const shown = (field, v) => {
  const f = FIGURE[field];
  const s = f.div === 1 ? String(v) : (v / f.div).toFixed(f.div === 10 ? 1 : 2);
  return f.unit === '%' ? s + '%' : f.unit ? s + ' ' + f.unit : s;
};
const utc = (t) => t ? t.slice(0, 16).replace('T', ' ') + ' UTC' : '—';
function bytes(v) {
  let n = Number(v); let i = 0;
  const names = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  while (n >= 1000 && i < names.length - 1) { n /= 1000; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + names[i];
}
// The smallest 1, 2 or 5 times a power of ten at or above v: the chart's top line.
function niceTop(v) {
  if (!(v > 0)) { return 1; }
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 5, 10].map((m) => m * p).find((t) => t >= v);
}

// A line chart of series (buckets, oldest first) over window win ending at end_ms: one
// polyline per run of adjacent buckets and a circle (with its value as a tooltip) per bucket.
function lineChart(series, fields, win, end_ms, label) {
  const W = 360; const H = 150; const L = 44; const R = 8; const T = 8; const B = 20;
  const pw = W - L - R; const ph = H - T - B;
  const from = end_ms - win.span_ms;
  const top = niceTop(Math.max(...fields.flatMap((f) => series.map((b) => b[f] / FIGURE[f].div))));
  const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart line-chart', role: 'img', 'aria-label': label });
  for (const frac of [0, 0.5, 1]) {
    const y = T + ph - frac * ph;
    svg.append(svgEl('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }),
      svgEl('text', { x: L - 4, y: y + 4, 'text-anchor': 'end', text: String(+(top * frac).toPrecision(3)) }));
  }
  svg.append(svgEl('text', { x: L, y: H - 4, text: '−' + win.label }), svgEl('text', { x: W - R, y: H - 4, 'text-anchor': 'end', text: 'now' }));
  fields.forEach((f, k) => {
    let run = [];
    let last = null;
    const flush = () => { if (run.length > 1) { svg.append(svgEl('polyline', { points: run.join(' '), class: 'line s' + k })); } run = []; };
    for (const b of series) {
      const at = Date.parse(b.start);
      if (last !== null && at - last > win.bucket_ms) { flush(); }
      last = at;
      // A bucket is drawn at its middle; a browser clock behind the node's keeps it inside.
      const x = L + Math.min(Math.max(at + win.bucket_ms / 2 - from, 0), win.span_ms) / win.span_ms * pw;
      const y = T + ph - Math.min(b[f] / FIGURE[f].div / top, 1) * ph;
      run.push(x.toFixed(1) + ',' + y.toFixed(1));
      svg.append(svgEl('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, class: 'pt s' + k },
        svgEl('title', { text: utc(b.start) + ': ' + FIGURE[f].name + ' ' + shown(f, b[f]) })));
    }
    flush();
  });
  return svg;
}

function chartFigure(id, title, fields, series, win, end_ms) {
  const vals = (f) => series.map((b) => b[f]);
  const about = fields.map((f) => FIGURE[f].name + ' from ' + shown(f, Math.min(...vals(f))) + ' to ' + shown(f, Math.max(...vals(f)))).join('; ');
  const label = title + ' over the last ' + win.label + ', ' + series.length + (series.length === 1 ? ' point: ' : ' points: ') + about + '.';
  const legend = fields.length > 1 ? ' (' + fields.map((f, k) => FIGURE[f].name + (k ? ' dashed' : ' solid')).join(', ') + ')' : '';
  return el('figure', { class: 'chart-box', id: 'chart-' + id },
    el('figcaption', { text: title + legend }),
    lineChart(series, fields, win, end_ms, label),
    el('details', {}, el('summary', { text: title + ' as a table' }),
      table(['Bucket (from)', ...fields.map((f) => FIGURE[f].name)], series.map((b) => [utc(b.start), ...fields.map((f) => shown(f, b[f]))]))));
}

function percentileTable(a) {
  return table(['Figure', 'Mean', 'p50', 'p95', 'p99', 'Max'], FIGURES.filter(([f]) => a.percentiles[f]).map(([f, name]) => {
    const p = a.percentiles[f];
    return [name, shown(f, a[f]), shown(f, p.p50), shown(f, p.p95), shown(f, p.p99), shown(f, p.max)];
  }));
}

function windowFigures(a, w) {
  const win = WINDOWS[w];
  const series = (a.series || []).slice(-SERIES_MAX).filter((b) => Number.isFinite(Date.parse(b.start)));
  // The x axis ends now by this browser's clock, or at the last bucket if that is later.
  const end_ms = Math.max(Date.now(), ...series.map((b) => Date.parse(b.start) + win.bucket_ms));
  return [facts([['Window', 'the last ' + win.label + ' (' + (w === '1h' ? 'one-minute' : 'one-hour') + ' buckets)'],
    ['Heartbeats', a.heartbeats], ['Participant-minutes', a.participant_minutes], ['Received', bytes(a.bytes_in)], ['Sent', bytes(a.bytes_out)]]),
  ...(series.length === 0 ? [el('p', { class: 'note', text: 'No heartbeats in this window.' })] : [
    el('h3', { text: 'Percentiles of the buckets\u2019 means' }), percentileTable(a),
    el('div', { class: 'charts' }, ...CHARTS.map(([id, title, fields]) => chartFigure(id, title, fields, series, win, end_ms)))])];
}

function currentFacts(n) {
  const c = n.current;
  return facts([['Health', badge(n.health)], ['Last heartbeat', utc(n.last_heartbeat)],
    ...(c ? [...FIGURES.map(([f, name]) => [name, shown(f, c[f])]), ['Meetings', c.meetings]] : [])], { id: 'node-health' });
}

// The node's analytics: its health now, and a window (1 h, 24 h, 7 d) of figures and
// charts. The window buttons reload only the figures, so keyboard focus stays on them; the
// address keeps the window (?window=) for a reload or a link.
function nodeAnalytics(n, w) {
  const box = el('div', { id: 'window-figures', 'aria-live': 'polite' }, ...windowFigures(n.analytics, w));
  let asked = 0;
  const buttons = Object.entries(WINDOWS).map(([k, v]) => el('button', { type: 'button', class: 'window', 'data-window': k,
    'aria-pressed': String(k === w), text: v.label, onclick: async () => {
      const mine = ++asked;
      try {
        const a = await api('GET', '/api/v1/analytics/nodes/' + n.id + '?window=' + k);
        if (mine !== asked || !box.isConnected) { return; } // a later click, or another page
        for (const b of buttons) { b.setAttribute('aria-pressed', String(b.dataset.window === k)); }
        box.replaceChildren(...windowFigures(a.analytics, k));
        history.replaceState(null, '', '#/media-nodes/' + n.id + '?window=' + k);
      } catch (e) { if (box.isConnected) { say('Cannot read the ' + v.label + ' window: ' + e.message, true); } }
    } }));
  return titled('media-analytics', 'Health and quality of service', currentFacts(n),
    el('div', { class: 'row windows', role: 'group', 'aria-label': 'Window' }, ...buttons), box);
}

function networkSummary(net) {
  const title = 'The network over 1 h, 24 h and 7 d';
  if (net.unread) { return titled('media-analytics', title, unreadNote(net)); }
  const rows = Object.keys(WINDOWS).map((w) => {
    const x = net.windows[w];
    return [WINDOWS[w].label, String(x.heartbeats), String(x.meetings) + (x.meetings_partial ? '+' : ''), x.participant_minutes,
      bytes(x.bytes_in), bytes(x.bytes_out), shown('loss_bp', x.loss_bp), shown('jitter_ms', x.jitter_ms), shown('rtt_ms', x.rtt_ms),
      x.percentiles.rtt_ms ? shown('rtt_ms', x.percentiles.rtt_ms.p95) : '—', units(x.earnings)];
  });
  return titled('media-analytics', title,
    el('p', { class: 'note', text: 'From the heartbeats this node was sent (means over the window; earnings are what settlement paid operators).' }),
    el('div', { id: 'network-summary' }, table(['Window', 'Heartbeats', 'Meetings', 'Participant-minutes', 'Received', 'Sent',
      'Mean loss', 'Mean jitter', 'Mean RTT', 'p95 RTT', 'Earnings (CHR)'], rows)));
}

function mediaForm(q) {
  return el('form', { id: 'media-form', onsubmit: (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    if ($('media-region').value.trim()) { n.set('region', $('media-region').value.trim()); }
    if ($('media-status').value) { n.set('status', $('media-status').value); }
    location.hash = '#/media-nodes?' + n.toString();
  } }, el('div', { class: 'row' },
    el('div', { class: 'grow' }, el('label', { for: 'media-region', text: 'Region' }),
      el('input', { id: 'media-region', type: 'text', maxlength: '64', value: q.get('region') || '' })),
    el('div', {}, el('label', { for: 'media-status', text: 'Status' }),
      selectOf('media-status', [['', 'any'], ['active', 'active'], ['unbonding', 'unbonding']], q.get('status') || '')),
    el('button', { type: 'submit', text: 'Show' })));
}

async function mediaNodesPage(q) {
  const f = new URLSearchParams();
  for (const k of ['region', 'status']) { if (q.get(k)) { f.set(k, q.get(k)); } }
  const [l, net] = await Promise.all([listAll('/api/v1/analytics/nodes' + (f.toString() ? '?' + f.toString() : ''), 'nodes'),
    api('GET', '/api/v1/analytics/network').catch(unread)]);
  const regions = [...new Set(l.items.map((m) => m.region))].sort();
  const now = (m, field) => m.current ? shown(field, m.current[field]) : '—';
  page('Media nodes', mediaForm(q), ...partial(l), ...(regions.length === 0 ? [el('p', { text: 'No media nodes.' })] : []),
    ...regions.flatMap((r) => {
      const ms = l.items.filter((m) => m.region === r);
      return [el('h2', { text: 'Region ' + r + ' (' + ms.length + ')' }),
        table(['Node', 'Status', 'Health', 'Load', 'Packet loss', 'RTT', 'Capacity (seats)', 'Stake (CHR)', 'Endpoint', 'Operator'], ms.map((m) => [
          link('#/media-nodes/' + m.id, short(m.id)), badge(m.status), badge(m.health), now(m, 'load_permille'), now(m, 'loss_bp'),
          now(m, 'rtt_ms'), String(m.capacity), units(m.bond), m.endpoint, link('#/account/' + m.operator, short(m.operator))]))];
    }), networkSummary(net));
}

async function mediaNodePage(id, q) {
  if (!/^[0-9a-f]{64}$/.test(id)) { throw { status: 400, message: 'A media node id is 64 hex digits.' }; }
  const w = q.get('window') || '1h';
  if (!Object.hasOwn(WINDOWS, w)) { throw { status: 400, message: 'A window is 1h, 24h or 7d.' }; }
  const n = await api('GET', '/api/v1/analytics/nodes/' + id + '?window=' + w);
  page('Media node', el('p', { class: 'mono', text: n.id }),
    facts([['Status', badge(n.status)], ['Region', n.region], ['Capacity (seats)', n.capacity], ['Stake (CHR)', units(n.bond)],
      ['Endpoint', n.endpoint], ['Operator', link('#/account/' + n.operator, n.operator)], ['Metadata', n.metadata],
      ['Registered at height', n.registered_height], ['Unbonds after', n.unbond_after]]),
    nodeAnalytics(n, w));
}

// ---- Router. ----

// Pages by the hash's first part: #/NAME/ARG?QUERY.
const PAGES = {
  keys: () => keysPage(), usage: () => usagePage(), block: (a) => blockPage(a), tx: (a) => txPage(a),
  account: (a, q) => accountPage(a, q), validators: () => validatorsPage(),
  gov: (a) => a ? proposalPage(a) : govPage(),
  meetings: (a, q) => a ? meetingPage(a) : meetingsPage(q),
  'media-nodes': (a, q) => a ? mediaNodePage(a, q) : mediaNodesPage(q),
};

async function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/');
  if (!state.session && !sessionStorage.getItem('chroom-signed-in')) { showSignIn(); return; }
  if (!state.session) {
    // A reload: the cookie may still hold a session; this script cannot see it (HttpOnly).
    try { state.session = await api('GET', '/api/v1/session'); } catch (e) { showSignIn(); return; }
  }
  stopEvents();
  say('');
  const gen = ++state.gen;
  try {
    if ((parts[0] === 'keys' || parts[0] === 'usage') && !has('admin')) {
      page('Not available');
      say('This page needs a key with the admin scope.', true);
      return;
    }
    const show = Object.hasOwn(PAGES, parts[0]) ? PAGES[parts[0]] : chainPage;
    const live = await show(parts[1] ? decodeURIComponent(parts[1]) : '', new URLSearchParams(query || ''));
    if (gen !== state.gen) { return; } // a later route runs now
    if (live) { startEvents(live.query, live.handlers); }
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
