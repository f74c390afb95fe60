// fig-cells-live: write, and watch all of the model's cells change as you write (pen lifts included).
import { model } from "../../runtime/client.js";
import { attachFigure, onClick } from "../../runtime/figure.js";
import { WritingPad, PadSession } from "../../runtime/pad.js";
import { offerSamples, loadCells } from "../../runtime/samples.js";
import { fitCanvas, clearCanvas, cssColor } from "../../runtime/draw.js";

export async function mount(root, config) {
  const pad = new WritingPad(root.querySelector("canvas.write"));
  const session = new PadSession(pad, root.id);
  const grid = root.querySelector("canvas.grid");
  const cellsInfo = await loadCells();
  let state = null; // the cell state after the rows fed so far
  const draw = () => drawGrid(grid, cellsInfo, state, config.columns);
  const say = attachFigure(root, () => { pad.enabled = true; draw(); });

  function feed() { // the rows written since the last reply, then again until the model has them all
    if (session.busy || model.status !== "ready" || !session.behind) return;
    session.request("feed").then((r) => {
      if (!r) return;
      state = root.cellState = r.c; root.writingRows = pad.rows;
      root.dataset.fed = String(session.sent);
      draw();
    }, (err) => { if (!err.cancelled) say(err.message); }).finally(feed);
  }

  pad.addEventListener("change", feed);
  pad.addEventListener("full", (e) => say(`That drawing has reached ${e.detail.toLocaleString()} points: Clear to write more.`));
  fitCanvas(grid, draw);
  offerSamples(root, pad);
  onClick(root, "button.clear", () => {
    session.restart(); pad.clear(); state = root.cellState = null; root.dataset.fed = "0"; draw();
  });
}

// Every cell as a square of the grid, `cols` to a row in the build's t-SNE order, coloured by
// tanh(c) in the build's canonical sign (all at the palette's middle before any state).
function drawGrid(canvas, cellsInfo, state, cols) {
  const r = canvas.getBoundingClientRect(), ctx = clearCanvas(canvas);
  const n = cellsInfo.order.length, w = r.width / cols, h = r.height / Math.ceil(n / cols);
  cellsInfo.order.forEach((cell, k) => {
    ctx.fillStyle = cssColor(state ? Math.tanh(state[cell] * cellsInfo.signs[cell]) : 0);
    ctx.fillRect((k % cols) * w, Math.floor(k / cols) * h, w - 1, h - 1);
  });
}
