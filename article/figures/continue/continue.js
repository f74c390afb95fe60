// fig-continue: write on the canvas and the model keeps predicting what comes next.
import { model } from "../../runtime/client.js";
import { attachFigure, playButton, slider, onClick, count } from "../../runtime/figure.js";
import { WritingPad, PadSession } from "../../runtime/pad.js";
import { offerSamples } from "../../runtime/samples.js";
import { fitCanvas, clearCanvas, inkStyle, drawStrokes } from "../../runtime/draw.js";

const FADE_MS = 2500; // older predictions fade out over this time
const INTERVAL_MS = 80; // at most one prediction request per interval

export const shared = { // what a link may set (runtime/share.js)
  length: { type: "integer", min: 5, max: 200 },
  variation: { type: "number", min: 0.1, max: 0.7 },
};

export function mount(root, config) {
  const pad = new WritingPad(root.querySelector("canvas.ink"));
  const length = slider(root.querySelector("input.length"), config.length);
  const variation = slider(root.querySelector("input.variation"), config.variation);
  const play = playButton(root.querySelector("button.play"), true);
  const ghosts = new Predictions(root.querySelector("canvas.ghost"));
  const say = attachFigure(root, () => { pad.enabled = true; requestAnimationFrame(frame); });
  const predict = predictor(root, pad, ghosts, say, () => play.playing && {
    n: Number(length.value), temperature: Number(variation.value),
  });
  pad.addEventListener("full", (e) => say(`That drawing has reached ${e.detail.toLocaleString()} points, the most the model takes: Clear to write more.`));

  function frame() {
    predict.ask();
    ghosts.draw();
    root.dataset.rows = String(pad.count);
    requestAnimationFrame(frame);
  }

  offerSamples(root, pad, { cycle: true });
  onClick(root, "button.clear", () => {
    pad.clear(); ghosts.clear(); predict.restart(); say("");
    root.dataset.rows = "0";
  });
}

// Asks the model, at most every INTERVAL_MS, to continue the pad's writing from where the pen is,
// and adds each answer to `ghosts`; settings() gives the request's {n, temperature}, or false while
// paused; say(sentence) reports a failure.
function predictor(root, pad, ghosts, say, settings) {
  const session = new PadSession(pad, root.id);
  let seed = 1, lastAsk = 0;
  return {
    restart: () => session.restart(),
    ask() {
      const now = performance.now(), asked = settings();
      if (!asked || session.busy || model.status !== "ready" || !pad.rows.length || now - lastAsk < INTERVAL_MS) return;
      lastAsk = now;
      session.request("continue", { ...asked, seed: seed++ }).then((r) => {
        const upto = session.sent;
        if (!r || upto < pad.rows.length - 1) return; // only predictions from where the pen is now
        const origin = { ...pad.pos[upto - 1], penUp: pad.rows[upto - 1][2] > 0.5 }; // a lifted pen: no line to the jump
        ghosts.add(origin, r.strokes);
        count(root, "predictions");
        root.dataset.lastLength = String(r.strokes.length / 3);
      }, (err) => { if (!err.cancelled) say(err.message); });
    },
  };
}

// The model's predictions in red over the writing: the newest solid, older ones fading out.
class Predictions {
  constructor(canvas) {
    this.canvas = canvas;
    this.list = [];
    fitCanvas(canvas, () => {});
  }

  add(origin, strokes) { this.list.push({ origin, strokes, born: performance.now() }); }

  clear() { this.list = []; }

  draw() {
    const ctx = inkStyle(clearCanvas(this.canvas), 2);
    const now = performance.now();
    this.list = this.list.filter((p) => now - p.born < FADE_MS);
    this.list.forEach((p, i) => {
      const newest = i === this.list.length - 1;
      ctx.strokeStyle = newest ? "rgba(214, 39, 40, 0.95)" : `rgba(214, 39, 40, ${0.35 * (1 - (now - p.born) / FADE_MS)})`;
      drawStrokes(ctx, p.strokes, p.origin);
    });
  }
}
