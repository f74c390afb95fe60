// The model worker: boots Pyodide, numpy, the engine and the weights, then answers requests.
// Protocol (owned by runtime/client.js, documented in the README): requests {id, type, ...},
// replies {id, type: "progress" | "result" | "error", ...}; {type: "cancel", target: id}.
/* global importScripts, loadPyodide */
"use strict";

let py = null;
let glue = null;
let booting = null;
const queue = [];
const cancelled = new Set();
let busy = false;

function post(id, type, data, transfer) {
  self.postMessage({ id, type, ...data }, transfer || []);
}

// Each stage of the start-up fails with one plain sentence, never Pyodide's own trace.
async function stage(sentence, work) {
  try {
    return await work();
  } catch (e) {
    throw new Error(sentence);
  }
}

// Pyodide 0.27.7 only warns when its WebAssembly cannot be compiled (a truncated or corrupt
// pyodide.asm.wasm, a policy without 'wasm-unsafe-eval'), and loadPyodide then never settles:
// this rejects on that warning, so the start-up fails instead of waiting for ever.
function wasmFailure() {
  return new Promise((_, reject) => {
    const warn = console.warn;
    console.warn = (...args) => {
      if (args[0] === "wasm instantiation failed!") reject(new Error("pyodide.asm.wasm did not compile"));
      warn.apply(console, args);
    };
  });
}

// Pyodide's core, pyodide.asm.wasm (10 MB), compiled once per page: the first worker reports the
// WebAssembly.Module its Pyodide was instantiated from (`core` in the init result), and the page
// hands it to every later worker (`core` in their init), whose Pyodide is then instantiated from
// that Module, not compiled again. Measured in WebKit, a later worker on a Module of its own took
// about twice as long to start; compiling is not that cost, running on fresh code is (the engine
// shares a Module's optimised machine code between its instances): docs/design.md, "The worker".
// The hook: pyodide.js loads pyodide.asm.js only when _createPyodideModule (Emscripten's module
// factory) is not defined yet, and passes it its settings, whose instantiateWasm(imports, done)
// (an Emscripten setting) instantiates the core. This worker loads pyodide.asm.js itself and wraps
// that setting: with a given Module it instantiates from it; without one, or if that fails, it
// runs Pyodide's own, which fetches and compiles the file (its fetch is started either way, when
// the settings are made; unread when the Module is used), and keeps the Module it compiled.
let core = null; // the Module this worker's Pyodide runs on, once instantiated
let coreGiven = false; // whether that Module came from the page

function instantiateCore(given) {
  const create = self._createPyodideModule;
  self._createPyodideModule = (settings) => {
    const compile = settings.instantiateWasm;
    if (typeof compile !== "function") return create(settings); // not the Pyodide this hook was written for: its own way
    settings.instantiateWasm = (imports, done) => {
      const own = () => compile(imports, (instance, module) => { core = module; done(instance, module); });
      if (!(given instanceof WebAssembly.Module)) return own();
      WebAssembly.instantiate(given, imports).then((instance) => {
        core = given;
        coreGiven = true;
        done(instance, given);
      }, own);
      return {};
    };
    return create(settings);
  };
}

async function boot(msg) {
  const base = new URL(msg.base, self.location.href);
  // Milliseconds each start-up stage took (bench/browser.py prints them): the ready reply carries them.
  const timings = {};
  let mark = performance.now();
  const lap = (name) => { const now = performance.now(); timings[name] = Math.round(now - mark); mark = now; };
  if (typeof WebAssembly !== "object") throw new Error("this browser cannot run WebAssembly");
  await stage("the Python runtime (Pyodide) is missing from this site", async () => {
    // Pyodide's loader can hang on a missing file instead of failing: check them first (the init
    // message lists them, from the page config)
    const heads = await Promise.all(msg.pyodideFiles.map((f) => fetch(new URL(`pyodide/${f}`, base), { method: "HEAD" })));
    if (heads.some((r) => !r.ok)) throw new Error("missing");
    importScripts(new URL("pyodide/pyodide.js", base).href, new URL("pyodide/pyodide.asm.js", base).href);
  });
  instantiateCore(msg.core);
  lap("loader");
  const starting = loadPyodide({ indexURL: new URL("pyodide/", base).href });
  const kernel = msg.kernel === false ? Promise.resolve(null) : loadKernel(base, msg.kernel === "simd"); // while Pyodide starts
  py = await stage("the Python runtime (Pyodide) could not start", () => Promise.race([starting, wasmFailure()]));
  lap("pyodide");
  post(msg.id, "progress", { stage: "numpy" });
  await stage("numpy could not be loaded", () => py.loadPackage("numpy", { messageCallback: () => {}, errorCallback: () => {} }));
  lap("numpy");
  const [zip, weights] = await Promise.all(["py/engine.zip", msg.weights || "py/weights.bin"].map((p) =>
    stage(`the file ${p} is missing from this site`, async () => {
      const r = await fetch(new URL(p, base));
      if (!r.ok) throw new Error(String(r.status));
      return r.arrayBuffer();
    })));
  await stage("the model's code could not be loaded", async () => {
    py.unpackArchive(zip, "zip", { extractDir: "/home/pyodide/lib" });
    py.runPython("import sys; sys.path.insert(0, '/home/pyodide/lib')");
    glue = py.pyimport("engine.protocol");
  });
  lap("engine");
  post(msg.id, "progress", { stage: "weights" });
  const k = await kernel;
  lap("kernel");
  const info = await stage("the model's weights could not be read", async () =>
    glue.init(new Uint8Array(weights), k).toJs({ dict_converter: Object.fromEntries }));
  lap("weights");
  return { ...info, ...(info.backend === "kernel" ? { kernelModule: k.file } : {}), pyodideCore: coreGiven ? "given" : "compiled", timings };
}

// The LSTM step's WebAssembly SIMD kernel (kernel/lstm.c), or null where this browser has no
// WebAssembly SIMD or the kernel's files fail to load: the model then runs on NumPy, as everywhere
// else (the engine's Python code does not change; engine/kernel.py routes the model through it).
// The module with fused multiply-add where relaxed SIMD is (unless `plain`), else the plain one.
// Called once Pyodide's start is under way, so that its script's (synchronous) import holds
// nothing up.
async function loadKernel(base, plain) {
  try {
    importScripts(new URL("kernel/lstm.js", base).href);
    const file = self.LstmKernel.choose(plain);
    if (!file) return null;
    const r = await fetch(new URL(`kernel/${file}`, base));
    if (!r.ok) return null;
    const kernel = await self.LstmKernel.create(await r.arrayBuffer());
    if (kernel) kernel.file = file;
    return kernel;
  } catch (e) {
    return null;
  }
}

function toReply(res) {
  // res = (kind, json, names, arrays) from engine.protocol.next_reply
  const kind = res.get(0);
  const data = JSON.parse(res.get(1));
  const names = res.get(2).toJs();
  const arrays = res.get(3);
  const transfer = [];
  names.forEach((name, i) => {
    const a = arrays.get(i);
    const buf = a.getBuffer("f32");
    data[name] = buf.data.slice();
    buf.release();
    a.destroy();
    transfer.push(data[name].buffer);
  });
  arrays.destroy();
  res.destroy();
  return { kind, data, transfer };
}

// Requests are served round-robin, one reply at a time: a long stream (possible paths) never holds
// back a short request (a continuation), and a cancel is seen before the stream's next reply.
const active = [];
const tick = new MessageChannel();
const yieldToEvents = () => new Promise((resolve) => { tick.port1.onmessage = () => resolve(); tick.port2.postMessage(0); });

function finish(job) {
  cancelled.delete(job.id);
  try { job.it.destroy(); } catch (e) { /* already gone */ }
}

function advance(job) {
  if (cancelled.delete(job.id)) {
    finish(job);
    return post(job.id, "error", { message: "cancelled", cancelled: true });
  }
  let res;
  try {
    res = glue.next_reply(job.it);
  } catch (e) {
    finish(job);
    return post(job.id, "error", { message: "the model failed on this request" });
  }
  if (res === undefined || res === null) return finish(job);
  const { kind, data, transfer } = toReply(res);
  post(job.id, kind, data, transfer);
  if (kind === "progress") active.push(job); else finish(job);
}

async function pump() {
  if (busy) return;
  busy = true;
  while (queue.length || active.length) {
    while (queue.length) {
      const { id, type, ...payload } = queue.shift();
      if (cancelled.delete(id)) post(id, "error", { message: "cancelled", cancelled: true });
      else active.push({ id, it: glue.start(type, payload) });
    }
    if (active.length) advance(active.shift());
    await yieldToEvents(); // let new requests and cancels in
  }
  busy = false;
}

self.onmessage = async (event) => {
  const msg = event.data || {};
  if (msg.type === "cancel") {
    cancelled.add(msg.target);
    return;
  }
  if (msg.type === "init") {
    booting = booting || boot(msg);
    let info;
    try {
      info = await booting;
    } catch (e) {
      post(msg.id, "error", { message: e && e.message ? e.message : "the model could not start" });
      return;
    }
    try {
      post(msg.id, "result", { info, ...(coreGiven ? {} : { core }) }); // the Module it compiled, for the page's later workers
    } catch (e) {
      post(msg.id, "result", { info }); // a browser that cannot pass a Module on (DataCloneError): each worker compiles its own
    }
    return;
  }
  if (typeof msg.id !== "number" || typeof msg.type !== "string") {
    post(msg.id ?? null, "error", { message: "a request needs a numeric id and a type" });
    return;
  }
  if (!glue) {
    post(msg.id, "error", { message: "the model is not loaded yet" });
    return;
  }
  queue.push(msg);
  pump();
};
