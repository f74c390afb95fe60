// fig-continue: write on the canvas and the model keeps predicting what comes next.
import { model, flatten, attachFigure, fitCanvas, drawStrokes, PX_PER_UNIT } from "../../runtime/client.js";

const MIN_SPACING = 5.5; // px between kept pointer points (the 2016 page's value)
const MAX_ROWS = 20000; // the engine's limit on a line
const FEED_CHUNK = 400; // rows fed per request, so a huge drawing never blocks the worker long
const FADE_MS = 2500; // older predictions fade out over this time
const INTERVAL_MS = 80; // at most one prediction request per interval

export function mount(root, config) {
  const ink = root.querySelector("canvas.ink");
  const ghost = root.querySelector("canvas.ghost");
  const lengthInput = root.querySelector("input.length");
  const varInput = root.querySelector("input.variation");
  const playBtn = root.querySelector("button.play");
  const clearBtn = root.querySelector("button.clear");
  const show = (input) => { input.nextElementSibling.textContent = input.value; };
  lengthInput.value = config.length ?? 20;
  varInput.value = config.variation ?? 0.35;
  [lengthInput, varInput].forEach((i) => { show(i); i.addEventListener("input", () => show(i)); });

  let strokes = []; // kept points per stroke, CSS px, for redraws
  let rows = []; // model rows [dx, dy, pen], confirmed (the newest point is held back)
  let pos = []; // CSS px of each row's point
  let held = null; // {row, p}: the newest point; its pen_lift is known only when the next one comes
  let last = null; // CSS px of the newest kept point
  let sent = 0, reset = true, inflight = false, playing = true, seed = 1, lastAsk = 0, full = false;
  let predictions = [];
  const say = attachFigure(root, () => requestAnimationFrame(frame));

  fitCanvas(ink, (ctx) => {
    ctx.lineWidth = 2.2; ctx.lineCap = ctx.lineJoin = "round"; ctx.strokeStyle = "#222";
    for (const s of strokes) {
      ctx.beginPath();
      s.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
      if (s.length === 1) ctx.lineTo(s[0].x + 0.1, s[0].y);
      ctx.stroke();
    }
  });
  fitCanvas(ghost, () => {});

  const point = (e) => {
    const r = ink.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const commit = () => {
    if (!held) return;
    rows.push(held.row); pos.push(held.p); held = null;
  };
  const add = (p, newStroke) => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || Math.abs(p.x) > 1e6 || Math.abs(p.y) > 1e6) return;
    if (rows.length + 1 >= MAX_ROWS) {
      if (!full) say(`That drawing has reached ${MAX_ROWS.toLocaleString()} points, the most the model takes: Clear to write more.`);
      full = true;
      return;
    }
    if (!newStroke && last && Math.hypot(p.x - last.x, p.y - last.y) < MIN_SPACING) return;
    commit();
    const row = last ? [(p.x - last.x) / PX_PER_UNIT, (p.y - last.y) / PX_PER_UNIT, 0] : [0, 0, 0];
    held = { row, p };
    const ctx = ink.getContext("2d");
    ctx.beginPath();
    if (newStroke || !last) { strokes.push([p]); ctx.moveTo(p.x, p.y); ctx.lineTo(p.x + 0.1, p.y); }
    else { strokes[strokes.length - 1].push(p); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); }
    ctx.stroke();
    last = p;
  };

  let drawing = false;
  ink.addEventListener("pointerdown", (e) => {
    if (root.dataset.live !== "true") return;
    e.preventDefault();
    try { ink.setPointerCapture(e.pointerId); } catch (err) { /* synthetic or already-released pointer */ }
    drawing = true;
    add(point(e), true);
  });
  ink.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) add(point(ev), false);
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    if (held) { held.row[2] = 1; commit(); } // the pen lifted here: pen_lift = 1 reaches the model
    else if (rows.length) rows[rows.length - 1][2] = 1;
  };
  ink.addEventListener("pointerup", end);
  ink.addEventListener("pointercancel", end);

  const ask = () => {
    const now = performance.now();
    if (!playing || inflight || model.status !== "ready" || !rows.length || now - lastAsk < INTERVAL_MS) return;
    const append = rows.slice(sent, sent + FEED_CHUNK);
    const upto = sent + append.length;
    inflight = true; lastAsk = now;
    const job = model.request("continue", {
      session: root.id, append: flatten(append), reset, n: Number(lengthInput.value),
      temperature: Number(varInput.value), seed: seed++,
    });
    reset = false;
    job.promise.then((r) => {
      sent = upto;
      if (sent === rows.length || upto >= rows.length - 1) {
        predictions.push({ origin: pos[upto - 1], pts: r.strokes, born: performance.now() });
        root.dataset.predictions = String(Number(root.dataset.predictions || 0) + 1);
        root.dataset.lastLength = String(r.strokes.length / 3);
      }
    }, (err) => {
      if (!err.cancelled) say(err.message);
      reset = true; sent = 0; // resynchronise from the start of the drawing
    }).finally(() => { inflight = false; });
  };

  function frame() {
    ask();
    const ctx = ghost.getContext("2d");
    const w = ghost.width, h = ghost.height;
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, w, h); ctx.restore();
    const now = performance.now();
    predictions = predictions.filter((p) => now - p.born < FADE_MS);
    ctx.lineWidth = 2; ctx.lineCap = ctx.lineJoin = "round";
    predictions.forEach((p, i) => {
      const newest = i === predictions.length - 1;
      ctx.strokeStyle = newest ? "rgba(214, 39, 40, 0.95)" : `rgba(214, 39, 40, ${0.35 * (1 - (now - p.born) / FADE_MS)})`;
      drawStrokes(ctx, p.pts, p.origin);
    });
    root.dataset.rows = String(rows.length + (held ? 1 : 0));
    requestAnimationFrame(frame);
  }

  playBtn.addEventListener("click", () => {
    playing = !playing;
    playBtn.textContent = playing ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", String(playing));
  });
  clearBtn.addEventListener("click", () => {
    strokes = []; rows = []; pos = []; held = null; last = null; predictions = [];
    sent = 0; reset = true; full = false; say("");
    const ctx = ink.getContext("2d");
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, ink.width, ink.height); ctx.restore();
    root.dataset.rows = "0";
  });
}
