// Parity harness for tests/test_kernel.py: `node kernel/harness.js DIR [MODULE]` runs the kernel
// (kernel/MODULE, default lstm.wasm) on the float32 files a test wrote into DIR and writes its
// results beside them.
//   DIR/job.json: {"models": [{"name", "H", "n_out", "cases": [{"name", "B", "shared"}]}], "tanh": true?}
//   inputs  DIR/<model>.{W,b,W_out,b_out}.f32, DIR/<model>.<case>.{x,h,c}.f32, DIR/tanh.in.f32
//   outputs DIR/<model>.<case>.{h2,c2,y,y_h}.f32 (y_h: lstm_outputs on the case's h), DIR/tanh.out.f32,
//           DIR/loaded.json: {model name: {"compact": whether it loaded into the compact panels}}
"use strict";
const fs = require("fs");
const path = require("path");
const { createSync } = require("./lstm.js");

const dir = process.argv[2];
const job = JSON.parse(fs.readFileSync(path.join(dir, "job.json"), "utf8"));
const read = (name) => {
  const buf = fs.readFileSync(path.join(dir, name));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};
const write = (name, a) => fs.writeFileSync(path.join(dir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength));

const kernel = createSync(fs.readFileSync(path.join(__dirname, process.argv[3] || "lstm.wasm")));
if (!kernel) {
  console.error("this Node has no WebAssembly SIMD");
  process.exit(3);
}
const loaded = {};
for (const m of job.models || []) {
  const p = (s) => `${m.name}.${s}.f32`;
  kernel.load(read(p("W")), read(p("b")), read(p("W_out")), read(p("b_out")), m.H, m.n_out);
  loaded[m.name] = { compact: kernel.compact };
  for (const c of m.cases) {
    const q = (s) => `${m.name}.${c.name}.${s}.f32`;
    const h = read(q("h"));
    const out = kernel.step(read(q("x")), h, read(q("c")), c.B, true);
    write(q("h2"), out.h);
    write(q("c2"), out.c);
    write(q("y"), out.y);
    if (h.length === c.B * m.H) write(q("y_h"), kernel.outputs(h, c.B));
  }
}
fs.writeFileSync(path.join(dir, "loaded.json"), JSON.stringify(loaded));
if (job.tanh) write("tanh.out.f32", kernel.tanh(read("tanh.in.f32")));
