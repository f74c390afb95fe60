// The lines a figure's sample picker offers: generated at build time, a straight line, human lines
// when the build had --samples, and the reader's own writing (handled by the figure).
import { flatten } from "./client.js";

let generated = null;

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
    if (h.ok) for (const s of await h.json()) out.push({ label: `Human line ${s.name}`, strokes: new Float32Array(s.strokes.flat()), human: true });
  }
  return out;
}

export function fillPicker(select, samples, start) {
  for (const [i, s] of samples.entries()) select.add(new Option(s.label, String(i)));
  select.add(new Option("Your writing", "own"));
  const human = samples.findIndex((s) => s.human);
  select.value = start === "human" ? (human >= 0 ? String(human) : "own") : "0";
}

function straightLine() {
  const rows = [];
  for (let i = 0; i < 80; i++) rows.push([i ? 0.3 : 0, 0, i === 79 ? 1 : 0]);
  return flatten(rows);
}
