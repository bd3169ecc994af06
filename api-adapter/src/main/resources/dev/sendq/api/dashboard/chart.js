// The live chart: new, proc, retry and hold of the current selection over the last minutes,
// one point per poll, drawn by uPlot (served from its WebJar, loaded before this module).
import {showNote} from './dom.js';
import {count, STATES, time} from './format.js';

const WINDOW_SECONDS = 10 * 60;
const COLORS = {new: '#2563eb', proc: '#16a34a', retry: '#d97706', hold: '#dc2626'};
const LABELS = {new: 'New', proc: 'Proc', retry: 'Retry', hold: 'Hold'};

export class LiveChart {
  /** @param {HTMLElement} container @param {HTMLElement} note */
  constructor(container, note) {
    this.container = container;
    this.note = note;
    this.times = [];
    this.series = STATES.map(() => []);
    this.plot = null;
    if (typeof window.uPlot !== 'function') {
      showNote(note, 'The chart library (uPlot) is not available on this server, so there is no chart; '
        + 'the figures and tables still update.');
      return;
    }
    this.plot = new window.uPlot(this.options(), this.data(), container);
    new ResizeObserver(() => this.resize()).observe(container);
  }

  options() {
    return {
      width: Math.max(this.container.clientWidth, 300),
      height: 280,
      padding: [12, 36, 0, 0], // room for the last time label
      scales: {
        // At least the last minute, so that a few seconds of samples do not get sub-second ticks.
        x: {time: true, range: (u, min, max) => [Math.min(min, max - 60), max]},
        y: {range: (u, min, max) => [0, Math.max(10, Math.ceil(max * 1.1))]},
      },
      series: [
        {},
        ...STATES.map((s) => ({
          label: LABELS[s], stroke: COLORS[s], width: 2, points: {show: false},
          value: (u, v) => count(v),
        })),
      ],
      axes: [
        {space: 70, values: (u, ticks) => ticks.map((t) => time(new Date(t * 1000)))},
        {size: 70, values: (u, values) => values.map(count)},
      ],
      cursor: {drag: {x: false, y: false}},
      legend: {live: false},
    };
  }

  data() {
    return [this.times, ...this.series];
  }

  resize() {
    if (this.plot) {
      this.plot.setSize({width: Math.max(this.container.clientWidth, 300), height: 280});
    }
  }

  /** Adds one sample (a stats row) taken at `date`, dropping samples older than the window. */
  push(date, row) {
    const t = date.getTime() / 1000;
    this.times.push(t);
    STATES.forEach((s, i) => this.series[i].push(row[s]));
    while (this.times.length && this.times[0] < t - WINDOW_SECONDS) {
      this.times.shift();
      this.series.forEach((values) => values.shift());
    }
    this.draw();
  }

  /** Forgets every sample (the selection changed, so old points would mean something else). */
  reset() {
    this.times = [];
    this.series = STATES.map(() => []);
    this.draw();
  }

  draw() {
    this.container.dataset.points = String(this.times.length);
    if (this.plot) {
      this.plot.setData(this.data());
    }
  }
}
