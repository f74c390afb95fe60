// fig-cells: every cell of the model along a line, as a heatmap (one row per cell, one column per
// point), rows in the build's 1-D t-SNE order or unsorted; pick a cell to colour the line by it.
import { model, flatten, attachFigure, fitCanvas, fitLine } from "../../runtime/client.js";
import { WritingPad, latestWriting } from "../../runtime/pad.js";
import { loadSamples, fillPicker } from "../../runtime/samples.js";

const NEG = [140, 81, 10], MID = [245, 245, 245], POS = [1, 102, 94]; // brown – white – teal

export function color(v) {
  const t = Math.max(-1, Math.min(1, v));
  const end = t < 0 ? NEG : POS, a = Math.abs(t);
  return MID.map((m, i) => Math.round(m + (end[i] - m) * a));
}

// The figure opens on the first cell the prose names (a "cell 123" link), else the first in order.
function firstCited(fallback) {
  const ref = document.querySelector("a.cell-ref");
  return ref ? Number(ref.dataset.cell) : fallback;
}

export async function mount(root, config) {
  const select = root.querySelector("select.sample");
  const orderSel = root.querySelector("select.order");
  const strokeCanvas = root.querySelector("canvas.strokes");
  const heat = root.querySelector("canvas.heat");
  const readout = root.querySelector(".readout");
  const own = root.querySelector(".own");
  const pad = new WritingPad(root.querySelector("canvas.write"));
  const samples = await loadSamples(config);
  fillPicker(select, samples, config.start);
  const cellsInfo = await (await fetch(new URL("data/cells.json", document.baseURI))).json();
  orderSel.value = config.order || "sorted";

  let line = null, values = null, T = 0, H = 0, cell = firstCited(cellsInfo.order[0]), step = 0, job = 0;
  const base = document.createElement("canvas"); // the heatmap at one pixel per (step, cell)
  const rowCell = (r) => (orderSel.value === "sorted" ? cellsInfo.order[r] : r);
  const cellRow = (c) => (orderSel.value === "sorted" ? cellsInfo.order.indexOf(c) : c);
  const say = attachFigure(root, () => { pad.enabled = true; load(); });

  async function load() {
    own.hidden = select.value !== "own";
    const strokes = select.value === "own"
      ? ((pad.rows.length ? pad.rows : latestWriting.rows).length > 1 ? flatten(pad.rows.length ? pad.rows : latestWriting.rows) : null)
      : samples[Number(select.value)].strokes;
    if (!strokes) { line = values = null; say("Write a word in the box below, then press “Show cells”."); draw(); return; }
    const mine = ++job;
    try {
      const r = await model.request("activations", { strokes }).promise;
      if (mine !== job) return;
      line = strokes; T = line.length / 3; H = r.c.length / T;
      values = new Float32Array(r.c.length);
      for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) values[t * H + h] = Math.tanh(r.c[t * H + h] * cellsInfo.signs[h]);
      step = Math.min(step, T - 1);
      say("");
      paintBase();
      draw();
    } catch (err) { if (mine === job) say(err.message); }
  }

  function paintBase() {
    base.width = T; base.height = H;
    const ctx = base.getContext("2d");
    const img = ctx.createImageData(T, H);
    for (let r = 0; r < H; r++) {
      const h = rowCell(r);
      for (let t = 0; t < T; t++) {
        const [cr, cg, cb] = color(values[t * H + h]);
        const k = 4 * (r * T + t);
        img.data[k] = cr; img.data[k + 1] = cg; img.data[k + 2] = cb; img.data[k + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  function draw() {
    const hr = heat.getBoundingClientRect(), sr = strokeCanvas.getBoundingClientRect();
    const hctx = heat.getContext("2d"), sctx = strokeCanvas.getContext("2d");
    hctx.clearRect(0, 0, hr.width, hr.height);
    sctx.clearRect(0, 0, sr.width, sr.height);
    if (!values) return;
    hctx.imageSmoothingEnabled = false;
    hctx.drawImage(base, 0, 0, hr.width, hr.height);
    const cw = hr.width / T, rh = hr.height / H, row = cellRow(cell);
    hctx.strokeStyle = "#000"; hctx.lineWidth = 1;
    hctx.strokeRect(0.5, row * rh - 1, hr.width - 1, rh + 2);
    hctx.fillStyle = "rgba(0, 0, 0, 0.5)";
    hctx.fillRect(step * cw, 0, Math.max(1, cw), hr.height);
    // the line, each segment coloured by the chosen cell
    const { xs, ys, s, ox, oy } = fitLine(line, sr.width, sr.height, 10, false);
    sctx.lineWidth = 3; sctx.lineCap = "round";
    for (let t = 1; t < T; t++) {
      if (line[3 * (t - 1) + 2] > 0.5) continue; // pen was up on the way to point t
      const [r, g, b] = color(values[t * H + cell]);
      sctx.strokeStyle = `rgb(${r}, ${g}, ${b})`;
      sctx.beginPath(); sctx.moveTo(ox + xs[t - 1] * s, oy + ys[t - 1] * s); sctx.lineTo(ox + xs[t] * s, oy + ys[t] * s); sctx.stroke();
    }
    sctx.fillStyle = "#000";
    sctx.beginPath(); sctx.arc(ox + xs[step] * s, oy + ys[step] * s, 4, 0, 2 * Math.PI); sctx.fill();
    const v = values[step * H + cell];
    readout.textContent = `Cell ${cell} · point ${step} of ${T} · tanh(c) = ${v.toFixed(3)}`;
    root.dataset.cell = String(cell);
    root.dataset.step = String(step);
  }

  const pick = (e) => {
    if (!values) return;
    const r = heat.getBoundingClientRect();
    const row = Math.max(0, Math.min(H - 1, Math.floor(((e.clientY - r.top) / r.height) * H)));
    step = Math.max(0, Math.min(T - 1, Math.floor(((e.clientX - r.left) / r.width) * T)));
    cell = rowCell(row);
    draw();
  };
  let dragging = false;
  heat.addEventListener("pointerdown", (e) => { dragging = true; try { heat.setPointerCapture(e.pointerId); } catch (err) { /* synthetic */ } pick(e); });
  heat.addEventListener("pointermove", (e) => { if (dragging) pick(e); });
  heat.addEventListener("pointerup", () => { dragging = false; });
  heat.addEventListener("keydown", (e) => {
    if (!values) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const big = e.shiftKey ? 10 : 1;
    cell = rowCell(Math.max(0, Math.min(H - 1, cellRow(cell) + m[0] * big)));
    step = Math.max(0, Math.min(T - 1, step + m[1] * big));
    draw();
  });
  fitCanvas(heat, () => draw());
  fitCanvas(strokeCanvas, () => draw());
  select.addEventListener("change", load);
  orderSel.addEventListener("change", () => { root.dataset.order = orderSel.value; if (values) { paintBase(); draw(); } });
  root.dataset.order = orderSel.value;
  document.addEventListener("click", (e) => { // "cell 123" links in the prose select that cell here
    const ref = e.target.closest && e.target.closest("a.cell-ref");
    if (!ref || !values) return;
    cell = Number(ref.dataset.cell);
    draw();
  });
  root.querySelector("button.use").addEventListener("click", load);
  root.querySelector("button.clear-own").addEventListener("click", () => { pad.clear(); load(); });
}
