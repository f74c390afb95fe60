// fig-paths: at every point of a line, 50 short continuations sampled by the model, coloured by
// the way they veer from the real line (green: right, orange: left), computed live, point by point.
import { model } from "../../runtime/client.js";
import { attachFigure, playButton, whenVisible, count, prefersReducedMotion } from "../../runtime/figure.js";
import { loadSamples, linePicker } from "../../runtime/samples.js";
import { writeShared } from "../../runtime/share.js";
import { fitCanvas, clearCanvas, inkStyle, fitLine, drawFitted, drawStrokes } from "../../runtime/draw.js";

const N_PATHS = 50;

// What a link may set (runtime/share.js): the controls' values, and the seed of the draw. `sample`
// is the picker's option value, which linePicker takes only if the picker has that option.
export const shared = {
  sample: { type: "text", maxLength: 8 },
  steps: { type: "choice", values: [1, 2, 4, 8] },
  variation: { type: "choice", values: [0.3, 0.5, 0.65] },
  seed: { type: "integer", min: 0, max: 2 ** 31 - 1, default: 1 },
};
const MARGIN = 24; // px around the line

export function veerColor(v, alpha) {
  // diverging: grey at 0 → green (#1b9e77) for right (v < 0) → orange (#d95f02) for left (v > 0)
  const t = Math.min(1, Math.abs(v) * 4);
  const [r, g, b] = v < 0 ? [27, 158, 119] : [217, 95, 2];
  const mix = (c) => Math.round(150 + (c - 150) * t);
  return `rgba(${mix(r)}, ${mix(g)}, ${mix(b)}, ${alpha})`;
}

export async function mount(root, config) {
  const steps = root.querySelector("select.steps"), variation = root.querySelector("select.variation");
  steps.value = String(config.steps);
  variation.value = String(config.variation);
  const picker = linePicker(root, await loadSamples(config), config, restart);
  const picture = new Paths(root.querySelector("canvas.branches"), root.querySelector("canvas.line"), restart);
  const play = playButton(root.querySelector("button.play"), !prefersReducedMotion(), (on) => (on ? run() : stop())); // reduced motion: drawing waits for Play
  let job = null, visible = false, seed = config.seed;
  const say = attachFigure(root, () => { picker.pad.enabled = true; restart(); });
  root.dataset.pointsDone = "0";

  function restart(e) {
    stop();
    if (e) { // a reader's change: a new draw, and a link that reproduces it
      seed++;
      writeShared(root.id, { sample: picker.value, steps: steps.value, variation: variation.value, seed });
    }
    root.dataset.seed = String(seed);
    count(root, "jobs"); // restarts of the picture
    picture.show(picker.line());
    root.dataset.pointsDone = "0";
    say(picture.line ? "" : "Write a word in the box below, then press “Show paths”.");
    run();
  }

  function run() { // from the first point not drawn yet, spread over the model's workers
    const next = picture.next();
    if (!play.playing || !visible || job || model.status !== "ready" || next < 0) return;
    model.startHelpers();
    const n = Number(steps.value);
    const mine = model.spread("paths", {
      strokes: picture.line, n_paths: N_PATHS, steps: n, temperature: Number(variation.value), seed, start: next,
    }, { onProgress: (msg) => { if (job === mine) root.dataset.pointsDone = String(picture.drawPoints(msg, n)); } });
    root.dataset.workers = String(mine.workers);
    job = mine;
    mine.promise.then(() => { if (job === mine) job = null; }, (err) => {
      if (job === mine) job = null;
      if (!err.cancelled) say(err.message);
    });
  }

  function stop() { if (job) job.cancel(); job = null; }

  whenVisible(root, (on) => { visible = on; if (on) run(); else stop(); }); // compute only while on screen
  model.addEventListener("helpers", () => { if (job) { stop(); run(); } }); // one more core: re-split the rest of the line
  [steps, variation].forEach((el) => el.addEventListener("change", restart));
}

// The picture: the line in black on one canvas, over it on another the branches of each point
// drawn so far. A resize calls onResize (the layout changed, so the branches start over).
class Paths {
  constructor(branchCanvas, lineCanvas, onResize) {
    this.branchCanvas = branchCanvas;
    this.lineCanvas = lineCanvas;
    this.line = null;
    this.view = null;
    this.done = null; // 1 for each point whose branches are drawn
    this.ndone = 0;
    fitCanvas(branchCanvas, () => { if (this.view) onResize(); });
    fitCanvas(lineCanvas, () => this.drawLine());
  }

  // Start over on a line (flat, or null for none).
  show(line) {
    this.line = line;
    this.done = new Uint8Array(line ? line.length / 3 : 0);
    this.ndone = 0;
    clearCanvas(this.branchCanvas);
    const r = this.branchCanvas.getBoundingClientRect();
    this.view = line ? fitLine(line, r.width, r.height, MARGIN, true) : null;
    this.drawLine();
  }

  // The first point whose branches are not drawn yet, or −1.
  next() { return this.line ? this.done.indexOf(0) : -1; }

  drawLine() {
    const ctx = inkStyle(clearCanvas(this.lineCanvas), 1.6, "#111");
    if (this.line) drawFitted(ctx, this.line, this.view);
  }

  // A progress reply's points: each one's N_PATHS branches of `steps` steps, fading along their
  // length, and a dot sized by the chance that the pen lifts there. Returns how many points are drawn.
  drawPoints(msg, steps) {
    const ctx = this.branchCanvas.getContext("2d"), view = this.view, line = this.line;
    ctx.lineWidth = 1;
    for (let k = 0; k < msg.count; k++) {
      const i = msg.first + k * (msg.stride || 1);
      if (this.done[i]) continue; // drawn before a pause or a re-split: a point's branches never change
      this.done[i] = 1; this.ndone++;
      for (let b = 0; b < N_PATHS; b++) {
        const first = (k * N_PATHS + b) * steps; // the branch's first row in msg.branches
        // where the line's pen lifts, a branch's first step is a jump
        let at = { x: view.x(i), y: view.y(i), penUp: line[3 * i + 2] > 0.5 };
        for (let t = 0; t < steps && !(t > 0 && at.penUp); t++) { // a branch ends where its pen lifts
          ctx.strokeStyle = veerColor(msg.veer[k * N_PATHS + b], 0.35 * (1 - t / steps) + 0.05);
          at = drawStrokes(ctx, msg.branches, at, first + t, first + t + 1, view.s);
        }
      }
      ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
      ctx.beginPath(); ctx.arc(view.x(i), view.y(i), 0.8 + 5 * msg.eos[k], 0, 2 * Math.PI); ctx.fill();
    }
    return this.ndone;
  }
}
