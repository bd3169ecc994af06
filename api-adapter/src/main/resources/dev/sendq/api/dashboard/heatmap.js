// Queue age as a heat map, like qshape: one row per group (ISP, account, or account and
// campaign), one column per age bucket, each cell the number of messages of that age, shaded by
// it. Needs sendq's queue/age extension; on a server without it the panel says so.
import {el, showNote} from './dom.js';
import {count, STATES} from './format.js';
import {PATHS} from './client.js';

const UNAVAILABLE = 'Queue age is not available on this server (it does not answer the queue/age request).';

/** "lt_5m" -> "< 5", "5_10m" -> "5–10", "ge_320m" -> "≥ 320" (minutes). */
function bucketLabel(suffix) {
  const m = /^(lt|ge)_(\d+)m$/.exec(suffix);
  if (m) {
    return (m[1] === 'lt' ? '< ' : '≥ ') + m[2];
  }
  const r = /^(\d+)_(\d+)m$/.exec(suffix);
  return r ? `${r[1]}–${r[2]}` : suffix;
}

function groupName(row, group) {
  if (group === 'isp') {
    return row.isp;
  }
  if (group === 'account') {
    return `account ${row.account_id}`;
  }
  return `${row.account_id} / ${row.campaign_id}`;
}

export class AgeHeatmap {
  /**
   * @param {HTMLElement} container
   * @param {HTMLElement} note
   * @param {HTMLSelectElement} groupSelect
   * @param {HTMLSelectElement} stateSelect
   * @param {() => void} onChange called when the operator picks other rows or another state
   */
  constructor(container, note, groupSelect, stateSelect, onChange) {
    this.container = container;
    this.note = note;
    this.groupSelect = groupSelect;
    this.stateSelect = stateSelect;
    this.available = null;
    this.rows = null;
    groupSelect.addEventListener('change', onChange);
    stateSelect.addEventListener('change', () => this.draw());
  }

  async refresh(client, selectionParams) {
    if (this.available === false) {
      return;
    }
    const group = this.groupSelect.value;
    const envelope = await client.callIfAvailable(PATHS.age, {...selectionParams, group});
    this.available = envelope !== null;
    if (envelope) {
      this.rows = envelope.data;
      this.group = group;
      this.draw();
    } else {
      showNote(this.note, UNAVAILABLE);
    }
  }

  draw() {
    if (!this.rows) {
      return;
    }
    const state = this.stateSelect.value;
    const states = state === 'all' ? STATES : [state];
    // The buckets, in the server's order, from the fields of the first state: new_lt_5m, new_5_10m, ...
    const sample = this.rows[0] || {};
    const buckets = Object.keys(sample).filter((k) => k.startsWith('new_')).map((k) => k.slice(4));
    const lines = this.rows.map((r) => {
      const cells = buckets.map((b) => states.reduce((sum, s) => sum + (r[`${s}_${b}`] || 0), 0));
      return {name: groupName(r, this.group), cells, total: cells.reduce((a, b) => a + b, 0),
        oldest: r.oldest_new_age_minutes};
    }).filter((l) => l.total > 0).sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
    if (lines.length === 0) {
      this.container.replaceChildren();
      showNote(this.note, 'No queued message matches.');
      return;
    }
    showNote(this.note, '');
    const totals = buckets.map((b, i) => lines.reduce((sum, l) => sum + l.cells[i], 0));
    const max = Math.max(1, ...lines.flatMap((l) => l.cells));
    const shade = (n) => {
      const td = el('td', {className: 'num heat'}, n ? count(n) : '');
      if (n > 0) {
        // A logarithmic scale, so that one huge cell does not wash the others out.
        const a = 0.12 + 0.78 * Math.log1p(n) / Math.log1p(max);
        td.style.backgroundColor = `rgba(220, 38, 38, ${a.toFixed(3)})`;
        if (a > 0.55) {
          td.classList.add('dark');
        }
      }
      return td;
    };
    const head = el('tr', {},
      el('th', {scope: 'col'}, this.group === 'isp' ? 'ISP' : this.group === 'account' ? 'Account' : 'Account / campaign'),
      el('th', {scope: 'col', className: 'num'}, 'Total'),
      buckets.map((b) => el('th', {scope: 'col', className: 'num'}, bucketLabel(b))),
      el('th', {scope: 'col', className: 'num', title: 'Age of the oldest NEW message, in minutes'}, 'Oldest new'));
    const body = lines.map((l) => el('tr', {},
      el('th', {scope: 'row'}, l.name),
      el('td', {className: 'num'}, count(l.total)),
      l.cells.map(shade),
      el('td', {className: 'num', title: l.oldest >= 0 ? '' : 'no NEW message'},
        l.oldest >= 0 ? `${count(l.oldest)} min` : '—')));
    const foot = el('tr', {},
      el('th', {scope: 'row'}, 'All'),
      el('td', {className: 'num'}, count(totals.reduce((a, b) => a + b, 0))),
      totals.map((n) => el('td', {className: 'num'}, n ? count(n) : '')),
      el('td'));
    const table = el('table', {className: 'data heatmap', 'aria-label': 'Messages by age in minutes'},
      el('thead', {}, el('tr', {}, el('th'), el('th'),
        el('th', {scope: 'colgroup', colSpan: buckets.length, className: 'center'}, 'age in minutes'), el('th')), head),
      el('tbody', {}, body), el('tfoot', {}, foot));
    this.container.replaceChildren(table);
  }

  reset() {
    this.available = null;
    this.rows = null;
    this.container.replaceChildren();
    showNote(this.note, '');
  }
}
