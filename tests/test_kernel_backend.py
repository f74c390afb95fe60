"""The model's backend seam (engine.backend) and engine.kernel in CPython, on a stand-in for the
WebAssembly kernel that does its arithmetic in NumPy: every product of the model goes through its
backend; the kernel backend gives the NumPy backend's results layer by layer and refuses layers it
does not hold; the plumbing (views, copies, shared rows, blocks of outputs, a whole line in one
call), the weights re-sent after an edit, and the worker falling back to NumPy when the kernel
fails. The real kernel's arithmetic is checked against NumPy in tests/test_kernel.py, and in the
browser."""
import numpy as np
import pytest

import engine
from engine import protocol
from engine import synthesis as S
from engine import weights as W
from engine.backend import NUMPY, Linear, Lstm, NumpyBackend, State
from engine.console import Console
from engine.kernel import KernelBackend, attach
from engine.paths import possible_paths
from tests.helpers import random_line, random_synthesis, random_weights


class View:
    def __init__(self, a):
        self.a = a

    def assign(self, src):
        self.a[...] = np.asarray(src, np.float32).ravel()

    def assign_to(self, dst):
        dst[...] = self.a.reshape(dst.shape)


class Proxy:  # what a JS typed array looks like from Python: to_py() gives its memory
    def __init__(self, a):
        self.a = a

    def to_py(self):
        return memoryview(self.a)


class FakeKernel:
    """The JS kernel's methods (kernel/lstm.js), computed with NumPy in float32."""

    def __init__(self):
        self.loads = 0  # layers sent (added or updated)
        self.runs = []  # (LSTM layer, linear layer computed with it or -1) of each step; linear layers run alone
        self.others = []
        self.clear()

    def another(self):
        self.others.append(FakeKernel())
        return self.others[-1]

    def clear(self):
        self.layers, self.cap = [], 0

    def _add(self, kind, Wt, b, inputs, n):
        self.layers.append(type("Layer", (), {"kind": kind, "inputs": inputs, "outputs": n, "compact": []})())
        self.cap = 0
        self.update(len(self.layers) - 1, Wt, b)
        return len(self.layers) - 1

    def addLstm(self, Wt, b, inputs, hidden):  # noqa: N802 — the JS method's name
        return self._add("lstm", Wt, b, inputs, hidden)

    def addLinear(self, Wt, b, n_in, n_out):  # noqa: N802
        return self._add("linear", Wt, b, n_in, n_out)

    def update(self, i, Wt, b):
        layer = self.layers[i]
        rows, cols = ((layer.inputs + layer.outputs, 4 * layer.outputs) if layer.kind == "lstm"
                      else (layer.inputs, layer.outputs))
        if np.size(Wt) != rows * cols or np.size(b) != cols:
            raise RuntimeError(f"lstm kernel: layer {i} takes W of {rows}x{cols}")
        layer.W, layer.b = np.array(Wt, np.float32).reshape(rows, cols), np.array(b, np.float32)
        layer.compact = [False, False] if layer.kind == "lstm" else []
        self.loads += 1

    def reserve(self, B):
        if B > self.cap:
            self.cap = B
            for layer in self.layers:
                n, I = layer.outputs, layer.inputs
                sizes = (I, n, n, n, n) if layer.kind == "lstm" else (I, n)
                layer.buf = [np.zeros(B * k, np.float32) for k in sizes]

    def views(self, i, B, rows):
        self.reserve(B)
        layer = self.layers[i]
        n, I = layer.outputs, layer.inputs
        sizes = (B * I, rows * n, rows * n, B * n, B * n) if layer.kind == "lstm" else (B * I, B * n)
        return [View(buf[:k]) for buf, k in zip(layer.buf, sizes)]

    @staticmethod
    def _step(layer, x, h, c):
        H = layer.outputs
        z = np.concatenate([x, np.broadcast_to(h, (len(x), H))], axis=1) @ layer.W + layer.b
        t = np.tanh(z)
        s = 0.5 + 0.5 * t[:, :3 * H]
        c2 = s[:, H:2 * H] * c + s[:, :H] * t[:, 3 * H:]
        return s[:, 2 * H:] * np.tanh(c2), c2

    def run(self, i, B, shared, follow):
        layer = self.layers[i]
        assert layer.kind == "lstm" and B <= self.cap
        H, I, rows = layer.outputs, layer.inputs, 1 if shared else B
        x, h, c = layer.buf[0][:I * B].reshape(B, I), layer.buf[1][:rows * H].reshape(rows, H), layer.buf[2][:rows * H].reshape(rows, H)
        h2, c2 = self._step(layer, x, h, c)
        self.runs.append((i, follow))
        layer.buf[3][:B * H], layer.buf[4][:B * H] = h2.ravel(), c2.ravel()
        if follow >= 0:
            f = self.layers[follow]
            assert f.kind == "linear" and f.inputs == H
            f.buf[1][:B * f.outputs] = (h2 @ f.W + f.b).ravel()

    def runLinear(self, i, B):  # noqa: N802
        layer = self.layers[i]
        assert layer.kind == "linear" and B <= self.cap
        self.runs.append(i)
        a = layer.buf[0][:B * layer.inputs].reshape(B, layer.inputs)
        layer.buf[1][:B * layer.outputs] = (a @ layer.W + layer.b).ravel()

    def sequence(self, i, x, h0, c0, T):
        layer = self.layers[i]
        h, c = h0.reshape(1, -1), c0.reshape(1, -1)
        hs, cs = [], []
        for t in range(T):
            h, c = self._step(layer, x.reshape(T, -1)[t:t + 1], h, c)
            hs.append(h[0])
            cs.append(c[0])
        return type("Res", (), {"h": Proxy(np.concatenate(hs)), "c": Proxy(np.concatenate(cs))})()


def pair(hidden=16, mixtures=3):
    w = random_weights(hidden=hidden, mixtures=mixtures)
    plain, fast = engine.Model(w), engine.Model(w)
    kernel = FakeKernel()
    return plain, fast, attach(fast, kernel), kernel


class Refused(Exception):
    pass


class Refusing:
    """A backend that refuses every product: what a model computes without its backend shows."""

    def step(self, lstm, x, h, c):
        raise Refused("step")

    def sequence(self, lstm, x, state):
        raise Refused("sequence")

    def linear(self, layer, a):
        raise Refused("linear")

    def sync(self):
        return False


USES = {  # every way the engine computes with a model
    "step": lambda m, line: m.step(line[:2], m.zero_state(2)),
    "branch": lambda m, line: m.branch(line[:5], m.zero_state(1).h, m.zero_state(1).c),
    "outputs": lambda m, line: m.outputs(m.zero_state(3).h),
    "mixture": lambda m, line: m.mixture(m.zero_state(3).h),
    "states": lambda m, line: m.states(line),
    "run": lambda m, line: m.run(line),
    "generate": lambda m, line: engine.generate(m, 5, 0.5, seed=1),
    "feed": lambda m, line: engine.feed(m, line),
    "nll": lambda m, line: engine.nll(m, line),
    "activations": lambda m, line: engine.activations(m, line),
    "paths": lambda m, line: possible_paths(m, line, 3, 2, 0.5, seed=1),
}


@pytest.mark.parametrize("use", sorted(USES))
def test_every_product_of_the_model_goes_through_its_backend(use):
    model, line = engine.Model(random_weights()), random_line(12)
    assert model.backend is NUMPY
    USES[use](model, line)  # works on the NumPy backend
    model.backend = Refusing()
    with pytest.raises(Refused):
        USES[use](model, line)


def layers(inputs=3, hidden=16, n_out=19, seed=0):
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return (Lstm(rng.normal(0, 0.5, (inputs + hidden, 4 * hidden)).astype(f32), rng.normal(0, 0.1, 4 * hidden).astype(f32)),
            Linear(rng.normal(0, 0.5, (hidden, n_out)).astype(f32), rng.normal(0, 0.1, n_out).astype(f32)))


@pytest.mark.parametrize("inputs", [3, 84])
def test_the_kernel_backend_gives_the_numpy_backend_s_results_layer_by_layer(inputs):
    lstm, head = layers(inputs=inputs)
    kernel, ref = KernelBackend(FakeKernel(), [lstm, head]), NumpyBackend()
    rng = np.random.default_rng(1)
    x, h, c = (rng.normal(0, 1, (5, n)).astype(np.float32) for n in (inputs, 16, 16))
    for hs, cs in ((h, c), (h[:1], c[:1])):  # a row each, and one row shared by every x
        for a, b in zip(kernel.step(lstm, x, hs, cs), ref.step(lstm, x, hs, cs)):
            np.testing.assert_allclose(a, b, atol=1e-5)
    start = State(h[:1], c[:1])
    for a, b in zip(kernel.sequence(lstm, x, start), ref.sequence(lstm, x, start)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(kernel.linear(head, h), ref.linear(head, h), atol=1e-5)


def test_the_kernel_backend_refuses_layers_it_does_not_hold():
    lstm, head = layers()
    with pytest.raises(ValueError, match="LSTM and linear layers"):
        KernelBackend(FakeKernel(), [lstm, "head"])
    with pytest.raises(ValueError, match="at least one layer"):
        KernelBackend(FakeKernel(), [])
    backend = KernelBackend(FakeKernel(), [lstm, head])
    other, other_head = layers(seed=1)
    x, h = np.zeros((1, 3), np.float32), np.zeros((1, 16), np.float32)
    with pytest.raises(ValueError, match="does not hold this LSTM layer"):
        backend.step(other, x, h, h)
    with pytest.raises(ValueError, match="does not hold this LSTM layer"):
        backend.sequence(other, x, State(h, h))
    with pytest.raises(ValueError, match="does not hold this linear layer"):
        backend.linear(other_head, h)
    with pytest.raises(ValueError, match="does not hold this LSTM layer"):
        backend.step(head, x, h, h)  # a layer it holds, but not an LSTM one
    with pytest.raises(ValueError, match=r"x must be \(B, 3\)"):
        backend.step(lstm, np.zeros((1, 4), np.float32), h, h)
    with pytest.raises(ValueError, match="must end in 16 values"):
        backend.linear(head, np.zeros((2, 15), np.float32))
    model = engine.Model(random_weights(), dtype=np.float64)
    with pytest.raises(ValueError, match="float32"):
        attach(model, FakeKernel())
    assert model.backend is NUMPY  # a model the kernel cannot take stays on NumPy


def test_the_kernel_path_gives_the_numpy_path_s_lines_paths_and_runs():
    plain, fast, _, _ = pair()
    a, _ = engine.generate(plain, 80, 0.5, seed=3)
    b, _ = engine.generate(fast, 80, 0.5, seed=3)
    np.testing.assert_allclose(a, b, atol=1e-4)
    line = random_line(30)
    ra, rb = plain.run(line), fast.run(line)
    for u, v in zip((ra.h, ra.c, ra.y), (rb.h, rb.c, rb.y)):
        np.testing.assert_allclose(u, v, atol=1e-5)
    from engine.paths import possible_paths
    pa, pb = possible_paths(plain, line, 5, 3, 0.5, seed=1), possible_paths(fast, line, 5, 3, 0.5, seed=1)
    np.testing.assert_allclose(pa[0], pb[0], atol=1e-4)
    assert engine.nll(fast, line) == pytest.approx(engine.nll(plain, line), abs=1e-4)


def test_outputs_of_a_long_line_come_in_blocks():
    plain, fast, _, _ = pair()
    h = np.random.default_rng(0).normal(0, 0.5, (600, 16)).astype(np.float32)
    np.testing.assert_allclose(fast.outputs(h), plain.outputs(h), atol=1e-5)


def test_an_edit_of_the_weights_is_sent_again_and_counts_from_the_next_statement():
    plain, fast, backend, kernel = pair()
    assert not backend.sync() and kernel.loads == 2  # both layers sent once; nothing changed: nothing sent
    console = Console(fast, engine, before_statement=backend.sync)
    out = console.run("model.W_out[:, 0] += 5.0\nmodel.b[:4] = 0.25\nprint(float(engine.generate(model, 40, 0.5, seed=2)[0].sum()))")
    assert not out["error"] and kernel.loads == 4  # each edit was sent before the next statement, its layer alone
    plain.W_out[:, 0] += 5.0
    plain.b[:4] = 0.25
    expected = engine.generate(plain, 40, 0.5, seed=2)[0].sum()
    assert float(out["output"]) == pytest.approx(float(expected), abs=1e-3)
    fast.W = fast.W * 0.5  # replaced, not edited in place: sent again too
    assert backend.sync() and kernel.loads == 5
    fast.W = fast.W[:, :8]  # another shape: the kernel cannot hold it in that layer's place
    with pytest.raises(ValueError, match="the kernel holds it as"):
        backend.sync()


def test_the_worker_falls_back_to_numpy_when_the_kernel_fails():
    class Broken(FakeKernel):
        def addLinear(self, *args):  # noqa: N802
            raise RuntimeError("no memory")
    data = W.dumps(random_weights(hidden=8, mixtures=3), "f4")
    info = protocol.init(data, Broken())
    assert info["backend"] == "numpy" and "internal error" in info["kernel_error"]
    assert list(protocol.handle("generate", {"session": "s", "n": 4, "temperature": 0.5}))[-1][0] == "result"
    assert protocol.init(data, FakeKernel())["backend"] == "kernel"
    assert protocol.init(data)["backend"] == "numpy"


def test_after_a_new_init_the_console_edits_the_new_model_on_its_kernel():
    data = W.dumps(random_weights(hidden=8, mixtures=3), "f4")
    first, second = FakeKernel(), FakeKernel()
    protocol.init(data, first)
    assert not list(protocol.handle("exec", {"code": "model.b[:] = 0.5\nmodel.b[0]"}))[-1][1]["error"]
    protocol.init(data, second)
    out = list(protocol.handle("exec", {"code": "model.b[:] = 0.25\nprint(float(model.b[0]))"}))[-1][1]
    assert out["output"].strip() == "0.25"
    assert (first.loads, second.loads) == (3, 3)  # two layers, then each edit reached the kernel of its own model
    np.testing.assert_array_equal(second.layers[0].b, 0.25)



def test_the_bench_request_times_a_synthetic_model_on_a_kernel_of_its_own():
    data = W.dumps(random_weights(hidden=8, mixtures=3), "f4")
    kernel = FakeKernel()
    protocol.init(data, kernel)
    for backend in ("model", "numpy"):
        reply = list(protocol.handle("bench", {"batch": 2, "steps": 2, "backend": backend, "hidden": 24}))
        assert reply[-1][0] == "result" and reply[-1][1]["ms"] > 0
    # one second kernel, holding the synthetic model; the figures' kernel still holds its own
    assert len(kernel.others) == 1 and kernel.others[0].layers[0].outputs == 24
    assert kernel.layers[0].outputs == 8 and kernel.loads == 2
    with pytest.raises(ValueError, match="hidden"):
        list(protocol.handle("bench", {"batch": 1, "steps": 1, "hidden": 0}))


SYNTH_USES = {  # every way the engine computes with a synthesis model
    "step": lambda s: s.step(np.zeros((2, 3)), s.zero_state(2), s.one_hot("a cat")),
    "write": lambda s: engine.write(s, "a cat", seed=1),
    "nll": lambda s: engine.nll(s, random_line(12), text="a cat"),
    "lines": lambda s: S.lines_log_densities(s, [random_line(12), random_line(9, seed=2)], ["a cat", "the hat"]),
    "primed": lambda s: engine.write(s, "a cat", seed=1, style=(random_line(6), "the")),
}


def synthesis(**kw):
    return engine.load_synthesis(random_synthesis(**kw))


@pytest.mark.parametrize("use", sorted(SYNTH_USES))
def test_every_product_of_the_synthesis_model_goes_through_its_backend(use):
    synth = synthesis()
    assert synth.backend is NUMPY
    SYNTH_USES[use](synth)
    synth.backend = Refusing()
    with pytest.raises(Refused):
        SYNTH_USES[use](synth)


def test_the_synthesis_model_on_the_kernel_gives_numpy_s_steps_lines_and_scores():
    """attach takes the synthesis model's layers (model.layers(): LSTM 1, the window, LSTM 2, 3, the
    head): a step runs each LSTM layer once, the window in LSTM 1's call, and the head alone; it
    gives NumPy's states and outputs, write draws the same line, nll the same score."""
    plain, fast = synthesis(layers=3, seed=4), synthesis(layers=3, seed=4)
    kernel = FakeKernel()
    attach(fast, kernel)
    assert [layer.kind for layer in kernel.layers] == ["lstm", "linear", "lstm", "lstm", "linear"]
    assert [layer.inputs for layer in kernel.layers] == [3 + plain.A, 13, 3 + 13 + plain.A, 3 + 13 + plain.A, 3 * 13]
    onehot, x = plain.one_hot("a hat"), random_line(8, seed=5)
    sa, sb = plain.zero_state(1), fast.zero_state(1)
    for t in range(len(x)):
        kernel.runs.clear()
        a, b = plain.step(x[t:t + 1], sa, onehot), fast.step(x[t:t + 1], sb, onehot)
        assert kernel.runs == [(0, 1), (2, -1), (3, -1), 4]  # the window (layer 1) came with LSTM 1
        for u, v in zip((*a.state.h, *a.state.c, a.state.kappa, a.state.w, a.phi, a.y),
                        (*b.state.h, *b.state.c, b.state.kappa, b.state.w, b.phi, b.y)):
            np.testing.assert_allclose(v, u, atol=1e-5)
        sa, sb = a.state, b.state
    (pa, wa), (pb, wb) = engine.write(plain, "a hat", seed=3), engine.write(fast, "a hat", seed=3)
    np.testing.assert_allclose(pb, pa, atol=1e-4)
    np.testing.assert_allclose(wb, wa, atol=1e-4)
    assert engine.nll(fast, pa, text="a hat") == pytest.approx(engine.nll(plain, pa, text="a hat"), abs=1e-4)
    lines, texts = [random_line(12), random_line(9, seed=2), random_line(4, seed=3)], ["a cat", "the hat", "at"]
    for u, v in zip(S.lines_log_densities(fast, lines, texts), S.lines_log_densities(plain, lines, texts)):
        np.testing.assert_allclose(u, v, atol=1e-4)  # batched: 3 rows, then 2, then 1


def test_an_edit_of_a_synthesis_layer_sends_that_layer_alone():
    plain, fast = synthesis(), synthesis()
    kernel = FakeKernel()
    backend = attach(fast, kernel)
    assert kernel.loads == 4 and not backend.sync()
    fast.window.b[-3:] += 0.5  # the window moves faster
    plain.window.b[-3:] += 0.5
    assert backend.sync() and kernel.loads == 5
    np.testing.assert_array_equal(kernel.layers[1].b, fast.window.b)
    (pa, _), (pb, _) = engine.write(plain, "a cat", seed=2), engine.write(fast, "a cat", seed=2)
    np.testing.assert_allclose(pb, pa, atol=1e-4)


def test_the_worker_puts_the_synthesis_model_on_a_kernel_of_its_own():
    from engine import protocol
    from tests.helpers import random_weights
    kernel = FakeKernel()
    assert protocol.init(W.dumps(random_weights(hidden=8, mixtures=3), "f4"), kernel)["backend"] == "kernel"
    out = list(protocol.handle("synthesis", {"weights": random_synthesis()}))
    assert out[-1][1]["info"]["backend"] == "kernel" and len(kernel.others) == 1 and kernel.others[0].layers
    written = list(protocol.handle("write", {"text": "a cat", "bias": 1.0, "seed": 0}))
    assert written[-1][0] == "result" and kernel.others[0].runs  # the writing ran on that kernel
    assert protocol.init(W.dumps(random_weights(hidden=8, mixtures=3), "f4"))["backend"] == "numpy"
    out = list(protocol.handle("synthesis", {"weights": random_synthesis()}))
    assert out[-1][1]["info"]["backend"] == "numpy"
