// fig-generate: the model writes by itself, line after line, at the chosen Variation.
import { model, attachFigure, fitCanvas, prefersReducedMotion, PX_PER_UNIT } from "../../runtime/client.js";

const CHUNK = 60; // points asked for per request
const PER_FRAME = 2; // points drawn per animation frame (~120 points a second)
const LINE_HEIGHT = 100; // px between lines
const MARGIN = 30; // px
const STALL_STEP = 0.05; // article units: a step this short barely moves the pen (as training.export counts stalls)
const STALL_POINTS = 150; // this many such steps in a row: the model is stuck hovering, so it restarts

export function mount(root, config) {
  const canvas = root.querySelector("canvas.ink");
  const varInput = root.querySelector("input.variation");
  const playBtn = root.querySelector("button.play");
  varInput.value = config.variation ?? 0.6;
  const show = () => { varInput.nextElementSibling.textContent = varInput.value; };
  show();
  varInput.addEventListener("input", show);

  let queue = []; // [dx, dy, pen] rows waiting to be drawn
  let inflight = false, reset = true, seed = 1, visible = true, drawn = 0, still = 0, restarts = 0;
  let playing = !prefersReducedMotion(); // reduced motion: nothing moves until the reader asks
  let width = 600, height = 300, line = 0, x = MARGIN, y = 0, baseY = 0, penUp = true, wantNewLine = false, landing = true;
  const setPlaying = (p) => {
    playing = p;
    playBtn.textContent = playing ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", String(playing));
  };
  setPlaying(playing);

  fitCanvas(canvas, (ctx, w, h) => { width = w; height = h; newPage(ctx); });
  function newPage(ctx) {
    ctx.clearRect(0, 0, width, height);
    line = 0; startLine();
  }
  // A new line does not restart the model: it keeps writing from its state, and the pen lands at
  // the line's start instead of where the model's jump after the lift would take it.
  function startLine() {
    x = MARGIN; y = baseY = MARGIN + LINE_HEIGHT * (line + 0.5); penUp = true;
    landing = true; wantNewLine = false;
  }

  new IntersectionObserver((entries) => { visible = entries[0].isIntersecting; }).observe(root);
  playBtn.addEventListener("click", () => setPlaying(!playing));

  const fetchMore = () => {
    if (inflight || queue.length > CHUNK / 2) return;
    inflight = true;
    const job = model.request("generate", {
      session: root.id, n: CHUNK, temperature: Number(varInput.value), seed: seed++, reset,
    });
    reset = false;
    const asked = restarts;
    job.promise.then((r) => {
      if (asked !== restarts) return; // asked before a restart: the rest of a stuck line
      for (let i = 0; i < r.strokes.length; i += 3) queue.push([r.strokes[i], r.strokes[i + 1], r.strokes[i + 2]]);
    }, () => { reset = true; }).finally(() => { inflight = false; });
  };

  function frame() {
    if (playing && visible) {
      fetchMore();
      const ctx = canvas.getContext("2d");
      ctx.lineWidth = 2; ctx.lineCap = ctx.lineJoin = "round"; ctx.strokeStyle = "#222";
      for (let k = 0; k < PER_FRAME && queue.length; k++) {
        const [dx, dy, pen] = queue.shift();
        const nx = landing ? x : x + dx * PX_PER_UNIT, ny = landing ? y : y + dy * PX_PER_UNIT;
        landing = false;
        if (!penUp) { ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(nx, ny); ctx.stroke(); }
        x = nx; y = ny; penUp = pen > 0.5; drawn++;
        still = Math.hypot(dx, dy) < STALL_STEP ? still + 1 : 0;
        if (still >= STALL_POINTS) { // the model hovers in place: a fresh start on a fresh line
          still = 0; restarts++; reset = true; queue = []; wantNewLine = true; penUp = true;
          root.dataset.restarts = String(restarts);
        }
        // A line that reaches the right edge, or drifts most of a line's height up or down, ends at
        // the next pen lift (at once if it leaves the canvas): the model's lines do wander.
        if (x > width - MARGIN || Math.abs(y - baseY) > 0.8 * LINE_HEIGHT) wantNewLine = true;
        if (wantNewLine && (penUp || x > width || y < 0 || y > height)) { // finish the letter, then a fresh line
          line++;
          if (MARGIN + LINE_HEIGHT * (line + 1) > height) newPage(ctx); else startLine();
          break;
        }
      }
      root.dataset.points = String(drawn);
    }
    requestAnimationFrame(frame);
  }
  attachFigure(root, () => requestAnimationFrame(frame));
}
