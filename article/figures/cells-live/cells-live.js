// fig-cells-live: write, and watch all of the model's cells change as you write (pen lifts included).
import { model, flatten, attachFigure, fitCanvas } from "../../runtime/client.js";
import { generatedLines } from "../../runtime/samples.js";
import { WritingPad } from "../../runtime/pad.js";
import { color } from "../cells/cells.js";

export async function mount(root, config) {
  const pad = new WritingPad(root.querySelector("canvas.write"));
  const grid = root.querySelector("canvas.grid");
  const cols = config.columns || 25;
  const cellsInfo = await (await fetch(new URL("data/cells.json", document.baseURI))).json();
  let sent = 0, reset = true, inflight = false, state = null, drawingId = 0;
  const say = attachFigure(root, () => { pad.enabled = true; draw(); });

  function draw() {
    const r = grid.getBoundingClientRect();
    const ctx = grid.getContext("2d");
    ctx.clearRect(0, 0, r.width, r.height);
    const H = cellsInfo.order.length, rows = Math.ceil(H / cols);
    const w = r.width / cols, h = r.height / rows;
    cellsInfo.order.forEach((cell, k) => {
      const v = state ? Math.tanh(state[cell] * cellsInfo.signs[cell]) : 0;
      const [cr, cg, cb] = color(v);
      ctx.fillStyle = `rgb(${cr}, ${cg}, ${cb})`;
      ctx.fillRect((k % cols) * w, Math.floor(k / cols) * h, w - 1, h - 1);
    });
  }

  function feed() {
    if (inflight || model.status !== "ready" || sent >= pad.rows.length) return;
    const append = pad.rows.slice(sent, sent + 400);
    const upto = sent + append.length, mine = drawingId;
    inflight = true;
    model.request("feed", { session: root.id, append: flatten(append), reset }).promise.then((r) => {
      if (mine !== drawingId) return;
      sent = upto; reset = false; state = r.c; root.cellState = r.c; root.writingRows = pad.rows;
      root.dataset.fed = String(sent);
      draw();
    }, (err) => { if (mine === drawingId && !err.cancelled) say(err.message); })
      .finally(() => { inflight = false; feed(); });
  }

  pad.addEventListener("change", feed);
  pad.addEventListener("full", (e) => say(`That drawing has reached ${e.detail.toLocaleString()} points: Clear to write more.`));
  fitCanvas(grid, () => draw());
  root.querySelector("button.sample").addEventListener("click", async () => {
    const lines = await generatedLines();
    root.querySelector("button.clear").click();
    pad.writeLine(lines[0]);
  });
  root.querySelector("button.clear").addEventListener("click", () => {
    drawingId++; pad.clear(); sent = 0; reset = true; state = null; root.cellState = null; root.dataset.fed = "0"; draw();
  });
}
