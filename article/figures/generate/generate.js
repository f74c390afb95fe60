// fig-generate: the model writes by itself, line after line, at the chosen Variation.
import { model } from "../../runtime/client.js";
import { attachFigure, playButton, slider, whenVisible, prefersReducedMotion } from "../../runtime/figure.js";
import { fitCanvas, clearCanvas, inkStyle, drawStrokes } from "../../runtime/draw.js";

const CHUNK = 60; // points asked for per request
const PER_FRAME = 2; // points drawn per animation frame (~120 points a second)
const LINE_HEIGHT = 100; // px between lines
const MARGIN = 30; // px
const STALL_STEP = 0.05; // article units: a step this short barely moves the pen (as training.export counts stalls)
const STALL_POINTS = 150; // this many such steps in a row: the model is stuck hovering, so it restarts

export const shared = { variation: { type: "number", min: 0.1, max: 1.5 } }; // what a link may set (runtime/share.js)

export function mount(root, config) {
  const variation = slider(root.querySelector("input.variation"), config.variation);
  const play = playButton(root.querySelector("button.play"), !prefersReducedMotion()); // reduced motion: nothing moves until the reader asks
  const stream = new Stream(root.id, () => Number(variation.value));
  const page = new Page(root.querySelector("canvas.ink"));
  let visible = true, drawn = 0, still = 0;
  whenVisible(root, (on) => { visible = on; });

  function frame() {
    if (play.playing && visible) {
      stream.fill();
      for (let k = 0, row; k < PER_FRAME && (row = stream.next()); k++) {
        page.write(row); drawn++;
        still = Math.hypot(row[0], row[1]) < STALL_STEP ? still + 1 : 0;
        if (still >= STALL_POINTS) { // the model hovers in place: a fresh start on a fresh line
          still = 0; stream.restart(); page.lift();
          root.dataset.restarts = String(stream.restarts);
        }
        if (page.endLine()) break;
      }
      root.dataset.points = String(drawn);
    }
    requestAnimationFrame(frame);
  }
  attachFigure(root, () => requestAnimationFrame(frame));
}

// The model's endless line, asked for CHUNK points at a time ahead of the pen.
class Stream {
  constructor(session, temperature) {
    this.session = session;
    this.temperature = temperature;
    this.queue = []; // [dx, dy, pen] rows waiting to be drawn
    this.inflight = false;
    this.reset = true;
    this.seed = 1;
    this.restarts = 0;
  }

  fill() {
    if (this.inflight || this.queue.length > CHUNK / 2) return;
    this.inflight = true;
    const job = model.request("generate", {
      session: this.session, n: CHUNK, temperature: this.temperature(), seed: this.seed++, reset: this.reset,
    });
    this.reset = false;
    const asked = this.restarts;
    job.promise.then((r) => {
      if (asked !== this.restarts) return; // asked before a restart: the rest of a stuck line
      for (let i = 0; i < r.strokes.length; i += 3) this.queue.push(r.strokes.subarray(i, i + 3));
    }, () => { this.reset = true; }).finally(() => { this.inflight = false; });
  }

  next() { return this.queue.shift(); }

  // A fresh start of the model: the points already asked for are dropped.
  restart() {
    this.restarts++;
    this.reset = true;
    this.queue = [];
  }
}

// The canvas as a page of lines: the pen writes each point where the model moves it, and a line
// that runs out of room ends at the next pen lift, the next line starting at the left margin; a
// full page starts over (as does a resize). A new line does not restart the model: it keeps
// writing from its state, and the pen lands at the line's start instead of where the model's jump
// after the lift would take it.
class Page {
  constructor(canvas) {
    this.canvas = canvas;
    fitCanvas(canvas, (ctx, w, h) => { this.width = w; this.height = h; this.newPage(); });
  }

  newPage() {
    clearCanvas(this.canvas);
    this.line = 0;
    this.startLine();
  }

  startLine() {
    this.x = MARGIN; this.y = this.baseY = MARGIN + LINE_HEIGHT * (this.line + 0.5);
    this.penUp = true; this.landing = true; this.wantNewLine = false;
  }

  // One row [dx, dy, pen] of the model's line.
  write(row) {
    if (this.landing) { this.landing = false; this.penUp = row[2] > 0.5; } // the pen stays at the line's start
    else Object.assign(this, drawStrokes(inkStyle(this.canvas.getContext("2d"), 2), row, this));
    // A line that reaches the right edge, or drifts most of a line's height up or down, ends at
    // the next pen lift (at once if it leaves the canvas): the model's lines do wander.
    if (this.x > this.width - MARGIN || Math.abs(this.y - this.baseY) > 0.8 * LINE_HEIGHT) this.wantNewLine = true;
  }

  // The model restarts: the pen lifts, and the fresh start goes on a fresh line.
  lift() { this.penUp = true; this.wantNewLine = true; }

  // Move to the next line (or page) once this one is done: after a pen lift, or at once if the pen
  // has left the canvas. True when it moved.
  endLine() {
    const { x, y, width, height } = this;
    if (!this.wantNewLine || !(this.penUp || x > width || y < 0 || y > height)) return false;
    this.line++;
    if (MARGIN + LINE_HEIGHT * (this.line + 1) > height) this.newPage(); else this.startLine();
    return true;
  }
}
