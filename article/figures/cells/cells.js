// fig-cells: every cell of the model along a line, as a heatmap (one row per cell, one column per
// point), rows in the build's 1-D t-SNE order or unsorted; pick a cell to colour the line by it.
import { model } from "../../runtime/client.js";
import { attachFigure } from "../../runtime/figure.js";
import { loadSamples, linePicker, loadCells } from "../../runtime/samples.js";
import { fitCanvas, clearCanvas, fitLine, drawFittedColoured, cssColor, paintHeatmap } from "../../runtime/draw.js";

// The figure opens on the first cell the prose names (a "cell 123" link), else the first in order.
function firstCited(fallback) {
  const ref = document.querySelector("a.cell-ref");
  return ref ? Number(ref.dataset.cell) : fallback;
}

export const shared = { order: { type: "choice", values: ["sorted", "unsorted"] } }; // what a link may set (runtime/share.js)

export async function mount(root, config) {
  const orderSel = root.querySelector("select.order");
  if (config.order) orderSel.value = config.order;
  const [samples, cellsInfo] = await Promise.all([loadSamples(config), loadCells()]);
  const picker = linePicker(root, samples, { start: config.start }, load);
  const cells = new CellsPicture(root, cellsInfo, firstCited(cellsInfo.order[0]));
  const say = attachFigure(root, () => { picker.pad.enabled = true; load(); });
  let job = 0;

  async function load() {
    const strokes = picker.line();
    if (!strokes) { cells.show(null); say("Write a word in the box below, then press “Show cells”."); return; }
    const mine = ++job;
    try {
      const r = await model.request("activations", { strokes }).promise;
      if (mine !== job) return;
      cells.show(strokes, r.c);
      say("");
    } catch (err) { if (mine === job) say(err.message); }
  }

  const setOrder = () => { root.dataset.order = orderSel.value; cells.sort(orderSel.value === "sorted"); };
  orderSel.addEventListener("change", setOrder);
  setOrder();
  document.addEventListener("click", (e) => { // "cell 123" links in the prose select that cell here
    const ref = e.target.closest && e.target.closest("a.cell-ref");
    if (ref) cells.select(Number(ref.dataset.cell));
  });
}

// The line coloured by one cell above the heatmap of every cell along it: tanh of the cell state in
// the build's canonical sign (a cell whose states sum below zero over its lines is flipped). Click
// or drag on the heatmap to choose a cell and a point; the arrow keys move them (Shift: by ten).
class CellsPicture {
  constructor(root, cellsInfo, cell) {
    this.root = root;
    this.info = cellsInfo;
    this.strokeCanvas = root.querySelector("canvas.strokes");
    this.heat = root.querySelector("canvas.heat");
    this.readout = root.querySelector(".readout");
    this.base = document.createElement("canvas"); // the heatmap at one pixel per (point, cell)
    this.line = this.values = null;
    this.T = this.H = this.step = 0;
    this.cell = cell;
    this.rows = null; // the cell shown in each row of the heatmap
    this.listen();
    fitCanvas(this.heat, () => this.draw());
    fitCanvas(this.strokeCanvas, () => this.draw());
  }

  // A line (flat) and its cell states (T × H), or null for none.
  show(line, c) {
    this.line = line;
    this.values = null;
    if (line) {
      const T = this.T = line.length / 3, H = this.H = c.length / T;
      this.values = new Float32Array(c.length);
      for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) this.values[t * H + h] = Math.tanh(c[t * H + h] * this.info.signs[h]);
      this.step = Math.min(this.step, T - 1);
      this.paint();
    }
    this.draw();
  }

  // Rows in the build's t-SNE order, or by cell id.
  sort(sorted) {
    this.order = sorted ? this.info.order : null;
    if (this.values) { this.paint(); this.draw(); }
  }

  rowCell(r) { return this.order ? this.order[r] : r; }

  cellRow(c) { return this.order ? this.order.indexOf(c) : c; }

  select(cell) {
    if (!this.values) return;
    this.cell = cell;
    this.draw();
  }

  paint() {
    const { T, H, values } = this;
    const rows = Array.from({ length: H }, (_, r) => this.rowCell(r));
    paintHeatmap(this.base, H, T, (r, t) => values[t * H + rows[r]]);
  }

  draw() {
    const hctx = clearCanvas(this.heat), sctx = clearCanvas(this.strokeCanvas);
    if (!this.values) return;
    const { T, H, values, cell, step, line } = this;
    const hr = this.heat.getBoundingClientRect(), sr = this.strokeCanvas.getBoundingClientRect();
    hctx.imageSmoothingEnabled = false;
    hctx.drawImage(this.base, 0, 0, hr.width, hr.height);
    const cw = hr.width / T, rh = hr.height / H;
    hctx.strokeStyle = "#000"; hctx.lineWidth = 1;
    hctx.strokeRect(0.5, this.cellRow(cell) * rh - 1, hr.width - 1, rh + 2);
    hctx.fillStyle = "rgba(0, 0, 0, 0.5)";
    hctx.fillRect(step * cw, 0, Math.max(1, cw), hr.height);
    const view = fitLine(line, sr.width, sr.height, 10, false);
    sctx.lineWidth = 3; sctx.lineCap = "round";
    drawFittedColoured(sctx, line, view, (t) => cssColor(values[t * H + cell]));
    sctx.fillStyle = "#000";
    sctx.beginPath(); sctx.arc(view.x(step), view.y(step), 4, 0, 2 * Math.PI); sctx.fill();
    this.readout.textContent = `Cell ${cell} · point ${step} of ${T} · tanh(c) = ${values[step * H + cell].toFixed(3)}`;
    this.root.dataset.cell = String(cell);
    this.root.dataset.step = String(step);
  }

  listen() {
    const heat = this.heat, clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
    const pick = (e) => {
      if (!this.values) return;
      const r = heat.getBoundingClientRect();
      this.step = clamp(Math.floor(((e.clientX - r.left) / r.width) * this.T), this.T);
      this.cell = this.rowCell(clamp(Math.floor(((e.clientY - r.top) / r.height) * this.H), this.H));
      this.draw();
    };
    let dragging = false;
    heat.addEventListener("pointerdown", (e) => { dragging = true; try { heat.setPointerCapture(e.pointerId); } catch (err) { /* synthetic */ } pick(e); });
    heat.addEventListener("pointermove", (e) => { if (dragging) pick(e); });
    heat.addEventListener("pointerup", () => { dragging = false; });
    heat.addEventListener("keydown", (e) => {
      const m = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
      if (!this.values || !m) return;
      e.preventDefault();
      const big = e.shiftKey ? 10 : 1;
      this.cell = this.rowCell(clamp(this.cellRow(this.cell) + m[0] * big, this.H));
      this.step = clamp(this.step + m[1] * big, this.T);
      this.draw();
    });
  }
}
