// Drawing for the figures: canvases sized to the screen, lines of strokes, and the diverging palette
// of the cell heatmaps. A line is a flat array (T × 3: dx, dy, pen_lift) in article units; the
// canvases draw in CSS px.
import { PX_PER_UNIT, PALETTE } from "./config.js";

// A canvas sized to its CSS box and the device's pixel ratio; calls draw(ctx, width, height) now
// and after every resize that changes its bitmap (which also clears it). The observer only asks
// for a fit in the next animation frame: a bitmap resized inside the observer's callback can
// resize the canvas again (a height taken from its aspect ratio, a scrollbar coming or going),
// which browsers report as an uncaught "ResizeObserver loop" error.
export function fitCanvas(canvas, draw) {
  let asked = false;
  const fit = (always) => {
    asked = false;
    const r = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
    if (!always && w === canvas.width && h === canvas.height) return;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw(ctx, r.width, r.height);
  };
  new ResizeObserver(() => {
    if (!asked) { asked = true; requestAnimationFrame(() => fit(false)); }
  }).observe(canvas);
  fit(true);
}

// Clear a canvas' whole bitmap, whatever its transform; returns its context.
export function clearCanvas(canvas) {
  const ctx = canvas.getContext("2d");
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.restore();
  return ctx;
}

// Round pen strokes `width` CSS px wide; returns the context.
export function inkStyle(ctx, width, color = "#222") {
  ctx.lineWidth = width;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.strokeStyle = color;
  return ctx;
}

// A line's absolute points (the pen starts at 0, 0 and each row moves it) and their bounding box;
// with `withStart` the box holds the starting point too.
export function lineBox(flat, withStart = false) {
  const n = flat.length / 3, xs = new Float32Array(n), ys = new Float32Array(n);
  let x = 0, y = 0, x0 = withStart ? 0 : Infinity, x1 = -x0, y0 = x0, y1 = -x0;
  for (let i = 0; i < n; i++) {
    x += flat[3 * i]; y += flat[3 * i + 1]; xs[i] = x; ys[i] = y;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return { xs, ys, x0, x1, y0, y1 };
}

// Where a line goes in a w × h box: the scale s (≤ PX_PER_UNIT) and offset (ox, oy) that fit it with
// a margin, centred vertically and, if `centre`, horizontally; x(i), y(i) place point i in CSS px.
export function fitLine(flat, w, h, margin, centre) {
  const { xs, ys, x0, x1, y0, y1 } = lineBox(flat);
  const s = Math.min(PX_PER_UNIT, (w - 2 * margin) / Math.max(1e-6, x1 - x0), (h - 2 * margin) / Math.max(1e-6, y1 - y0));
  const ox = margin - x0 * s + (centre ? ((w - 2 * margin) - (x1 - x0) * s) / 2 : 0);
  const oy = h / 2 - ((y0 + y1) / 2) * s;
  return { xs, ys, s, ox, oy, x: (i) => ox + xs[i] * s, y: (i) => oy + ys[i] * s };
}

// Draw strokes (rows start … end − 1) from an origin {x, y, penUp} in CSS px, `scale` px per unit;
// returns the end point. With penUp (the pen lifted at the origin) the first offset is a jump to
// the next stroke and is not drawn.
export function drawStrokes(ctx, flat, origin, start = 0, end = flat.length / 3, scale = PX_PER_UNIT) {
  let x = origin.x, y = origin.y, penUp = Boolean(origin.penUp);
  ctx.beginPath();
  ctx.moveTo(x, y);
  for (let i = start; i < end; i++) {
    x += flat[3 * i] * scale;
    y += flat[3 * i + 1] * scale;
    if (penUp) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    penUp = flat[3 * i + 2] > 0.5;
  }
  ctx.stroke();
  return { x, y, penUp };
}

// A line where fitLine placed it (`view`), as one path.
export function drawFitted(ctx, flat, view) {
  if (!view.xs.length) return;
  drawStrokes(ctx, flat, { x: view.x(0), y: view.y(0), penUp: flat[2] > 0.5 }, 1, view.xs.length, view.s);
}

// A line where fitLine placed it, each pen-down step in its own colour: colorAt(t) for the step
// that ends at point t.
export function drawFittedColoured(ctx, flat, view, colorAt) {
  for (let t = 1; t < view.xs.length; t++) {
    if (flat[3 * (t - 1) + 2] > 0.5) continue; // the pen was up on the way to point t
    ctx.strokeStyle = colorAt(t);
    ctx.beginPath(); ctx.moveTo(view.x(t - 1), view.y(t - 1)); ctx.lineTo(view.x(t), view.y(t)); ctx.stroke();
  }
}

// The diverging palette (the build's PNG heatmaps use the same colours, from the page config):
// v in [−1, 1] → [r, g, b], brown below 0, near-white at 0, teal above.
export function color(v) {
  const t = Math.max(-1, Math.min(1, v));
  const end = t < 0 ? PALETTE.neg : PALETTE.pos, a = Math.abs(t);
  return PALETTE.mid.map((m, i) => Math.round(m + (end[i] - m) * a));
}

export function cssColor(v) {
  const [r, g, b] = color(v);
  return `rgb(${r}, ${g}, ${b})`;
}

// A heatmap at one pixel per value: the canvas becomes cols × rows pixels, valueAt(row, col) in
// [−1, 1] coloured by the palette.
export function paintHeatmap(canvas, rows, cols, valueAt) {
  canvas.width = cols; canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [cr, cg, cb] = color(valueAt(r, c));
      const k = 4 * (r * cols + c);
      img.data[k] = cr; img.data[k + 1] = cg; img.data[k + 2] = cb; img.data[k + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

// The heatmaps' keys (CSS .key .bar) draw their gradient from these custom properties.
for (const [name, [r, g, b]] of Object.entries(PALETTE)) document.documentElement.style.setProperty(`--palette-${name}`, `rgb(${r}, ${g}, ${b})`);
