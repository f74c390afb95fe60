// The lines a figure's sample picker offers: generated at build time, a straight line, human lines
// (data/samples.json: UNIPEN lines, and IAM-OnDB ones a build added with --samples), and the reader's
// own writing; and the build's cell data.
import { flatten } from "./client.js";
import { WritingPad, latestWriting } from "./pad.js";

let generated = null, cells = null;

// The lines the model wrote at build time, as flat Float32Arrays (fetched once per page).
export function generatedLines() {
  generated = generated || fetch(new URL("data/lines.json", document.baseURI))
    .then((r) => (r.ok ? r.json() : []))
    .then((lines) => lines.map((s) => new Float32Array(s.flat())));
  return generated;
}

export async function loadSamples(config) {
  const out = [];
  for (const [i, s] of (await generatedLines()).entries()) out.push({ label: `Generated line ${i + 1}`, strokes: s });
  out.push({ label: "A straight line", strokes: straightLine() });
  if (config.human) {
    const h = await fetch(new URL("data/samples.json", document.baseURI));
    if (h.ok) {
      for (const s of await h.json()) {
        const label = s.text ? `${s.label}: “${s.text}”` : s.label;
        out.push({ label, strokes: new Float32Array(s.strokes.flat()), human: true, text: s.text });
      }
    }
  }
  return out;
}

export function fillPicker(select, samples, start) {
  for (const [i, s] of samples.entries()) select.add(new Option(s.label, String(i)));
  select.add(new Option("Your writing", "own"));
  const human = samples.findIndex((s) => s.human);
  select.value = start === "human" ? (human >= 0 ? String(human) : "own") : "0";
}

// A figure's sample picker (select.sample) with its own pad for "Your writing" (in .own, shown only
// while that is chosen); onChange(event) after the reader picks a line, presses "use" or clears the
// pad. `sample`: the option to open on, if the picker has it. line(): the chosen line (flat), or for
// "Your writing" the pad's (else the latest from any pad), null while that has fewer than 2 points.
export function linePicker(root, samples, { start, sample }, onChange) {
  const select = root.querySelector("select.sample");
  const own = root.querySelector(".own");
  const pad = new WritingPad(own.querySelector("canvas.write"));
  fillPicker(select, samples, start);
  if (sample !== undefined && [...select.options].some((o) => o.value === String(sample))) select.value = String(sample);
  select.addEventListener("change", onChange);
  root.querySelector("button.use").addEventListener("click", onChange);
  root.querySelector("button.clear-own").addEventListener("click", () => { pad.clear(); onChange(); });
  return {
    pad,
    get value() { return select.value; },
    line() {
      own.hidden = select.value !== "own";
      if (select.value !== "own") return samples[Number(select.value)].strokes;
      const rows = pad.rows.length ? pad.rows : latestWriting.rows;
      return rows.length > 1 ? flatten(rows) : null;
    },
  };
}

// "Write a sample for me": Clear, then the pad writes a generated line as if drawn (the next line
// on each press if `cycle`, counted in data-samples; else the first).
export function offerSamples(root, pad, { cycle = false } = {}) {
  root.querySelector("button.sample").addEventListener("click", async () => {
    const lines = await generatedLines();
    const k = cycle ? Number(root.dataset.samples || 0) : 0;
    if (cycle) root.dataset.samples = String(k + 1);
    root.querySelector("button.clear").click();
    pad.writeLine(lines[k % lines.length]);
  });
}

// The build's cell data (data/cells.json: the t-SNE order and sign of each cell), fetched once.
export function loadCells() {
  cells = cells || fetch(new URL("data/cells.json", document.baseURI)).then((r) => r.json());
  return cells;
}

function straightLine() {
  const rows = [];
  for (let i = 0; i < 80; i++) rows.push([i ? 0.3 : 0, 0, i === 79 ? 1 : 0]);
  return flatten(rows);
}
