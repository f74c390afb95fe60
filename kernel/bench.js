// Milliseconds per LSTM step with the kernel under Node (V8), copies in and out included, and of packing
// the weights (lstm_pack):
//   node kernel/bench.js [H=500] [M=20] [path/to/lstm.wasm] [float]
// Random weights, quantized as a weights file's are (integers × a unit per column), so that the
// kernel also holds its compact recurrent panels; with `float`, unquantized (float panels only).
// The time depends on that and not on the values. Each figure is the mean time of a step (or a
// pack) over a block: the best and the median of 9 blocks, since a shared machine only ever adds time.
"use strict";
const fs = require("fs");
const path = require("path");
const { createSync } = require("./lstm.js");

const H = Number(process.argv[2] || 500), M = Number(process.argv[3] || 20), nOut = 1 + 6 * M;
const kernel = createSync(fs.readFileSync(process.argv[4] || path.join(__dirname, "lstm.wasm")));
const rand = (n, s) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s);
const quantized = process.argv[5] !== "float";
const W = quantized ? Float32Array.from({ length: (3 + H) * 4 * H }, () => Math.round((Math.random() - 0.5) * 254) * 0.001)
  : rand((3 + H) * 4 * H, 0.1);
kernel.load(W, rand(4 * H, 0.1), rand(H * nOut, 0.1), rand(nOut, 0.1), H, nOut);
console.log(`recurrent weights ${quantized ? "quantized" : "float"}: compact panels ${kernel.compact ? "used" : "not used"}`);

// The mean time of one call of fn over blocks of `calls` calls: the best and the median of 9 blocks
// (the first block warms up: tier-up).
function report(label, calls, fn) {
  const blocks = [];
  for (let k = 0; k < 10; k++) {
    const t0 = performance.now();
    for (let s = 0; s < calls; s++) fn();
    if (k) blocks.push((performance.now() - t0) / calls);
  }
  blocks.sort((a, b) => a - b);
  console.log(`H=${H} M=${M} ${label.padEnd(34)} best ${blocks[0].toFixed(3)} ms, median ${blocks[4].toFixed(3)} ms`);
}

// lstm_pack alone (the weights stay in the staging area, so it can run again): the panels, and the
// compact ones where the weights factor, as kernel.load does them.
report("pack (lstm_pack)", 5, () => kernel.exports.lstm_pack());

function time(label, B, rowsOfState, withY, fn) {
  const x = rand(3 * B, 1);
  let h = rand(rowsOfState * H, 1), c = rand(rowsOfState * H, 1);
  report(label, Math.max(5, Math.round(400 / B)), () => {
    const out = fn(x, h, c, B, withY);
    if (rowsOfState === B && out.h) { h = out.h; c = out.c; }
  });
}

const step = (x, h, c, B, withY) => kernel.step(x, h, c, B, withY);
for (const B of [1, 7, 50, 200]) {
  time(`step B=${B}`, B, B, false, step);
  time(`step + outputs B=${B}`, B, B, true, step);
}
time("branch (shared h) B=50 + outputs", 50, 1, true, step);
time("outputs only B=1", 1, 1, false, (x, h, c, B) => ({ y: kernel.outputs(h, B) }));
time("outputs only B=50", 50, 50, false, (x, h, c, B) => ({ y: kernel.outputs(h, B), h, c }));
