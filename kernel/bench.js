// Milliseconds per step with the kernel under Node (V8), copies in and out included, and of packing
// the weights (kernel_pack):
//   node kernel/bench.js [H=500] [M=20] [path/to/lstm.wasm] [float]   the handwriting model's shape:
//       one LSTM layer of 3 inputs and H units, its output layer of 1 + 6M
//   node kernel/bench.js synthesis [H=256] [path/to/lstm.wasm] [float]   the synthesis model's shape
//       (two layers of H, an alphabet of 80 + 1, a window of 10 Gaussians, 20 mixture components):
//       one step is LSTM 1 with the window in its call, LSTM 2, and the head on [h1, h2]
// Random weights, quantized as a weights file's are (integers × a unit per column), so that the
// kernel also holds its compact panels; with `float`, unquantized (float panels only). The time
// depends on that and not on the values. Each figure is the mean time of a step (or a pack) over a
// block: the best and the median of 9 blocks, since a shared machine only ever adds time.
"use strict";
const fs = require("fs");
const path = require("path");
const { createSync } = require("./lstm.js");

const args = process.argv.slice(2);
const synthesis = args[0] === "synthesis";
if (synthesis) args.shift();
const H = Number(args[0] || (synthesis ? 256 : 500)), M = synthesis ? 20 : Number(args[1] || 20), nOut = 1 + 6 * M;
const rest = synthesis ? args.slice(1) : args.slice(2);
const kernel = createSync(fs.readFileSync(rest[0] || path.join(__dirname, "lstm.wasm")));
const quantized = rest[1] !== "float";
const rand = (n, s) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s);
const weights = (rows, cols) => (quantized ? Float32Array.from({ length: rows * cols }, () => Math.round((Math.random() - 0.5) * 254) * 0.001)
  : rand(rows * cols, 0.1));
const lstm = (I) => kernel.addLstm(weights(I + H, 4 * H), rand(4 * H, 0.1), I, H);
const linear = (nIn, n) => kernel.addLinear(weights(nIn, n), rand(n, 0.1), nIn, n);
const label = synthesis ? `synthesis H=${H}` : `H=${H} M=${M}`;

// The mean time of one call of fn over blocks of `calls` calls: the best and the median of 9 blocks
// (the first block warms up: tier-up).
function report(what, calls, fn) {
  const blocks = [];
  for (let k = 0; k < 10; k++) {
    const t0 = performance.now();
    for (let s = 0; s < calls; s++) fn();
    if (k) blocks.push((performance.now() - t0) / calls);
  }
  blocks.sort((a, b) => a - b);
  console.log(`${label} ${what.padEnd(34)} best ${blocks[0].toFixed(3)} ms, median ${blocks[4].toFixed(3)} ms`);
}

function describe() {
  const blocks = kernel.layers.map((l) => (l.compact.length ? l.compact.map((c) => (c ? "compact" : "float")).join("+") : "float"));
  console.log(`weights ${quantized ? "quantized" : "float"}: panels per layer ${blocks.join(", ")}`);
}

if (synthesis) {
  const A = 81, K = 10;
  const l1 = lstm(3 + A), win = linear(H, 3 * K), l2 = lstm(3 + H + A), head = linear(2 * H, nOut);
  describe();
  report("pack (kernel_pack, all 4 layers)", 5, () => [l1, win, l2, head].forEach((i) => kernel.exports.kernel_pack(i)));
  // One step at batch 1 as engine/kernel.py runs it: each layer's inputs copied in, its outputs out.
  let s1 = { h: rand(H, 1), c: rand(H, 1) }, s2 = { h: rand(H, 1), c: rand(H, 1) };
  const x = rand(3, 1), w = rand(A, 0.2), both = new Float32Array(2 * H);
  const x1 = new Float32Array(3 + A), x2 = new Float32Array(3 + H + A);
  report("step B=1 (LSTM 1 + window, 2, head)", 400, () => {
    x1.set(x); x1.set(w, 3);
    s1 = kernel.step(l1, x1, s1.h, s1.c, 1, win);
    x2.set(x); x2.set(s1.h, 3); x2.set(w, 3 + H);
    s2 = kernel.step(l2, x2, s2.h, s2.c, 1);
    both.set(s1.h); both.set(s2.h, H);
    kernel.outputs(head, both, 1);
  });
  report("LSTM 1 + window B=1", 400, () => { s1 = kernel.step(l1, x1, s1.h, s1.c, 1, win); });
  report("LSTM 2 B=1", 400, () => { s2 = kernel.step(l2, x2, s2.h, s2.c, 1); });
  report("head B=1", 400, () => kernel.outputs(head, both, 1));
} else {
  const l = lstm(3), out = linear(H, nOut);
  describe();
  // kernel_pack alone (the weights stay in the staging area, so it can run again): the panels, and
  // the compact ones where the weights factor, as kernel.addLstm / update do them.
  report("pack (kernel_pack)", 5, () => { kernel.exports.kernel_pack(l); kernel.exports.kernel_pack(out); });

  const time = (what, B, rowsOfState, withY, fn) => {
    const x = rand(3 * B, 1);
    let h = rand(rowsOfState * H, 1), c = rand(rowsOfState * H, 1);
    report(what, Math.max(5, Math.round(400 / B)), () => {
      const res = fn(x, h, c, B, withY);
      if (rowsOfState === B && res.h) { h = res.h; c = res.c; }
    });
  };
  const step = (x, h, c, B, withY) => kernel.step(l, x, h, c, B, withY ? out : -1);
  for (const B of [1, 7, 50, 200]) {
    time(`step B=${B}`, B, B, false, step);
    time(`step + outputs B=${B}`, B, B, true, step);
  }
  time("branch (shared h) B=50 + outputs", 50, 1, true, step);
  time("outputs only B=1", 1, 1, false, (x, h, c, B) => ({ y: kernel.outputs(out, h, B) }));
  time("outputs only B=50", 50, 50, false, (x, h, c, B) => ({ y: kernel.outputs(out, h, B), h, c }));
}
