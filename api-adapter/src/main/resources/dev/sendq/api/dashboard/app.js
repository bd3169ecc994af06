// The dashboard: asks for a token and a sender, then polls the sender's queue every 2 s (not
// while the tab is hidden) and shows it: figures, a live chart, tables, hold rules and queue age.
// The token stays in this tab: in memory and in sessionStorage, never in the URL or in storage that
// outlives the tab.
import {byId, el, setText} from './dom.js';
import {count, selection, time, wholeNumber} from './format.js';
import {ApiError, Client, PATHS} from './client.js';
import {Figures} from './figures.js';
import {LiveChart} from './chart.js';
import {COUNT_COLUMNS, SortableTable} from './tables.js';
import {RulesPanel} from './rules.js';
import {AgeHeatmap} from './heatmap.js';

const POLL_MS = 2000;
const RETRY_MS = 5000;
const TOKEN_KEY = 'sendq.dashboard.token';

const status = byId('status');
const errorBox = byId('error');
const noticeBox = byId('notice');

/** Shows an error in the page (never only in the console). */
function showError(message) {
  setText(errorBox, message);
  errorBox.hidden = false;
}

function clearError() {
  errorBox.hidden = true;
  setText(errorBox, '');
}

/**
 * Says how an action went, or why it could not be sent (failed: shown as an error). Unlike the
 * error above, which the next good poll clears, it stays until the next action.
 */
function notice(message, failed = false) {
  setText(noticeBox, message);
  noticeBox.classList.toggle('failed', failed);
  noticeBox.hidden = false;
}

window.addEventListener('error', (e) => showError(`The dashboard hit an unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) =>
  showError(`The dashboard hit an unexpected error: ${e.reason && e.reason.message ? e.reason.message : e.reason}`));

const state = {
  client: null,
  filter: {account_id: 0, campaign_id: 0, isp: ''},
  timer: 0,
  inFlight: false,
  again: false,
  running: false,
  generation: 0,
};

const figures = new Figures();
const chart = new LiveChart(byId('chart'), byId('chart-note'));
const rules = new RulesPanel(byId('rules'), byId('rules-note'), (ruleId, row) => liftRule(ruleId, row),
  ['hold-reason', 'hold-label', 'hold-for', 'hold-preview'].map(byId));
const age = new AgeHeatmap(byId('age'), byId('age-note'), byId('age-group'), byId('age-state'), () => refreshSoon());

/** The selection a table row stands for: the filter narrowed by the row's own keys. */
function rowSelection(row, keys) {
  const s = {...state.filter};
  for (const k of keys) {
    s[k] = row[k];
  }
  return s;
}

/** The Hold, Release and Clear buttons of a table row. */
function rowActions(keys, label) {
  return (currentRow) => {
    const sel = () => rowSelection(currentRow(), keys);
    const name = label(currentRow());
    const buttons = [
      el('button', {type: 'button', className: 'small', 'aria-label': `Hold ${name}`,
        onclick: () => act('hold', sel())}, 'Hold'),
      el('button', {type: 'button', className: 'small', 'aria-label': `Release ${name}`,
        onclick: () => act('release', sel())}, 'Release'),
    ];
    // Clear sender queue takes no ISP, and campaign 0 ("no campaign") cannot be selected alone.
    const clearable = !keys.includes('isp') && !state.filter.isp && !(keys.includes('campaign_id') && currentRow().campaign_id === 0);
    if (clearable) {
      buttons.push(el('button', {type: 'button', className: 'small danger', 'aria-label': `Clear ${name}`,
        onclick: () => clearRow(sel(), currentRow())}, 'Clear…'));
    }
    if (keys.includes('campaign_id') && currentRow().campaign_id === 0) {
      buttons.forEach((b) => {
        b.disabled = true;
        b.title = 'Mail without a campaign cannot be selected alone (campaign 0 means all campaigns).';
      });
    }
    return buttons;
  };
}

const column = (field, label, numeric) => ({field, label, numeric, id: true});
const tables = {
  account: new SortableTable(byId('by-account'), [column('account_id', 'Account', true), ...COUNT_COLUMNS],
    (r) => String(r.account_id), rowActions(['account_id'], (r) => `account ${r.account_id}`), 'No queued messages.'),
  account_campaign: new SortableTable(byId('by-campaign'),
    [column('account_id', 'Account', true), column('campaign_id', 'Campaign', true), ...COUNT_COLUMNS],
    (r) => `${r.account_id}/${r.campaign_id}`,
    rowActions(['account_id', 'campaign_id'], (r) => `account ${r.account_id} campaign ${r.campaign_id}`),
    'No queued messages.'),
  isp: new SortableTable(byId('by-isp'), [column('isp', 'ISP', false), ...COUNT_COLUMNS],
    (r) => r.isp.toLowerCase(), rowActions(['isp'], (r) => `ISP ${r.isp}`), 'No queued messages.'),
};

// ------------------------------------------------------------------ polling

function schedule(ms) {
  clearTimeout(state.timer);
  if (state.running && !document.hidden) {
    state.timer = setTimeout(refresh, ms);
  }
}

function refreshSoon() {
  if (state.running) {
    schedule(0);
  }
}

async function refresh() {
  if (!state.running) {
    return;
  }
  if (state.inFlight) {
    state.again = true; // asked for while a poll runs (after an action): poll again once it ends
    return;
  }
  state.inFlight = true;
  state.again = false;
  document.body.dataset.poll = 'running'; // 'idle' between polls: tests wait on it
  const generation = state.generation;
  const client = state.client;
  const filter = {...state.filter};
  let next = POLL_MS;
  try {
    const [total, byAccount, byCampaign, byIsp] = await Promise.all([
      client.stats(filter, 'total'), client.stats(filter, 'account'),
      client.stats(filter, 'account_campaign'), client.stats(filter, 'isp')]);
    if (generation !== state.generation) {
      return; // the operator switched sender, token or filter meanwhile
    }
    const now = new Date();
    figures.show(total[0]);
    chart.push(now, total[0]);
    tables.account.setRows(byAccount);
    tables.account_campaign.setRows(byCampaign);
    tables.isp.setRows(byIsp);
    await Promise.all([rules.refresh(client), age.refresh(client, filter)]);
    if (generation !== state.generation) {
      return;
    }
    clearError();
    sessionStorage.setItem(TOKEN_KEY, client.token); // only a token the server accepted is kept
    setText(status, document.hidden ? pausedText()
      : `Live: sender ${client.sender}, updated ${time(now)}, every ${POLL_MS / 1000} s.`);
  } catch (e) {
    if (generation !== state.generation) {
      return;
    }
    next = failed(e);
  } finally {
    state.inFlight = false;
    document.body.dataset.poll = 'idle';
    if (generation === state.generation) {
      schedule(state.again && next === POLL_MS ? 0 : next);
    }
  }
}

/** Shows a failed poll and says when to try again (0: stop until the operator acts). */
function failed(e) {
  if (!(e instanceof ApiError)) {
    throw e;
  }
  showError(e.message);
  if (e.kind === 'network' || e.kind === 'server') {
    figures.markStale();
    setText(status, `Trying again every ${RETRY_MS / 1000} s…`);
    return RETRY_MS;
  }
  if (e.kind === 'auth') {
    sessionStorage.removeItem(TOKEN_KEY);
  }
  stop('Stopped: fix the token or the sender, then press Watch.');
  figures.clear();
  return 0;
}

function stop(message) {
  state.running = false;
  state.generation++;
  clearTimeout(state.timer);
  setText(status, message);
}

function start(client) {
  state.generation++;
  state.client = client;
  state.running = true;
  figures.clear();
  chart.reset();
  Object.values(tables).forEach((t) => t.clear());
  rules.reset();
  age.reset();
  clearError();
  noticeBox.hidden = true;
  setText(status, `Connecting to sender ${client.sender}…`);
  schedule(0);
}

const pausedText = () => `Paused while this tab is hidden (sender ${state.client.sender}).`;

document.addEventListener('visibilitychange', () => {
  if (!state.running) {
    return;
  }
  if (document.hidden) {
    clearTimeout(state.timer);
    setText(status, pausedText());
  } else {
    schedule(0);
  }
});

// ------------------------------------------------------------------ actions

async function act(kind, sel) {
  if (!state.client) {
    return;
  }
  try {
    if (kind === 'hold') {
      const e = await state.client.call(PATHS.hold, sel);
      notice(`Held ${selection(sel)} (rule ${e.rule_id}).`);
    } else if (kind === 'release') {
      const e = await state.client.call(PATHS.release, sel);
      notice(e.released > 0
        ? `Released ${selection(sel)}: lifted ${count(e.released)} hold rule${e.released === 1 ? '' : 's'}.`
        : `No hold rule selects exactly ${selection(sel)}: nothing released.`);
    } else if (kind === 'purge') {
      const e = await state.client.call(PATHS.purge, sel);
      notice(`Cleared ${selection(sel)}: ${count(e.cancelled)} message${e.cancelled === 1 ? '' : 's'} cancelled.`);
    }
    refreshSoon();
    return true;
  } catch (e) {
    actionFailed(e);
    return false;
  }
}

function actionFailed(e) {
  if (!(e instanceof ApiError)) {
    throw e;
  }
  if (e.kind === 'auth' || e.kind === 'sender') {
    showError(e.message);
    stop('Stopped: fix the token or the sender, then press Watch.');
  } else {
    notice(e.kind === 'unavailable' ? `This server does not support that action. ${e.message}` : e.message, true);
  }
}

async function clearRow(sel, row) {
  const n = row.new + row.retry + row.hold;
  const ok = await confirmClear(`Clear ${selection(sel)} of sender ${state.client.sender}? This cancels its `
    + `${count(n)} NEW, RETRY and HOLD message${n === 1 ? '' : 's'} (messages in progress finish their attempt). `
    + 'It cannot be undone; hold rules stay in force.');
  if (ok) {
    await act('purge', {account_id: sel.account_id, campaign_id: sel.campaign_id});
  }
}

/** Asks before a clear; resolves true only for the "Clear messages" button. */
function confirmClear(text) {
  const dialog = byId('confirm');
  setText(byId('confirm-text'), text);
  return new Promise((resolve) => {
    const done = (answer) => {
      byId('confirm-ok').onclick = null;
      byId('confirm-cancel').onclick = null;
      dialog.onclose = null;
      if (dialog.open) {
        dialog.close();
      }
      resolve(answer);
    };
    byId('confirm-ok').onclick = () => done(true);
    byId('confirm-cancel').onclick = () => done(false);
    dialog.onclose = () => done(false); // Escape
    dialog.showModal();
  });
}

async function liftRule(ruleId, row) {
  try {
    await state.client.call(PATHS.liftRule, {rule_id: ruleId});
    notice(`Lifted rule ${ruleId} (${selection(row)}).`);
    refreshSoon();
  } catch (e) {
    actionFailed(e);
  }
}

/** The hold form's selection, or null (after saying why) when it cannot be sent. */
function holdFormSelection() {
  if (!state.client) {
    notice('Press Watch with a token and a sender first.', true);
    return null;
  }
  const account = wholeNumber(byId('hold-account').value);
  const campaign = wholeNumber(byId('hold-campaign').value);
  if (account === null || campaign === null) {
    notice('Account and campaign must be whole numbers (or empty for all).', true);
    return null;
  }
  return {account_id: account, campaign_id: campaign, isp: byId('hold-isp').value.trim()};
}

/** The hold form as the rules/add request's parameters: the selection, reason, label and expiry. */
function holdFormRule(sel) {
  const seconds = Number(byId('hold-for').value);
  return {...sel, reason: byId('hold-reason').value, label: byId('hold-label').value.trim(),
    until: seconds > 0 ? new Date(Date.now() + seconds * 1000).toISOString() : ''};
}

byId('hold-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const sel = holdFormSelection();
  if (!sel) {
    return;
  }
  if (!rules.available) {
    if (await act('hold', sel)) { // the documented request: no reason, label or expiry
      byId('hold-form').reset();
    }
    return;
  }
  try {
    const e = await state.client.call(PATHS.addRule, holdFormRule(sel));
    notice(`Held ${selection(sel)} (rule ${e.rule_id}).`);
    byId('hold-form').reset();
    refreshSoon();
  } catch (e) {
    actionFailed(e);
  }
});

byId('hold-preview').addEventListener('click', async () => {
  const sel = holdFormSelection();
  if (!sel) {
    return;
  }
  try {
    const e = await state.client.call(PATHS.addRule, {...holdFormRule(sel), dry_run: 1});
    notice(`Holding ${selection(sel)} would hold ${count(e.total)} message${e.total === 1 ? '' : 's'} now `
      + `(${count(e.from_new)} NEW, ${count(e.from_retry)} RETRY). Nothing was held.`);
  } catch (e) {
    actionFailed(e);
  }
});

// ------------------------------------------------------------------ connect and filters

const tokenInput = byId('token');
const senderInput = byId('sender');

byId('connect').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  const sender = wholeNumber(senderInput.value);
  if (!token) {
    notice('Enter the API token.', true);
    tokenInput.focus();
    return;
  }
  if (!sender) {
    notice('The sender must be a whole number from 1.', true);
    senderInput.focus();
    return;
  }
  const url = new URL(location.href);
  url.searchParams.set('sender', String(sender));
  history.replaceState(null, '', url);
  start(new Client(token, sender));
});

byId('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  tokenInput.value = '';
  if (state.running) {
    stop('Token forgotten: enter one and press Watch.');
  } else {
    setText(status, 'Token forgotten.');
  }
  state.client = null;
  tokenInput.focus();
});

byId('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  const account = wholeNumber(byId('filter-account').value);
  const campaign = wholeNumber(byId('filter-campaign').value);
  if (account === null || campaign === null) {
    notice('Filter: account and campaign must be whole numbers (or empty for all).', true);
    return;
  }
  applyFilter({account_id: account, campaign_id: campaign, isp: byId('filter-isp').value.trim()});
});

byId('filter-reset').addEventListener('click', () => {
  byId('filter-account').value = '';
  byId('filter-campaign').value = '';
  byId('filter-isp').value = '';
  applyFilter({account_id: 0, campaign_id: 0, isp: ''});
});

function applyFilter(filter) {
  state.filter = filter;
  setText(byId('filter-summary'), `Showing ${selection(filter)}.`);
  if (state.client) {
    start(state.client);
  }
}

// ------------------------------------------------------------------ start

(function init() {
  const params = new URLSearchParams(location.search);
  const fromUrl = wholeNumber(params.get('sender') || '');
  senderInput.value = String(fromUrl || 1);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    tokenInput.value = token;
    byId('connect').requestSubmit();
  } else {
    setText(status, 'Enter the API token and a sender id, then press Watch.');
    tokenInput.focus();
  }
})();
