// fig-console: Python in the page, on the live model, in a worker of its own (started on first use).
import { ModelClient, flatten } from "../../runtime/client.js";
import { latestWriting } from "../../runtime/pad.js";
import { color } from "../cells/cells.js";

const TIME_LIMIT_MS = 5000;

export function mount(root, config) {
  const input = root.querySelector("textarea.code");
  const runBtn = root.querySelector("button.run");
  const out = root.querySelector(".output");
  const pics = root.querySelector(".pictures");
  const status = root.querySelector(".status");
  const examples = JSON.parse(root.querySelector("script.console-examples").textContent);
  const py = new ModelClient({ announce: false });
  const history = [];
  let at = 0, busy = false;
  root.querySelector(".frame.static")?.setAttribute("hidden", "");
  root.querySelector(".live").removeAttribute("hidden");
  root.dataset.live = "true";

  const say = (t) => { status.textContent = t; };
  py.onCrash = () => { say("The console stopped (out of memory?) and restarts; model is loaded again."); py.restart("the console restarted"); };

  for (const ex of examples) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = ex.label; b.className = "example";
    b.addEventListener("click", () => { input.value = ex.code; run(); });
    root.querySelector(".examples").append(b);
  }

  async function run() {
    const code = input.value;
    if (busy || !code.trim()) return;
    busy = true; runBtn.disabled = true;
    history.push(code); at = history.length;
    out.textContent = ""; pics.replaceChildren();
    if (py.status === "idle") { say("Starting Python for the console…"); py.start(new URL(".", document.baseURI)); }
    try {
      await py.ready;
      say("Running…");
      const job = py.request("exec", { code, my_strokes: flatten(latestWriting.rows) });
      const timer = setTimeout(() => {
        py.restart(`stopped after ${TIME_LIMIT_MS / 1000} s`);
        say(`Stopped after ${TIME_LIMIT_MS / 1000} s. The console restarted: model, engine, np and show are defined again; your own variables are gone.`);
      }, TIME_LIMIT_MS);
      const r = await job.promise.finally(() => clearTimeout(timer));
      out.textContent = (r.output || "") + (r.error ? (r.output ? "\n" : "") + r.error : "");
      out.classList.toggle("has-error", !!r.error);
      for (let i = 0; i < r.count; i++) pics.append(picture(r[`shown${i}`], r[`shown${i}_meta`]));
      say("");
      root.dataset.runs = String(Number(root.dataset.runs || 0) + 1);
    } catch (err) {
      if (!/^stopped after/.test(err.message)) say(err.message);
    } finally {
      busy = false; runBtn.disabled = false;
    }
  }

  runBtn.addEventListener("click", run);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); run(); return; }
    const firstLine = !input.value.slice(0, input.selectionStart).includes("\n");
    const lastLine = !input.value.slice(input.selectionEnd).includes("\n");
    if (e.key === "ArrowUp" && firstLine && at > 0) { e.preventDefault(); input.value = history[--at]; }
    if (e.key === "ArrowDown" && lastLine && at < history.length) { e.preventDefault(); at++; input.value = history[at] || ""; }
  });
}

function picture(data, meta) {
  const c = document.createElement("canvas");
  c.className = "shown";
  if (meta.kind === "strokes") {
    const n = data.length / 3;
    let x = 0, y = 0, x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    for (let i = 0; i < n; i++) { x += data[3 * i]; y += data[3 * i + 1]; x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    const s = Math.min(12, 560 / Math.max(1e-6, x1 - x0), 160 / Math.max(1e-6, y1 - y0));
    c.width = Math.ceil((x1 - x0) * s + 20); c.height = Math.ceil((y1 - y0) * s + 20);
    const ctx = c.getContext("2d");
    ctx.lineWidth = 1.6; ctx.lineCap = ctx.lineJoin = "round"; ctx.strokeStyle = "#222";
    x = 10 - x0 * s; y = 10 - y0 * s;
    let up = false;
    ctx.beginPath(); ctx.moveTo(x, y);
    for (let i = 0; i < n; i++) {
      x += data[3 * i] * s; y += data[3 * i + 1] * s;
      if (up) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      up = data[3 * i + 2] > 0.5;
    }
    ctx.stroke();
    c.setAttribute("aria-label", `A drawing of ${n} points`);
  } else {
    c.width = meta.cols; c.height = meta.rows;
    const ctx = c.getContext("2d");
    const img = ctx.createImageData(meta.cols, meta.rows);
    let m = 1e-9;
    for (const v of data) m = Math.max(m, Math.abs(v));
    data.forEach((v, i) => { const [r, g, b] = color(v / m); img.data.set([r, g, b, 255], 4 * i); });
    ctx.putImageData(img, 0, 0);
    c.classList.add("heatmap");
    c.setAttribute("aria-label", `A heatmap of ${meta.rows} by ${meta.cols} values, scaled to ±${m.toPrecision(3)}`);
  }
  c.setAttribute("role", "img");
  return c;
}
