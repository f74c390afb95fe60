// A writing pad: pointer input (mouse, pen, touch) on a canvas → model rows [dx, dy, pen_lift].
// A point is kept each time the pointer has moved MIN_SPACING px; the newest point is held back
// until the next one arrives or the pen lifts, so its pen_lift is right when the model sees it.
// PadSession (below) keeps a model session in step with what a pad holds.
import { model, flatten } from "./client.js";
import { PX_PER_UNIT } from "./config.js";
import { fitCanvas, clearCanvas, inkStyle } from "./draw.js";

export const MIN_SPACING = 5.5; // px (the 2016 page's value)
export const MAX_ROWS = 20000; // the engine's limit on a line
const SESSION_CHUNK = 400; // rows a PadSession sends per request

// The latest writing from any pad on the page (figures that offer "your writing" read it).
export const latestWriting = { rows: [], source: null };

export class WritingPad extends EventTarget {
  constructor(canvas, { scale = PX_PER_UNIT, lineWidth = 2.2 } = {}) {
    super();
    this.canvas = canvas;
    this.scale = scale;
    this.lineWidth = lineWidth;
    this._enabled = false;
    // a quiet "Write here" over the empty pad, gone with the first point, back after Clear
    this.hint = document.createElement("span");
    this.hint.className = "pad-hint";
    this.hint.textContent = "Write here";
    this.hint.setAttribute("aria-hidden", "true");
    canvas.parentElement.classList.add("pad-host");
    canvas.parentElement.append(this.hint);
    this.clear();
    fitCanvas(canvas, (ctx) => this._redraw(ctx));
    canvas.addEventListener("pointerdown", (e) => this._down(e));
    canvas.addEventListener("pointermove", (e) => this._move(e));
    canvas.addEventListener("pointerup", () => this._up());
    canvas.addEventListener("pointercancel", () => this._up());
  }

  clear() {
    this.strokes = []; // kept points per stroke, CSS px (for redraws)
    this.rows = []; // confirmed model rows
    this.pos = []; // CSS px of each confirmed row's point
    this.held = null;
    this.last = null;
    this.full = false;
    this.drawing = false;
    clearCanvas(this.canvas);
    this._changed();
  }

  get count() { return this.rows.length + (this.held ? 1 : 0); }

  get enabled() { return this._enabled; }

  set enabled(on) { this._enabled = on; this.hint.hidden = this.count > 0 || !on; }

  // Write a line (flat T × 3, article units) as if drawn: the keyboard's way to give the model input.
  writeLine(flat) {
    this.clear();
    const r = this.canvas.getBoundingClientRect();
    let x = 20, y = r.height / 2, penUp = true;
    for (let i = 0; i < flat.length / 3; i++) {
      x += flat[3 * i] * this.scale;
      y += flat[3 * i + 1] * this.scale;
      if (x > r.width - 10) break;
      this._add({ x, y }, penUp);
      penUp = flat[3 * i + 2] > 0.5;
      if (penUp) { this.held.row[2] = 1; this._commit(); }
    }
    if (this.held) { this.held.row[2] = 1; this._commit(); }
    this._changed();
  }

  _point(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  _down(e) {
    if (!this.enabled) return;
    e.preventDefault();
    try { this.canvas.setPointerCapture(e.pointerId); } catch (err) { /* synthetic or released pointer */ }
    this.drawing = true;
    this.hint.hidden = true;
    this._add(this._point(e), true);
  }

  _move(e) {
    if (!this.drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) this._add(this._point(ev), false);
  }

  _up() {
    if (!this.drawing) return;
    this.drawing = false;
    if (this.held) { this.held.row[2] = 1; this._commit(); } // pen_lift = 1 reaches the model
    else if (this.rows.length) this.rows[this.rows.length - 1][2] = 1;
    this._changed();
  }

  _add(p, newStroke) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || Math.abs(p.x) > 1e6 || Math.abs(p.y) > 1e6) return;
    if (this.count + 1 > MAX_ROWS) {
      if (!this.full) this.dispatchEvent(new CustomEvent("full", { detail: MAX_ROWS }));
      this.full = true;
      return;
    }
    const last = this.last;
    if (!newStroke && last && Math.hypot(p.x - last.x, p.y - last.y) < MIN_SPACING) return;
    this._commit();
    const row = last ? [(p.x - last.x) / this.scale, (p.y - last.y) / this.scale, 0] : [0, 0, 0];
    this.held = { row, p };
    const ctx = inkStyle(this.canvas.getContext("2d"), this.lineWidth);
    ctx.beginPath();
    if (newStroke || !last) { this.strokes.push([p]); ctx.moveTo(p.x, p.y); ctx.lineTo(p.x + 0.1, p.y); }
    else { this.strokes[this.strokes.length - 1].push(p); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); }
    ctx.stroke();
    this.last = p;
  }

  _commit() {
    if (!this.held) return;
    this.rows.push(this.held.row);
    this.pos.push(this.held.p);
    this.held = null;
    this._changed();
  }

  _changed() {
    this.hint.hidden = this.count > 0 || this.drawing || !this.enabled;
    if (this.rows.length) { latestWriting.rows = this.rows; latestWriting.source = this.canvas; }
    this.dispatchEvent(new Event("change"));
  }

  _redraw(ctx) {
    inkStyle(ctx, this.lineWidth);
    for (const s of this.strokes) {
      ctx.beginPath();
      s.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
      if (s.length === 1) ctx.lineTo(s[0].x + 0.1, s[0].y);
      ctx.stroke();
    }
  }
}

// A model session that follows a pad: each request carries the rows the session has not seen yet
// (at most SESSION_CHUNK, so a huge drawing never blocks the worker long), from a fresh state after
// restart() (the pad was cleared) or a failed request. One request at a time (`busy`).
export class PadSession {
  constructor(pad, session) {
    this.pad = pad;
    this.session = session;
    this.drawing = 0; // one per restart: replies to an earlier drawing are dropped
    this.busy = false;
    this.restart();
  }

  restart() {
    this.sent = 0; // rows the session has seen
    this.reset = true;
    this.drawing++;
  }

  get behind() { return this.sent < this.pad.rows.length; }

  // model.request(type) with the rows not sent yet and `payload`: the reply, or null when the pad
  // was cleared meanwhile; a failure rejects (with the model's Error) when it is this drawing's.
  request(type, payload) {
    const append = this.pad.rows.slice(this.sent, this.sent + SESSION_CHUNK);
    const upto = this.sent + append.length, drawing = this.drawing;
    this.busy = true;
    const job = model.request(type, { session: this.session, append: flatten(append), reset: this.reset, ...payload });
    this.reset = false;
    return job.promise.then((reply) => {
      if (drawing !== this.drawing) return null;
      this.sent = upto;
      return reply;
    }, (err) => {
      if (drawing !== this.drawing) return null;
      this.sent = 0; this.reset = true; // resynchronise from the start of the drawing
      throw err;
    }).finally(() => { this.busy = false; });
  }
}
