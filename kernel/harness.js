// The kernel for tests/test_kernel.py: `node kernel/harness.js [MODULE]` loads kernel/MODULE
// (default lstm.wasm) with kernel/lstm.js and serves its Kernel objects over stdin/stdout, one JSON
// line per request and per reply, so that CPython's engine (engine/kernel.py) drives the real kernel
// as it does in the browser's worker:
//   {"k": kernel, "m": method, "a": [args]}  a Kernel method (kernel 0 is the first; "another"
//                                            replies {"kernel": id}); "layers" replies kernel.layers
//   {"v": view, "m": "assign", "a": [floats]} / {"v": view, "m": "assign_to"}   a view of the
//                                            kernel's buffers ("views" replies [{"view": id}, ...]),
//                                            written or read whole, as Pyodide's assign / assign_to do
// Float arrays cross as {"f32": base64 of little-endian float32}; a reply is {"r": result} or
// {"error": message}.
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { createSync } = require("./lstm.js");

const kernels = [createSync(fs.readFileSync(path.join(__dirname, process.argv[2] || "lstm.wasm")))];
if (!kernels[0]) {
  console.error("this Node has no WebAssembly SIMD");
  process.exit(3);
}
const views = [];

function decode(v) {
  if (v && typeof v === "object" && typeof v.f32 === "string") {
    const bytes = Buffer.from(v.f32, "base64");
    const out = new Float32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  return v;
}

function encode(v) {
  if (v instanceof Float32Array) return { f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v === undefined ? null : v;
}

function serve(msg) {
  const args = (msg.a || []).map(decode);
  if (msg.v !== undefined) {
    const view = views[msg.v];
    if (view.length === 0 && view.buffer.byteLength === 0) throw new Error("view detached: the kernel's memory grew");
    if (msg.m === "assign") {
      if (args[0].length !== view.length) throw new Error(`assign: ${args[0].length} values into a view of ${view.length}`);
      view.set(args[0]);
      return null;
    }
    if (msg.m === "assign_to") return view.slice();
    throw new Error(`no view method ${msg.m}`);
  }
  const kernel = kernels[msg.k];
  if (msg.m === "layers") return kernel.layers.map(({ kind, inputs, outputs, compact }) => ({ kind, inputs, outputs, compact }));
  if (msg.m === "another") return { kernel: kernels.push(kernel.another()) - 1 };
  if (typeof kernel[msg.m] !== "function") throw new Error(`no kernel method ${msg.m}`);
  const result = kernel[msg.m](...args);
  if (msg.m === "views") return result.map((view) => ({ view: views.push(view) - 1 }));
  return result === kernel ? null : result;
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try {
    reply = { r: encode(serve(JSON.parse(line))) };
  } catch (e) {
    reply = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
