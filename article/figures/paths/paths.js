// fig-paths: at every point of a line, 50 short continuations sampled by the model, coloured by
// the way they veer from the real line (green: right, orange: left), computed live, point by point.
import { model, flatten, attachFigure, fitCanvas, fitLine, prefersReducedMotion } from "../../runtime/client.js";
import { WritingPad, latestWriting } from "../../runtime/pad.js";
import { loadSamples, fillPicker } from "../../runtime/samples.js";
import { writeShared } from "../../runtime/share.js";

const N_PATHS = 50;
const MARGIN = 24; // px around the line

export function veerColor(v, alpha) {
  // diverging: grey at 0 → green (#1b9e77) for right (v < 0) → orange (#d95f02) for left (v > 0)
  const t = Math.min(1, Math.abs(v) * 4);
  const [r, g, b] = v < 0 ? [27, 158, 119] : [217, 95, 2];
  const mix = (c) => Math.round(150 + (c - 150) * t);
  return `rgba(${mix(r)}, ${mix(g)}, ${mix(b)}, ${alpha})`;
}

export async function mount(root, config) {
  const select = root.querySelector("select.sample");
  const stepsSel = root.querySelector("select.steps");
  const varSel = root.querySelector("select.variation");
  const playBtn = root.querySelector("button.play");
  const branchCanvas = root.querySelector("canvas.branches");
  const lineCanvas = root.querySelector("canvas.line");
  const own = root.querySelector(".own");
  const pad = new WritingPad(root.querySelector("canvas.write"));
  stepsSel.value = String(config.steps ?? 4);
  varSel.value = String(config.variation ?? 0.5);

  const samples = await loadSamples(config);
  fillPicker(select, samples, config.start);
  if (config.sample !== undefined && [...select.options].some((o) => o.value === String(config.sample))) select.value = String(config.sample);

  let job = null, done = null, ndone = 0, playing = !prefersReducedMotion(), view = null, line = null, seed = Number(config.seed ?? 1), visible = false;
  const say = attachFigure(root, () => { pad.enabled = true; restart(); });
  root.dataset.pointsDone = "0";

  const current = () => {
    if (select.value !== "own") return samples[Number(select.value)].strokes;
    const rows = pad.rows.length ? pad.rows : latestWriting.rows;
    return rows.length > 1 ? flatten(rows) : null;
  };

  function drawLine() {
    const ctx = lineCanvas.getContext("2d");
    const r = lineCanvas.getBoundingClientRect();
    ctx.clearRect(0, 0, r.width, r.height);
    if (!line) return;
    const { xs, ys, s, ox, oy } = view;
    ctx.lineWidth = 1.6; ctx.lineCap = ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    ctx.beginPath();
    for (let i = 0; i < xs.length; i++) {
      const penUpBefore = i > 0 && line[3 * (i - 1) + 2] > 0.5;
      if (i === 0 || penUpBefore) ctx.moveTo(ox + xs[i] * s, oy + ys[i] * s); else ctx.lineTo(ox + xs[i] * s, oy + ys[i] * s);
    }
    ctx.stroke();
  }

  function drawPoints(msg, steps) {
    const ctx = branchCanvas.getContext("2d");
    const { xs, ys, s, ox, oy } = view;
    ctx.lineWidth = 1;
    for (let k = 0; k < msg.count; k++) {
      const i = msg.first + k * (msg.stride || 1);
      if (done[i]) continue; // drawn before a pause or a re-split: a point's branches never change
      done[i] = 1; ndone++;
      for (let b = 0; b < N_PATHS; b++) {
        let x = ox + xs[i] * s, y = oy + ys[i] * s;
        const base = ((k * N_PATHS + b) * steps) * 3;
        const lifted = line[3 * i + 2] > 0.5; // the line's pen lifts here: a branch's first step is a jump
        for (let t = 0; t < steps; t++) {
          const nx = x + msg.branches[base + 3 * t] * s, ny = y + msg.branches[base + 3 * t + 1] * s;
          ctx.strokeStyle = veerColor(msg.veer[k * N_PATHS + b], 0.35 * (1 - t / steps) + 0.05);
          if (t > 0 || !lifted) { ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(nx, ny); ctx.stroke(); }
          if (msg.branches[base + 3 * t + 2] > 0.5) break; // the pen lifted: the branch ends here
          x = nx; y = ny;
        }
      }
      ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
      ctx.beginPath(); ctx.arc(ox + xs[i] * s, oy + ys[i] * s, 0.8 + 5 * msg.eos[k], 0, 2 * Math.PI); ctx.fill();
    }
  }

  function clearBranches() {
    const ctx = branchCanvas.getContext("2d");
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, branchCanvas.width, branchCanvas.height); ctx.restore();
  }

  function restart(e) {
    if (job) job.cancel();
    job = null;
    if (e) { // a reader's change: a new draw, and a link that reproduces it
      seed++;
      writeShared(root.id, { sample: select.value, steps: stepsSel.value, variation: varSel.value, seed });
    }
    root.dataset.seed = String(seed);
    root.dataset.jobs = String(Number(root.dataset.jobs || 0) + 1); // restarts of the picture
    own.hidden = select.value !== "own";
    line = current();
    done = new Uint8Array(line ? line.length / 3 : 0); ndone = 0;
    clearBranches();
    root.dataset.pointsDone = "0";
    const r = branchCanvas.getBoundingClientRect();
    view = line ? fitLine(line, r.width, r.height, MARGIN, true) : null;
    drawLine();
    if (!line) { say("Write a word in the box below, then press “Show paths”."); return; }
    say("");
    run();
  }

  function run() {
    const next = done ? done.indexOf(0) : -1; // the first point not drawn yet
    if (!playing || !visible || job || !line || model.status !== "ready" || next < 0) return;
    model.startHelpers();
    const steps = Number(stepsSel.value);
    const mine = model.spread("paths", {
      strokes: line, n_paths: N_PATHS, steps, temperature: Number(varSel.value), seed, start: next,
    }, {
      onProgress: (msg) => {
        if (job !== mine) return;
        drawPoints(msg, steps);
        root.dataset.pointsDone = String(ndone);
      },
    });
    root.dataset.workers = String(mine.workers);
    job = mine;
    mine.promise.then(() => { if (job === mine) job = null; }, (err) => {
      if (job === mine) job = null;
      if (!err.cancelled) say(err.message);
    });
  }

  playBtn.textContent = playing ? "Pause" : "Play"; // reduced motion: drawing waits for Play
  playBtn.setAttribute("aria-pressed", String(playing));
  fitCanvas(branchCanvas, () => { if (view) restart(); });
  new IntersectionObserver((entries) => { // compute only while the figure is on screen
    visible = entries[0].isIntersecting;
    if (!visible && job) { job.cancel(); job = null; } else if (visible) run();
  }).observe(root);
  fitCanvas(lineCanvas, () => drawLine());
  model.addEventListener("helpers", () => { // one more core: re-split the rest of the line
    if (job) { job.cancel(); job = null; run(); }
  });
  [select, stepsSel, varSel].forEach((el) => el.addEventListener("change", restart));
  root.querySelector("button.use").addEventListener("click", restart);
  root.querySelector("button.clear-own").addEventListener("click", () => { pad.clear(); restart(); });
  playBtn.addEventListener("click", () => {
    playing = !playing;
    playBtn.textContent = playing ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", String(playing));
    if (!playing && job) { job.cancel(); job = null; } else if (playing && !job) run();
  });
}
