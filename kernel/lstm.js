// The layers of a model's step as a WebAssembly SIMD kernel (kernel/lstm.c → kernel/lstm.wasm): a
// plain script for a classic worker (importScripts defines self.LstmKernel) that also works as a
// CommonJS module. A kernel holds a model's layers, LSTM and linear ones, each addressed by the
// index it was added at.
//
//   LstmKernel.simd()              → true where this runtime validates a WebAssembly SIMD module
//   LstmKernel.relaxed()           → true where it validates relaxed SIMD (fused multiply-add)
//   LstmKernel.choose(plain)       → the module to fetch: "lstm-fma.wasm" where relaxed SIMD is
//       (unless plain), else "lstm.wasm", or null without SIMD (keep the NumPy path then)
//   await LstmKernel.create(bytes) → a kernel, or null without SIMD
//   kernel.clear()                 forget every layer
//   kernel.addLstm(W, b, I, H)     → the new layer's index: an LSTM layer of I inputs and H units as
//       engine.backend.Lstm holds it (internal gate order i, f, o halved | g): W row-major
//       (I+H)×4H, b 4H
//   kernel.addLinear(W, b, nIn, nOut) → the new layer's index: y = a·W + b, W row-major nIn×nOut
//       (weights: float array-likes, or PyProxies of C-contiguous float32 NumPy arrays)
//   kernel.update(i, W, b)         re-send layer i's weights (the same sizes): an edited model
//   kernel.layers[i]               {kind: "lstm" | "linear", inputs, outputs (H or nOut), compact}:
//       an LSTM's compact[k] tells whether block k of its rows (its input rows, then its recurrent
//       rows) factors as integers times a unit per column (quantized weights do), which one-row
//       products then read at half the bytes; a linear layer's is [] (float panels only)
//   kernel.step(i, x, h, c, B, follow) → {h, c, y?} (fresh Float32Arrays): LSTM layer i's update of
//       x (B×I) and h, c of B rows, or of one row that all B rows of x continue (Model.branch);
//       with follow ≥ 0, y of linear layer `follow` on the new h, in the same call
//   kernel.outputs(i, a, B)        → y (B×nOut) of linear layer i: a·W + b
//   kernel.views(i, B, rows)       → Float32Array views of layer i's I/O buffers: an LSTM's
//       [x, h, c, h2, c2] (h, c of `rows` rows: B, or 1 shared by all B), a linear layer's [a, y];
//   kernel.run(i, B, shared, follow), kernel.runLinear(i, B): the copy-it-yourself form. From
//       Pyodide, view.assign(ndarray) and view.assign_to(ndarray) copy in ~2 µs each, where passing
//       ndarrays as arguments (a PyProxy, getBuffer) costs ~20 µs each (measured under Node)
//   kernel.sequence(i, x, h0, c0, T) → {h, c} (T×H each): LSTM layer i fed T rows of x (T×I) one
//       after another from h0, c0 (Model.run), in one call
//   kernel.reserve(B): room for B rows in every layer's buffers (growing detaches earlier views; so
//       do clear, addLstm and addLinear)
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

  const LSTM = 0, LINEAR = 1;

  function Kernel(module, instance) {
    this.module = module;
    this.exports = instance.exports;
    this.layers = []; // what each layer is (see above), and where its staging area and buffers are
    this.capacity = 0;
    this.exports.kernel_clear();
  }

  Kernel.prototype.clear = function () {
    this.exports.kernel_clear();
    this.layers = [];
    this.capacity = 0;
  };

  Kernel.prototype.addLstm = function (W, b, I, H) {
    return this.add(LSTM, W, b, I, H);
  };

  Kernel.prototype.addLinear = function (W, b, nIn, nOut) {
    return this.add(LINEAR, W, b, nIn, nOut);
  };

  Kernel.prototype.add = function (kind, W, b, inputs, n) {
    if (!(Number.isInteger(inputs) && Number.isInteger(n) && inputs >= 1 && n >= 1)) {
      throw new Error("lstm kernel: a layer needs a whole number ≥ 1 of inputs and of outputs");
    }
    if (this.layers.length === 16) throw new Error("lstm kernel: a kernel holds 16 layers at most");
    const lstm = kind === LSTM;
    const layer = { kind: lstm ? "lstm" : "linear", inputs, outputs: n, compact: [], stage: 0,
                    rows: lstm ? inputs + n : inputs, cols: lstm ? 4 * n : n, buffers: null };
    return withArrays([W, b], ([w, bias]) => {
      sizes(layer, this.layers.length, w, bias);
      layer.stage = this.exports.kernel_add(kind, inputs, n);
      if (!layer.stage) throw new Error("lstm kernel: out of memory");
      this.layers.push(layer);
      this.capacity = 0;
      this.fill(this.layers.length - 1, w, bias);
      return this.layers.length - 1;
    });
  };

  function sizes(layer, i, w, bias) {
    const { rows, cols } = layer;
    if (w.length !== rows * cols || bias.length !== cols) {
      throw new Error(`lstm kernel: layer ${i} takes W of ${rows}×${cols} and b of ${cols} values, ` +
                      `got ${w.length} and ${bias.length}`);
    }
  }

  // Layer i's weights into its staging area, then packed.
  Kernel.prototype.fill = function (i, w, bias) {
    const layer = this.layers[i], { rows, cols } = layer;
    const stage = new Float32Array(this.exports.memory.buffer, layer.stage, rows * cols + cols);
    stage.set(w);
    stage.set(bias, rows * cols);
    const bits = this.exports.kernel_pack(i);
    layer.compact = Array.from({ length: layer.kind === "lstm" ? 2 : 0 }, (_, k) => ((bits >> k) & 1) === 1);
  };

  Kernel.prototype.layer = function (i, kind) {
    const layer = this.layers[i];
    if (!layer || (kind && layer.kind !== kind)) throw new Error(`lstm kernel: it holds no ${kind ? kind + " " : ""}layer ${i}`);
    return layer;
  };

  Kernel.prototype.update = function (i, W, b) {
    const layer = this.layer(i);
    withArrays([W, b], ([w, bias]) => {
      sizes(layer, i, w, bias);
      this.fill(i, w, bias);
    });
    return this;
  };

  // Room in every layer's I/O buffers for B rows. Growing the kernel's memory detaches every view
  // made before (so does adding a layer): a caller that keeps views makes them again after either.
  Kernel.prototype.reserve = function (B) {
    if (!this.layers.length) throw new Error("lstm kernel: no layer loaded");
    if (B > this.capacity) {
      const e = this.exports;
      const got = e.kernel_buffers(B);
      if (!got) throw new Error("lstm kernel: out of memory");
      this.layers.forEach((layer, i) => {
        layer.buffers = Array.from({ length: layer.kind === "lstm" ? 5 : 2 }, (_, k) => e.kernel_buffer(i, k));
      });
      this.capacity = got;
    }
    return this.capacity;
  };

  // Float32Array views of layer i's I/O buffers: an LSTM's [x, h, c, h2, c2], x (B×I), h and c
  // (rows×H: B rows, or 1 shared by all B), h2 and c2 (B×H); run() reads the first three, writes the
  // others. A linear layer's [a, y]: a (B×nIn), y (B×nOut).
  Kernel.prototype.views = function (i, B, rows) {
    const layer = this.layer(i);
    this.reserve(B);
    const mem = this.exports.memory.buffer, r = rows === undefined ? B : rows, I = layer.inputs, n = layer.outputs;
    const at = layer.buffers;
    if (layer.kind === "linear") return [new Float32Array(mem, at[0], B * I), new Float32Array(mem, at[1], B * n)];
    return [new Float32Array(mem, at[0], B * I), new Float32Array(mem, at[1], r * n), new Float32Array(mem, at[2], r * n),
      new Float32Array(mem, at[3], B * n), new Float32Array(mem, at[4], B * n)];
  };

  Kernel.prototype.run = function (i, B, shared, follow) {
    if (!this.exports.kernel_step(i, B, shared ? 1 : 0, follow === undefined || follow === null ? -1 : follow)) {
      throw new Error(`lstm kernel: step(${i}, B=${B}, follow=${follow}) does not fit the layers held`);
    }
  };

  Kernel.prototype.runLinear = function (i, B) {
    if (!this.exports.kernel_linear(i, B)) throw new Error(`lstm kernel: no linear layer ${i} of ${B} rows`);
  };

  Kernel.prototype.step = function (i, x, h, c, B, follow) {
    const layer = this.layer(i, "lstm"), H = layer.outputs;
    const rows = h.length / H;
    if (x.length !== layer.inputs * B || (rows !== B && rows !== 1) || c.length !== h.length) {
      throw new Error(`lstm kernel: step wants x (B×${layer.inputs}) and h, c of B rows or of one row`);
    }
    const [vx, vh, vc, vh2, vc2] = this.views(i, B, rows);
    vx.set(x);
    vh.set(h);
    vc.set(c);
    const f = follow === undefined || follow === null ? -1 : follow;
    this.run(i, B, rows === 1 && B > 1, f);
    const out = { h: vh2.slice(), c: vc2.slice() };
    if (f >= 0) {
      const F = this.layers[f]; // run checked it is a linear layer reading h
      out.y = new Float32Array(this.exports.memory.buffer, F.buffers[1], B * F.outputs).slice();
    }
    return out;
  };

  Kernel.prototype.outputs = function (i, a, B) {
    const layer = this.layer(i, "linear");
    if (a.length !== B * layer.inputs) throw new Error(`lstm kernel: outputs wants a (B×${layer.inputs})`);
    const [va, vy] = this.views(i, B);
    va.set(a);
    this.runLinear(i, B);
    return vy.slice();
  };

  // Teacher forcing: T rows of x (T×I) fed one after another from h0, c0 (one row each) →
  // {h, c}: fresh Float32Arrays (T×H), the state after each row (Model.run). One call for a line.
  Kernel.prototype.sequence = function (i, x, h0, c0, T) {
    const layer = this.layer(i, "lstm");
    return withArrays([x, h0, c0], ([xs, h, c]) => {
      const H = layer.outputs, I = layer.inputs, e = this.exports;
      if (xs.length !== I * T || h.length !== H || c.length !== H) {
        throw new Error(`lstm kernel: sequence wants x (T×${I}), h0 and c0 (${H})`);
      }
      const [vx, vh, vc, vh2, vc2] = this.views(i, 1, 1);
      const hs = new Float32Array(T * H), cs = new Float32Array(T * H);
      vh.set(h);
      vc.set(c);
      for (let t = 0; t < T; t++) {
        vx.set(xs.subarray(I * t, I * t + I));
        e.kernel_step(i, 1, 0, -1);
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
    const at = e.kernel_scratch(n);
    if (!at) throw new Error("lstm kernel: out of memory");
    const buf = new Float32Array(e.memory.buffer, at, n);
    buf.set(values);
    e.kernel_tanh(at, n);
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
