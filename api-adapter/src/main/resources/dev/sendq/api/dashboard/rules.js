// The hold rules in force, each with its reason, label, expiry and live impact (how many NEW and
// RETRY messages it holds now), with a button to lift it. Needs sendq's queue/rules extension;
// on a server without it the panel says so and holds go through the plain hold request.
import {el, showNote} from './dom.js';
import {count, instant, selection} from './format.js';
import {PATHS} from './client.js';

const UNAVAILABLE = 'Hold rules with their reason and live impact are not available on this server '
  + '(it does not answer the queue/rules request). Holds and releases still work.';

export class RulesPanel {
  /**
   * @param {HTMLElement} container where the table goes
   * @param {HTMLElement} note
   * @param {(ruleId: number, row: object) => void} onLift
   * @param {HTMLElement[]} extensionControls the add form's controls that need the extension (reason, ...)
   */
  constructor(container, note, onLift, extensionControls) {
    this.container = container;
    this.note = note;
    this.onLift = onLift;
    this.extensionControls = extensionControls;
    /** Whether the server has the extension: null until known. */
    this.available = null;
    this.table = null;
    this.shown = '';
  }

  /** Asks the server for the rules and shows them; an unavailable request is shown, not thrown. */
  async refresh(client) {
    if (this.available === false) {
      return;
    }
    const envelope = await client.callIfAvailable(PATHS.rules);
    this.available = envelope !== null;
    for (const control of this.extensionControls) {
      control.disabled = !this.available;
      control.title = this.available ? '' : 'This server has no hold-rule extension: a plain hold has no reason, '
        + 'label or expiry.';
    }
    if (envelope) {
      this.show(envelope.data);
    } else {
      showNote(this.note, UNAVAILABLE);
    }
  }

  show(rows) {
    // Rebuilt only when something changed, so that a focused "Lift" button keeps its focus.
    const fingerprint = JSON.stringify(rows);
    if (fingerprint === this.shown) {
      return;
    }
    this.shown = fingerprint;
    if (rows.length === 0) {
      this.container.replaceChildren();
      showNote(this.note, 'No hold rule is in force.');
      return;
    }
    showNote(this.note, '');
    const head = el('tr', {},
      el('th', {scope: 'col', className: 'num'}, 'Rule'),
      el('th', {scope: 'col'}, 'Holds'),
      el('th', {scope: 'col'}, 'Reason'),
      el('th', {scope: 'col', className: 'num', title: 'NEW and RETRY messages this rule holds now'}, 'Held now'),
      el('th', {scope: 'col', className: 'actions'}, 'Actions'));
    const body = rows.map((r) => el('tr', {'data-rule': r.rule_id},
      el('td', {className: 'num'}, String(r.rule_id)),
      el('td', {}, selection(r), r.until ? el('div', {className: 'sub'}, 'until ' + instant(r.until)) : null),
      el('td', {}, r.reason.replace(/_/g, ' '), r.label ? el('div', {className: 'sub'}, r.label) : null),
      el('td', {className: 'num', 'data-field': 'total',
        title: `${count(r.from_new)} from NEW, ${count(r.from_retry)} from RETRY`}, count(r.total)),
      el('td', {className: 'actions'}, el('button', {
        type: 'button', className: 'small', 'aria-label': `Lift rule ${r.rule_id} (${selection(r)})`,
        onclick: () => this.onLift(r.rule_id, r),
      }, 'Lift'))));
    const table = el('table', {className: 'data rules'}, el('thead', {}, head), el('tbody', {}, body));
    this.container.replaceChildren(table);
  }

  /** Forgets what it showed (another sender or token). */
  reset() {
    this.available = null;
    this.shown = '';
    this.container.replaceChildren();
    showNote(this.note, '');
  }
}
