// fig-continue: write on the canvas and the model keeps predicting what comes next.
import { model, flatten, attachFigure, fitCanvas, drawStrokes } from "../../runtime/client.js";
import { generatedLines } from "../../runtime/samples.js";
import { WritingPad } from "../../runtime/pad.js";

const FEED_CHUNK = 400; // rows fed per request, so a huge drawing never blocks the worker long
const FADE_MS = 2500; // older predictions fade out over this time
const INTERVAL_MS = 80; // at most one prediction request per interval

export function mount(root, config) {
  const pad = new WritingPad(root.querySelector("canvas.ink"));
  const ghost = root.querySelector("canvas.ghost");
  const lengthInput = root.querySelector("input.length");
  const varInput = root.querySelector("input.variation");
  const playBtn = root.querySelector("button.play");
  const show = (input) => { input.nextElementSibling.textContent = input.value; };
  lengthInput.value = config.length ?? 20;
  varInput.value = config.variation ?? 0.35;
  [lengthInput, varInput].forEach((i) => { show(i); i.addEventListener("input", () => show(i)); });

  let sent = 0, reset = true, inflight = false, playing = true, seed = 1, lastAsk = 0, drawingId = 0;
  let predictions = [];
  const say = attachFigure(root, () => { pad.enabled = true; requestAnimationFrame(frame); });
  fitCanvas(ghost, () => {});
  pad.addEventListener("full", (e) => say(`That drawing has reached ${e.detail.toLocaleString()} points, the most the model takes: Clear to write more.`));

  const ask = () => {
    const now = performance.now();
    if (!playing || inflight || model.status !== "ready" || !pad.rows.length || now - lastAsk < INTERVAL_MS) return;
    const append = pad.rows.slice(sent, sent + FEED_CHUNK);
    const upto = sent + append.length;
    inflight = true; lastAsk = now;
    const job = model.request("continue", {
      session: root.id, append: flatten(append), reset, n: Number(lengthInput.value),
      temperature: Number(varInput.value), seed: seed++,
    });
    reset = false;
    const askedFor = drawingId;
    job.promise.then((r) => {
      if (askedFor !== drawingId) return; // the drawing was cleared meanwhile
      sent = upto;
      if (upto >= pad.rows.length - 1) { // only predictions from where the pen is now
        const origin = { ...pad.pos[upto - 1], penUp: pad.rows[upto - 1][2] > 0.5 }; // a lifted pen: no line to the jump
        predictions.push({ origin, pts: r.strokes, born: performance.now() });
        root.dataset.predictions = String(Number(root.dataset.predictions || 0) + 1);
        root.dataset.lastLength = String(r.strokes.length / 3);
      }
    }, (err) => {
      if (askedFor !== drawingId) return;
      if (!err.cancelled) say(err.message);
      reset = true; sent = 0; // resynchronise from the start of the drawing
    }).finally(() => { inflight = false; });
  };

  function frame() {
    ask();
    const ctx = ghost.getContext("2d");
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, ghost.width, ghost.height); ctx.restore();
    const now = performance.now();
    predictions = predictions.filter((p) => now - p.born < FADE_MS);
    ctx.lineWidth = 2; ctx.lineCap = ctx.lineJoin = "round";
    predictions.forEach((p, i) => {
      const newest = i === predictions.length - 1;
      ctx.strokeStyle = newest ? "rgba(214, 39, 40, 0.95)" : `rgba(214, 39, 40, ${0.35 * (1 - (now - p.born) / FADE_MS)})`;
      drawStrokes(ctx, p.pts, p.origin);
    });
    root.dataset.rows = String(pad.count);
    requestAnimationFrame(frame);
  }

  playBtn.addEventListener("click", () => {
    playing = !playing;
    playBtn.textContent = playing ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", String(playing));
  });
  root.querySelector("button.sample").addEventListener("click", async () => {
    const lines = await generatedLines();
    const line = lines[Number(root.dataset.samples || 0) % lines.length];
    root.dataset.samples = String(Number(root.dataset.samples || 0) + 1);
    root.querySelector("button.clear").click();
    pad.writeLine(line);
  });
  root.querySelector("button.clear").addEventListener("click", () => {
    pad.clear(); predictions = []; sent = 0; reset = true; drawingId++; say("");
    root.dataset.rows = "0";
  });
}
