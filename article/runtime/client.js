// The one channel between figures and the model worker. Every figure talks through `model`.
//
//   const job = model.request("continue", {session, append, n, temperature, seed},
//                             {onProgress: (reply) => ...});
//   job.promise.then((result) => ...); job.cancel();
//
// Requests {id, type, ...}; replies {id, type: "progress" | "result" | "error", ...}; cancel by
// id. Strokes travel as flat Float32Arrays (T × 3: dx, dy, pen_lift) in article units. An error
// reply rejects the promise with an Error whose message is one short sentence.
import { PYODIDE_FILES, SYNTHESIS } from "./config.js";

const STALL_MS = 20000; // a helper silent this long on a paths request is given up

// Every Pyodide worker this page has booted, in order: {role: "model" | "helper" | "console",
// started, ready, ended} in ms after navigation (ready once it answered init; ended once stopped),
// and once ready its start-up stages (`timings`) and whether its Pyodide core was given or compiled.
// bench/sessions.py prints them; the tests count the live ones (liveWorkers).
export const boots = [];
export const liveWorkers = (role) => boots.filter((b) => b.ended === undefined && (!role || b.role === role)).length;

// Pyodide's core (pyodide.asm.wasm) as a compiled WebAssembly.Module, from the first worker that
// compiled it: every later worker's Pyodide is instantiated from it (worker.js instantiateCore).
// ?pyodide-core=own in the page's address has each worker compile its own (bench/sessions.py
// compares the two).
let pyodideCore = null;
const SHARE_CORE = new URLSearchParams(self.location.search).get("pyodide-core") !== "own";

// Paths helpers idle this long (no paths request spread) are stopped, and booted again when paths
// next run: in WebKit, whose page crashed rarely with several Pyodide workers alive
// (docs/design.md, "Sessions in a row"), so that fewer are. WebKit is told by navigator.vendor,
// "Apple Computer, Inc." in every WebKit browser (Safari, WebKitGTK) and in no other engine
// (Chromium: "Google Inc.", Gecko: ""). Elsewhere helpers live as long as the page.
// ?helper-idle=MS in the page's address sets the limit in any engine (the tests use it).
export const HELPER_IDLE_MS = (() => {
  const asked = Number(new URLSearchParams(self.location.search).get("helper-idle") || NaN);
  if (asked >= 0) return asked;
  return navigator.vendor === "Apple Computer, Inc." ? 10000 : Infinity;
})();

export class ModelClient extends EventTarget {
  // `role`: "model" (the figures' model: its status is the page's <html data-model>), "helper"
  // (possible paths) or "console".
  constructor({ role = "model" } = {}) {
    super();
    this.role = role;
    this.announce = role === "model";
    this.spreads = 0; // paths requests spread over this worker and its helpers, running now
    this.nextId = 1;
    this.pending = new Map();
    this.status = "idle"; // idle → loading → ready | failed
    this.failure = "";
    this.ready = new Promise((resolve, reject) => {
      this._resolveReady = resolve;
      this._rejectReady = reject;
    });
    this.ready.catch(() => {});
  }

  start(base) {
    if (this.status !== "idle") return this.ready;
    this.base = base;
    this.startedAt = performance.now(); // ms after navigation: bench/browser.py reports it
    const boot = { role: this.role, started: Math.round(this.startedAt) };
    this._setStatus("loading");
    try {
      this.worker = new Worker(new URL("runtime/worker.js", base));
    } catch (e) {
      this._fail("this browser cannot start the model");
      return this.ready;
    }
    this.boot = boot;
    boots.push(boot);
    this.worker.onmessage = (e) => this._onMessage(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      if (this.status === "ready" && this.onCrash) this.onCrash();
      else this._fail("the model stopped unexpectedly");
    };
    // the worker cannot read the page: it gets the Pyodide files to check from here
    // ?kernel=off in the page's address keeps the model on NumPy (benchmarks compare the two);
    // ?kernel=simd takes the kernel without fused multiply-add even where relaxed SIMD is there
    const asked = new URLSearchParams(self.location.search).get("kernel");
    const kernel = asked === "off" ? false : asked === "simd" ? "simd" : true;
    const init = { base: new URL(".", base).href, pyodideFiles: PYODIDE_FILES, kernel };
    let job;
    try {
      job = this._send("init", pyodideCore ? { ...init, core: pyodideCore } : init);
    } catch (e) {
      job = this._send("init", init); // a browser that cannot pass a Module on (DataCloneError): the worker compiles its own
    }
    job.promise.then((r) => {
      if (SHARE_CORE && r.core instanceof WebAssembly.Module) pyodideCore = pyodideCore || r.core;
      Object.assign(boot, { ready: Math.round(performance.now()), core: r.info.pyodideCore, timings: r.info.timings });
      this.info = r.info;
      this._setStatus("ready");
      this._resolveReady(r.info);
    }, (err) => this._fail(err.message));
    return this.ready;
  }

  request(type, payload = {}, { onProgress, transfer } = {}) {
    if (this.status !== "ready") {
      const err = Promise.reject(new Error(this.failure || "the model is not loaded yet"));
      err.catch(() => {});
      return { id: 0, promise: err, cancel() {} };
    }
    return this._send(type, payload, onProgress, transfer);
  }

  _send(type, payload, onProgress, transfer) {
    const id = this.nextId++;
    this.worker.postMessage({ ...payload, id, type }, transfer || []); // throws, nothing pending, if the payload cannot be cloned
    const promise = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, onProgress }));
    return { id, promise, cancel: () => this.worker.postMessage({ type: "cancel", target: id }) };
  }

  // The synthesis model (fig-write, the console's synth and write), loaded into this worker once,
  // when first asked for: fetches the weights the build ships (the page config says where) and
  // hands them over in a "synthesis" request. Resolves with its info; rejects with one sentence
  // (and may be asked again). A restarted worker loads it anew.
  loadSynthesis() {
    if (!SYNTHESIS) return Promise.reject(new Error("this site has no model that writes a given text"));
    if (!this.synthesis) {
      const url = new URL(SYNTHESIS.weights, this.base);
      this.synthesis = this.ready
        .then(() => fetch(url).catch(() => null))
        .then((r) => {
          if (!r || !r.ok) throw new Error(`the file ${SYNTHESIS.weights} could not be loaded`);
          return r.arrayBuffer();
        })
        .then((buf) => this.request("synthesis", { weights: new Uint8Array(buf) }, { transfer: [buf] }).promise)
        .then((r) => r.info);
      this.synthesis.catch(() => { this.synthesis = null; });
    }
    return this.synthesis;
  }

  // Possible paths on several cores: helper workers run the same worker.js and protocol, booted on
  // first use (one per spare core, at most 3; at most 1 where the browser does not say how much
  // memory it has; none under 4 GB), and stopped after HELPER_IDLE_MS without paths, to be booted
  // again on the next. A "helpers" event says one more is ready.
  startHelpers() {
    if (this.helpers || this.status !== "ready") return;
    const cores = navigator.hardwareConcurrency || 1;
    const memory = navigator.deviceMemory;
    const count = memory === undefined ? Math.min(1, cores - 1) : memory < 4 ? 0 : Math.min(3, cores - 1);
    this.helpers = [];
    for (let k = 0; k < count; k++) {
      const helper = new ModelClient({ role: "helper" });
      helper.onCrash = () => helper.retire("a helper stopped");
      helper.start(this.base).then(() => this.dispatchEvent(new Event("helpers")), () => {});
      this.helpers.push(helper);
    }
  }

  // Stop this (helper) worker for good: its pending requests fail, and spread() no longer uses it.
  retire(sentence) {
    this._stop();
    this._fail(sentence);
  }

  _stop() {
    if (this.worker) this.worker.terminate();
    if (this.boot && this.boot.ended === undefined) this.boot.ended = Math.round(performance.now());
  }

  // Paths have just stopped running (every spread request ended): the helpers are stopped once
  // HELPER_IDLE_MS pass without another.
  _idle() {
    clearTimeout(this.idleTimer);
    if (!this.helpers || !Number.isFinite(HELPER_IDLE_MS)) return;
    this.idleTimer = setTimeout(() => {
      if (this.spreads || !this.helpers) return;
      this.helpers.forEach((h) => h.retire("an idle helper was stopped"));
      this.helpers = null;
    }, HELPER_IDLE_MS);
  }

  // A request whose points can be split by {start, stride} (paths), spread over this worker and
  // the ready helpers; progress replies arrive from all of them, each with its own first/stride.
  // A helper that fails, or sends nothing for STALL_MS, is retired and the points it still owed
  // go to this worker: the caller sees one request that completes, or fails only if this worker does.
  spread(type, payload, { onProgress } = {}) {
    const points = payload.strokes.length / 3;
    const start = payload.start || 0;
    const workers = [this, ...(this.helpers || []).filter((h) => h.status === "ready")]
      .slice(0, Math.max(1, points - start));
    const stride = workers.length;
    const parts = new Set();
    let settle, stopped = false;
    const promise = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    this.spreads++;
    clearTimeout(this.idleTimer);
    const end = (ok, value) => {
      stopped = true;
      clearInterval(watchdog);
      if (!--this.spreads) this._idle();
      (ok ? settle.resolve : settle.reject)(value);
    };
    const launch = (worker, first) => {
      const part = { worker, next: first, seen: performance.now() };
      part.job = worker.request(type, { ...payload, start: first, stride }, {
        onProgress: (msg) => {
          part.next = msg.first + msg.count * stride;
          part.seen = performance.now();
          if (onProgress && !stopped) onProgress(msg);
        },
      });
      parts.add(part);
      part.job.promise.then((result) => {
        parts.delete(part);
        if (!parts.size && !stopped) end(true, result);
      }, (err) => {
        parts.delete(part);
        if (stopped) return;
        if (err.cancelled || worker === this) { cancel(); end(false, err); return; }
        worker.retire("a helper stopped"); // its remaining points go to the model worker
        if (part.next < points) launch(this, part.next);
        else if (!parts.size) end(true, { points });
      });
    };
    const cancel = () => parts.forEach((part) => part.job.cancel());
    const watchdog = setInterval(() => {
      for (const part of parts) if (part.worker !== this && performance.now() - part.seen > STALL_MS) part.worker.retire("a helper stalled");
    }, 1000);
    workers.forEach((w, k) => launch(w, start + k));
    return { id: [...parts][0].job.id, promise, cancel, workers: stride };
  }

  _onMessage(msg) {
    const job = this.pending.get(msg.id);
    if (!job) return;
    if (msg.type === "progress") {
      if (job.onProgress) job.onProgress(msg);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === "result") job.resolve(msg);
    else {
      const err = new Error(msg.message || "the model failed");
      err.cancelled = !!msg.cancelled;
      job.reject(err);
    }
  }

  _fail(sentence) {
    if (this.status === "failed") return;
    this.failure = sentence;
    this._setStatus("failed");
    this._rejectReady(new Error(sentence));
    for (const job of this.pending.values()) job.reject(new Error(sentence));
    this.pending.clear();
  }

  // Stop the worker (an endless loop, a crash) and boot a fresh one; pending requests fail.
  restart(sentence = "stopped") {
    this._stop();
    for (const job of this.pending.values()) job.reject(new Error(sentence));
    this.pending.clear();
    this.status = "idle";
    this.synthesis = null;
    this.ready = new Promise((resolve, reject) => { this._resolveReady = resolve; this._rejectReady = reject; });
    this.ready.catch(() => {});
    return this.start(this.base);
  }

  _setStatus(status) {
    this.status = status;
    if (this.announce) document.documentElement.dataset.model = status;
    this.dispatchEvent(new Event("status"));
  }
}

export const model = new ModelClient();

// Flat Float32Array (T × 3) from an array of [dx, dy, pen] rows.
export function flatten(rows) {
  const out = new Float32Array(rows.length * 3);
  rows.forEach((r, i) => out.set(r, i * 3));
  return out;
}
