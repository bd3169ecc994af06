// Sortable tables of stats rows (by account, by account and campaign, by ISP). Rows are kept by
// key and updated in place on each poll, so that a keyboard user's focus on a row's button
// survives the refresh.
import {el, setText} from './dom.js';
import {count, STATES} from './format.js';

/** Columns of the stats rows' counts. */
export const COUNT_COLUMNS = [...STATES, 'total'].map((f) => ({
  field: f, label: f === 'total' ? 'Total' : f[0].toUpperCase() + f.slice(1), numeric: true, id: false,
}));

const KEY_ORDER = ['account_id', 'campaign_id', 'isp'];

export class SortableTable {
  /**
   * @param {HTMLTableElement} table
   * @param {{field: string, label: string, numeric: boolean, id: boolean}[]} columns numeric ones sort as
   *     numbers; ids (account, campaign, ISP) are shown as they are, counts with thousands separators
   * @param {(row: object) => string} key a row's identity, e.g. "306/4914"
   * @param {(row: object) => HTMLElement[]} actions the buttons of a row (they read its current values)
   * @param {string} empty what an empty table says
   */
  constructor(table, columns, key, actions, empty) {
    this.table = table;
    this.columns = columns;
    this.key = key;
    this.actions = actions;
    this.empty = empty;
    this.sort = {field: 'total', descending: true};
    this.rows = [];
    this.trs = new Map(); // key -> {tr, cells, row}
    this.head = el('thead');
    this.body = el('tbody');
    this.emptyRow = el('tr', {className: 'empty'}, el('td', {colSpan: columns.length + 1}, empty));
    table.append(this.head, this.body);
    this.renderHead();
  }

  renderHead() {
    const tr = el('tr');
    for (const c of this.columns) {
      const sorted = this.sort.field === c.field;
      const th = el('th', {scope: 'col', className: c.numeric ? 'num' : ''});
      th.setAttribute('aria-sort', sorted ? (this.sort.descending ? 'descending' : 'ascending') : 'none');
      th.append(el('button', {
        type: 'button', className: 'sort', title: `Sort by ${c.label.toLowerCase()}`,
        onclick: () => this.sortBy(c.field),
      }, c.label, el('span', {className: 'arrow', 'aria-hidden': 'true'},
        sorted ? (this.sort.descending ? ' ▼' : ' ▲') : '')));
      tr.append(th);
    }
    tr.append(el('th', {scope: 'col', className: 'actions'}, 'Actions'));
    this.head.replaceChildren(tr);
  }

  /** Sorts by a column: descending first for counts, ascending first for names; again to reverse. */
  sortBy(field) {
    const column = this.columns.find((c) => c.field === field);
    this.sort = this.sort.field === field
      ? {field, descending: !this.sort.descending}
      : {field, descending: column.numeric};
    this.renderHead();
    this.head.querySelector(`th:nth-child(${this.columns.indexOf(column) + 1}) button`).focus();
    this.setRows(this.rows);
  }

  compare(a, b) {
    const {field, descending} = this.sort;
    const column = this.columns.find((c) => c.field === field);
    let d = column.numeric ? a[field] - b[field] : String(a[field]).localeCompare(String(b[field]));
    if (descending) {
      d = -d;
    }
    for (const k of KEY_ORDER) {
      if (d !== 0) {
        break;
      }
      d = typeof a[k] === 'number' ? a[k] - b[k] : String(a[k]).localeCompare(String(b[k]));
    }
    return d;
  }

  /** Shows these rows, sorted, reusing the table rows of the keys it already shows. */
  setRows(rows) {
    this.rows = rows;
    const sorted = [...rows].sort((a, b) => this.compare(a, b));
    const seen = new Set();
    const order = [];
    for (const row of sorted) {
      const k = this.key(row);
      seen.add(k);
      let entry = this.trs.get(k);
      if (!entry) {
        entry = this.createRow(k, row);
        this.trs.set(k, entry);
      }
      entry.row = row;
      this.columns.forEach((c, i) => setText(entry.cells[i], c.id ? String(row[c.field]) : count(row[c.field])));
      order.push(entry.tr);
    }
    for (const [k, entry] of this.trs) {
      if (!seen.has(k)) {
        entry.tr.remove();
        this.trs.delete(k);
      }
    }
    if (order.length === 0) {
      this.body.replaceChildren(this.emptyRow);
      return;
    }
    this.emptyRow.remove();
    const current = Array.from(this.body.children);
    if (current.length !== order.length || current.some((tr, i) => tr !== order[i])) {
      this.body.append(...order); // moves rows into the new order
    }
  }

  createRow(k, row) {
    const cells = this.columns.map((c) => el('td', {className: c.numeric ? 'num' : '', 'data-field': c.field}));
    const entry = {cells, row};
    const actions = el('td', {className: 'actions'}, this.actions(() => entry.row));
    entry.tr = el('tr', {'data-key': k}, cells, actions);
    return entry;
  }

  /** Removes every row (the selection or the sender changed). */
  clear() {
    this.rows = [];
    this.trs.clear();
    this.body.replaceChildren();
  }
}
