// fig-console: Python in the page, on the live model, in a worker of its own (started on first use).
import { ModelClient, flatten } from "../../runtime/client.js";
import { SYNTHESIS } from "../../runtime/config.js";
import { goLive, onClick, count } from "../../runtime/figure.js";
import { latestWriting } from "../../runtime/pad.js";
import { inkStyle, lineBox, drawStrokes, paintHeatmap } from "../../runtime/draw.js";

const TIME_LIMIT_MS = 5000;

export function mount(root) {
  const input = root.querySelector("textarea.code");
  const runBtn = root.querySelector("button.run");
  const status = root.querySelector(".status");
  const say = (t) => { status.textContent = t; };
  const py = new ModelClient({ role: "console" });
  py.onCrash = () => { say("The console stopped (out of memory?) and restarts; model is loaded again."); py.restart("the console restarted"); };
  const history = keepHistory(input, () => run());
  let busy = false;
  let warmFor = null; // the worker's ready promise once its empty first run is done
  goLive(root);
  addExamples(root, (code) => { input.value = code; run(); });

  async function run() {
    const code = input.value;
    if (busy || !code.trim()) return;
    busy = true; runBtn.disabled = true;
    history.add(code);
    show(root, null);
    // a worker that failed to start (it stopped while loading) is started again by the next run
    if (py.status === "failed") { say("Starting Python for the console again…"); py.restart("the console restarted"); }
    if (py.status === "idle") { say("Starting Python for the console…"); py.start(new URL(".", document.baseURI)); }
    try {
      await py.ready;
      // a fresh worker's first run pays for the console's own start (its module and namespace, the
      // first compile and exec of code: fresh code, which WebKit's tiers optimise as it runs): an
      // empty run pays it once per worker, outside the time limit, which counts the reader's code
      if (warmFor !== py.ready) { const ready = py.ready; await py.request("exec", { code: "None" }).promise; warmFor = ready; }
      // synth and write are defined too where the site ships the synthesis model: it loads with the console
      if (SYNTHESIS && !py.synthesis) say("Loading the model that writes a given text…");
      const note = SYNTHESIS ? await py.loadSynthesis().then(() => "", (err) => `synth and write are not defined: ${err.message}.`) : "";
      say("Running…");
      show(root, await runLimited(py, code, say));
      say(note);
      count(root, "runs");
    } catch (err) {
      if (!/^stopped after/.test(err.message)) say(err.message);
    } finally {
      busy = false; runBtn.disabled = false;
      count(root, "ends"); // every run that ended, whatever its outcome (tests wait on it)
    }
  }

  onClick(root, "button.run", run);
}

// Run code in the console's worker, restarting it if the code runs past TIME_LIMIT_MS.
function runLimited(py, code, say) {
  const job = py.request("exec", { code, my_strokes: flatten(latestWriting.rows) });
  const timer = setTimeout(() => {
    py.restart(`stopped after ${TIME_LIMIT_MS / 1000} s`);
    say(`Stopped after ${TIME_LIMIT_MS / 1000} s. The console restarted: model, engine, np and show are defined again; your own variables are gone.`);
  }, TIME_LIMIT_MS);
  return job.promise.finally(() => clearTimeout(timer));
}

// A run's reply: its output (the error after it, marked), and a picture of each thing it showed;
// null empties the output while code runs.
function show(root, r) {
  const out = root.querySelector(".output"), pics = root.querySelector(".pictures");
  pics.replaceChildren();
  if (!r) { out.textContent = ""; return; }
  out.textContent = (r.output || "") + (r.error ? (r.output ? "\n" : "") + r.error : "");
  out.classList.toggle("has-error", !!r.error);
  for (let i = 0; i < (r.count || 0); i++) pics.append(picture(r[`shown${i}`], r[`shown${i}_meta`]));
}

// A button for each of the build's examples; pressing one runs its code.
function addExamples(root, run) {
  for (const ex of JSON.parse(root.querySelector("script.console-examples").textContent)) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = ex.label; b.className = "example";
    b.addEventListener("click", () => run(ex.code));
    root.querySelector(".examples").append(b);
  }
}

// Enter runs, Shift+Enter a new line; ↑ on the first line and ↓ on the last walk the code run before.
function keepHistory(input, run) {
  const history = [];
  let at = 0;
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); run(); return; }
    const firstLine = !input.value.slice(0, input.selectionStart).includes("\n");
    const lastLine = !input.value.slice(input.selectionEnd).includes("\n");
    if (e.key === "ArrowUp" && firstLine && at > 0) { e.preventDefault(); input.value = history[--at]; }
    if (e.key === "ArrowDown" && lastLine && at < history.length) { e.preventDefault(); at++; input.value = history[at] || ""; }
  });
  return { add(code) { history.push(code); at = history.length; } };
}

// What show() sent: a line of strokes, drawn at most 12 px per unit in a box of at most 560 × 160
// px (plus a margin), or an array as a heatmap scaled to its largest magnitude.
function picture(data, meta) {
  const c = document.createElement("canvas");
  c.className = "shown";
  if (meta.kind === "strokes") {
    const { x0, x1, y0, y1 } = lineBox(data, true), n = data.length / 3;
    const s = Math.min(12, 560 / Math.max(1e-6, x1 - x0), 160 / Math.max(1e-6, y1 - y0));
    c.width = Math.ceil((x1 - x0) * s + 20); c.height = Math.ceil((y1 - y0) * s + 20);
    drawStrokes(inkStyle(c.getContext("2d"), 1.6), data, { x: 10 - x0 * s, y: 10 - y0 * s }, 0, n, s);
    c.setAttribute("aria-label", `A drawing of ${n} points`);
  } else {
    let m = 1e-9;
    for (const v of data) m = Math.max(m, Math.abs(v));
    paintHeatmap(c, meta.rows, meta.cols, (r, col) => data[r * meta.cols + col] / m);
    c.classList.add("heatmap");
    c.setAttribute("aria-label", `A heatmap of ${meta.rows} by ${meta.cols} values, scaled to ±${m.toPrecision(3)}`);
  }
  c.setAttribute("role", "img");
  return c;
}
