// How the dashboard writes numbers, selections and times.

const NUMBER = new Intl.NumberFormat(undefined, {maximumFractionDigits: 0});
const TIME = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit', second: '2-digit'});
const DATE_TIME = new Intl.DateTimeFormat(undefined, {dateStyle: 'short', timeStyle: 'short'});

/** The four states the endpoint counts, in lifecycle order. */
export const STATES = ['new', 'proc', 'retry', 'hold'];

/** A count with thousands separators (in the browser's locale). */
export const count = (n) => (n === null || n === undefined || Number.isNaN(n) ? '—' : NUMBER.format(n));

/** A wall-clock time, e.g. 14:03:22. */
export const time = (date) => TIME.format(date);

/** An ISO-8601 instant from the server as a local date and time, or "" for none. */
export const instant = (iso) => (iso ? DATE_TIME.format(new Date(iso)) : '');

/**
 * A selection in words: "account 306, campaign 4914, ISP Gmail", or "the whole sender".
 * @param {{account_id?: number, campaign_id?: number, isp?: string}} s
 */
export function selection(s) {
  const parts = [];
  if (s.account_id) {
    parts.push(`account ${s.account_id}`);
  }
  if (s.campaign_id) {
    parts.push(`campaign ${s.campaign_id}`);
  }
  if (s.isp) {
    parts.push(`ISP ${s.isp}`);
  }
  return parts.length ? parts.join(', ') : 'the whole sender';
}

/**
 * A whole number typed by the operator: the number, 0 for an empty field, or null when it is not
 * a whole number from 0 to 2^31-1 (the API's int range).
 */
export function wholeNumber(text) {
  const t = text.trim();
  if (t === '') {
    return 0;
  }
  if (!/^[0-9]{1,10}$/.test(t)) {
    return null;
  }
  const n = Number(t);
  return n <= 2147483647 ? n : null;
}
