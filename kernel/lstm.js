// The LSTM step as a WebAssembly SIMD kernel (kernel/lstm.c → kernel/lstm.wasm): a plain script for
// a classic worker (importScripts defines self.LstmKernel) that also works as a CommonJS module.
//
//   LstmKernel.simd()              → true where this runtime validates a WebAssembly SIMD module
//   LstmKernel.relaxed()           → true where it validates relaxed SIMD (fused multiply-add)
//   LstmKernel.choose(plain)       → the module to fetch: "lstm-fma.wasm" where relaxed SIMD is
//       (unless plain), else "lstm.wasm", or null without SIMD (keep the NumPy path then)
//   await LstmKernel.create(bytes) → a kernel, or null without SIMD
//   kernel.load(W, b, W_out, b_out, H, nOut)   weights as Model holds them (internal gate order
//       i, f, o halved | g): W row-major (3+H)×4H, W_out row-major H×nOut; float array-likes or
//       PyProxies of C-contiguous float32 NumPy arrays. Call again to re-send an edited model.
//       Afterwards kernel.compact tells whether the recurrent weights factor as integers times a
//       unit per column (quantized weights do), which one-row products then read at half the bytes
//   kernel.step(x, h, c, B, withY) → {h, c, y?} (fresh Float32Arrays); h, c of B rows, or of one
//       row that all B rows of x continue (Model.branch)
//   kernel.outputs(h, B)           → y (B×nOut): h·W_out + b_out
//   kernel.views(B, rows) → [x, h, c, h2, c2, y] Float32Array views of the kernel's I/O buffers, and
//   kernel.run(B, shared, withY), kernel.runOutputs(B): the copy-it-yourself form. From Pyodide,
//       view.assign(ndarray) and view.assign_to(ndarray) copy in ~2 µs each, where passing
//       ndarrays as arguments (a PyProxy, getBuffer) costs ~20 µs each (measured under Node)
//   kernel.sequence(x, h0, c0, T) → {h, c} (T×H each): a line teacher-forced in one call (Model.run)
//   kernel.reserve(B): room for B rows (growing detaches earlier views; so does load)
//   kernel.another()      → a second kernel of the same compiled module, with its own memory (a
//       second model beside the first, as the benchmarks' synthetic one)
/* global self */
"use strict";
(function (root) {
  // (module (func (result v128) i32.const 0 i32x4.splat)): valid only where SIMD is
  const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
    10, 8, 1, 6, 0, 65, 0, 253, 17, 11]);
  // (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2
  // f32x4.relaxed_madd)): valid only where relaxed SIMD is
  const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123,
    3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);
  const NAMES = ["x", "h", "c", "h2", "c2", "y"];

  function valid(probe) {
    try { return typeof WebAssembly === "object" && WebAssembly.validate(probe); } catch (e) { return false; }
  }
  const simd = () => valid(SIMD_PROBE);
  const relaxed = () => simd() && valid(RELAXED_PROBE);
  const choose = (plain) => (!simd() ? null : relaxed() && !plain ? "lstm-fma.wasm" : "lstm.wasm");

  // Float32Array views of typed arrays or of PyProxies of float32 NumPy arrays (released after fn).
  function withArrays(arrays, fn) {
    const held = [];
    try {
      return fn(arrays.map((a) => {
        if (a === null || a === undefined || ArrayBuffer.isView(a)) return a || null;
        const buf = a.getBuffer("f32");
        held.push(buf);
        if (!buf.c_contiguous || buf.itemsize !== 4 || !/f$/.test(buf.format)) {
          throw new Error("lstm kernel: NumPy arrays must be C-contiguous float32");
        }
        return buf.data;
      }));
    } finally {
      held.forEach((buf) => buf.release());
    }
  }

  function Kernel(module, instance) {
    this.module = module;
    this.exports = instance.exports;
    this.hidden = 0;
    this.nOut = 0;
    this.capacity = 0;
    this.base = null;
    this.compact = false; // the recurrent weights also held as bfloat16 integers × column units
  }

  Kernel.prototype.load = function (W, b, W_out, b_out, H, nOut) {
    return withArrays([W, b, W_out, b_out], (arrays) => this.loadArrays(...arrays, H, nOut));
  };

  Kernel.prototype.loadArrays = function (W, b, W_out, b_out, H, nOut) {
    const K = 3 + H;
    if (W.length !== K * 4 * H || b.length !== 4 * H || W_out.length !== H * nOut || b_out.length !== nOut) {
      throw new Error(`lstm kernel: weight sizes do not match H=${H}, n_out=${nOut}`);
    }
    const at = this.exports.lstm_prepare(H, nOut);
    if (!at) throw new Error("lstm kernel: out of memory");
    const stage = new Float32Array(this.exports.memory.buffer, at, W.length + b.length + W_out.length + nOut);
    let o = 0;
    for (const a of [W, b, W_out, b_out]) { stage.set(a, o); o += a.length; }
    this.compact = this.exports.lstm_pack() === 1;
    this.hidden = H;
    this.nOut = nOut;
    this.capacity = 0;
    return this;
  };

  // Room in the I/O buffers for B rows. Growing the kernel's memory detaches every view made
  // before (so does load): a caller that keeps views makes them again after either.
  Kernel.prototype.reserve = function (B) {
    if (!this.hidden) throw new Error("lstm kernel: no model loaded");
    if (B > this.capacity) {
      const t = this.exports.lstm_buffers(B);
      if (!t) throw new Error("lstm kernel: out of memory");
      const table = new Int32Array(this.exports.memory.buffer, t, 8);
      this.base = Array.from(table); // byte offsets: x, h, c, h2, c2, y, capacity, scratch
      this.capacity = table[6];
    }
    return this.capacity;
  };

  // Float32Array views of the I/O buffers, [x, h, c, h2, c2, y]: x (B×3), h and c (rows×H: B rows,
  // or 1 shared by all B), h2 and c2 (B×H), y (B×nOut). run() reads the first three, writes the rest.
  Kernel.prototype.views = function (B, rows) {
    this.reserve(B);
    const mem = this.exports.memory.buffer, H = this.hidden, r = rows === undefined ? B : rows;
    const sizes = [3 * B, r * H, r * H, B * H, B * H, B * this.nOut];
    return NAMES.map((_, i) => new Float32Array(mem, this.base[i], sizes[i]));
  };

  Kernel.prototype.run = function (B, shared, withY) {
    this.exports.lstm_step(B, shared ? 1 : 0, withY ? 1 : 0);
  };

  Kernel.prototype.runOutputs = function (B) {
    this.exports.lstm_outputs(B);
  };

  Kernel.prototype.step = function (x, h, c, B, withY) {
    const H = this.hidden;
    const rows = h.length / H;
    if (x.length !== 3 * B || (rows !== B && rows !== 1) || c.length !== h.length) {
      throw new Error("lstm kernel: step wants x (B×3) and h, c of B rows or of one row");
    }
    const [vx, vh, vc, vh2, vc2, vy] = this.views(B, rows);
    vx.set(x);
    vh.set(h);
    vc.set(c);
    this.exports.lstm_step(B, rows === 1 && B > 1 ? 1 : 0, withY ? 1 : 0);
    const out = { h: vh2.slice(), c: vc2.slice() };
    if (withY) out.y = vy.slice();
    return out;
  };

  Kernel.prototype.outputs = function (h, B) {
    if (h.length !== B * this.hidden) throw new Error("lstm kernel: outputs wants h (B×H)");
    const v = this.views(B);
    v[1].set(h);
    this.exports.lstm_outputs(B);
    return v[5].slice();
  };

  // Teacher forcing: T rows of x (T×3) fed one after another from h0, c0 (one row each) →
  // {h, c}: fresh Float32Arrays (T×H), the state after each row (Model.run). One call for a line.
  Kernel.prototype.sequence = function (x, h0, c0, T) {
    return withArrays([x, h0, c0], ([xs, h, c]) => {
      const H = this.hidden, e = this.exports;
      if (xs.length !== 3 * T || h.length !== H || c.length !== H) throw new Error("lstm kernel: sequence wants x (T×3), h0 and c0 (H)");
      const [vx, vh, vc, vh2, vc2] = this.views(1, 1);
      const hs = new Float32Array(T * H), cs = new Float32Array(T * H);
      vh.set(h);
      vc.set(c);
      for (let t = 0; t < T; t++) {
        vx.set(xs.subarray(3 * t, 3 * t + 3));
        e.lstm_step(1, 0, 0);
        hs.set(vh2, t * H);
        cs.set(vc2, t * H);
        vh.set(vh2);
        vc.set(vc2);
      }
      return { h: hs, c: cs };
    });
  };

  Kernel.prototype.another = function () {
    return new Kernel(this.module, new WebAssembly.Instance(this.module, {}));
  };

  // tanh of every value (the kernel's own; for tests)
  Kernel.prototype.tanh = function (values) {
    const n = values.length, e = this.exports;
    if (!this.hidden) this.load(new Float32Array(16), new Float32Array(4), new Float32Array(1), new Float32Array(1), 1, 1);
    this.reserve(Math.ceil(n / Math.max(this.hidden, this.nOut)) + 1); // the scratch area fits n
    const at = this.base[7];
    const buf = new Float32Array(e.memory.buffer, at, n);
    buf.set(values);
    e.lstm_tanh(at, n);
    return buf.slice();
  };

  async function create(bytes) {
    if (!simd()) return null;
    const { module, instance } = await WebAssembly.instantiate(bytes, {});
    return new Kernel(module, instance);
  }

  // Synchronous form (a worker may compile a small module synchronously).
  function createSync(bytes) {
    if (!simd()) return null;
    const module = new WebAssembly.Module(bytes);
    return new Kernel(module, new WebAssembly.Instance(module, {}));
  }

  const api = { simd, relaxed, choose, create, createSync, Kernel };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.LstmKernel = api;
})(typeof self !== "undefined" ? self : globalThis);
