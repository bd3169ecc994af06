// The five large figures: new, proc, retry, hold and total of the current selection.
import {byId, setText} from './dom.js';
import {count, STATES} from './format.js';

const FIELDS = [...STATES, 'total'];

export class Figures {
  constructor() {
    this.nodes = Object.fromEntries(FIELDS.map((f) => [f, byId('count-' + f)]));
    this.section = byId('figures');
  }

  /** Shows a stats row (the one row of group=total). */
  show(row) {
    for (const f of FIELDS) {
      setText(this.nodes[f], count(row[f]));
    }
    this.section.classList.remove('stale');
  }

  /** Greys the figures out: they are the last ones known, not current. */
  markStale() {
    this.section.classList.add('stale');
  }

  /** Back to dashes (a new sender, token or filter). */
  clear() {
    for (const f of FIELDS) {
      setText(this.nodes[f], '—');
    }
    this.section.classList.remove('stale');
  }
}
