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
from engine import weights as W
from engine.backend import NUMPY, Linear, Lstm, NumpyBackend, State
from engine.console import Console
from engine.kernel import KernelBackend, attach
from engine.paths import possible_paths
from tests.helpers import random_line, random_weights


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
        self.loads = 0
        self.others = []

    def another(self):
        self.others.append(FakeKernel())
        return self.others[-1]

    def load(self, Wt, b, W_out, b_out, H, n_out):
        self.W, self.b, self.W_out, self.b_out = (np.array(a, np.float32) for a in (Wt, b, W_out, b_out))
        self.H, self.n_out, self.cap, self.loads = H, n_out, 0, self.loads + 1

    def reserve(self, B):
        if B > self.cap:
            self.cap = B
            self.buf = {k: np.zeros(B * n, np.float32) for k, n in
                        (("x", 3), ("h", self.H), ("c", self.H), ("h2", self.H), ("c2", self.H), ("y", self.n_out))}

    def views(self, B, rows):
        self.reserve(B)
        sizes = {"x": 3 * B, "h": rows * self.H, "c": rows * self.H, "h2": B * self.H, "c2": B * self.H,
                 "y": B * self.n_out}
        return [View(self.buf[k][:n]) for k, n in sizes.items()]

    def _step(self, x, h, c):
        H = self.H
        z = np.concatenate([x, np.broadcast_to(h, (len(x), H))], axis=1) @ self.W + self.b
        t = np.tanh(z)
        s = 0.5 + 0.5 * t[:, :3 * H]
        c2 = s[:, H:2 * H] * c + s[:, :H] * t[:, 3 * H:]
        return s[:, 2 * H:] * np.tanh(c2), c2

    def run(self, B, shared, with_y):
        H, rows = self.H, 1 if shared else B
        h2, c2 = self._step(self.buf["x"][:3 * B].reshape(B, 3), self.buf["h"][:rows * H].reshape(rows, H),
                            self.buf["c"][:rows * H].reshape(rows, H))
        self.buf["h2"][:B * H], self.buf["c2"][:B * H] = h2.ravel(), c2.ravel()
        if with_y:
            self.buf["y"][:B * self.n_out] = (h2 @ self.W_out + self.b_out).ravel()

    def runOutputs(self, B):  # noqa: N802 — the JS method's name
        h = self.buf["h"][:B * self.H].reshape(B, self.H)
        self.buf["y"][:B * self.n_out] = (h @ self.W_out + self.b_out).ravel()

    def sequence(self, x, h0, c0, T):
        h, c = h0.reshape(1, -1), c0.reshape(1, -1)
        hs, cs = [], []
        for t in range(T):
            h, c = self._step(x[t:t + 1], h, c)
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


def test_the_kernel_backend_gives_the_numpy_backend_s_results_layer_by_layer():
    lstm, head = layers()
    kernel, ref = KernelBackend(FakeKernel(), lstm, head), NumpyBackend()
    rng = np.random.default_rng(1)
    x, h, c = (rng.normal(0, 1, (5, n)).astype(np.float32) for n in (3, 16, 16))
    for hs, cs in ((h, c), (h[:1], c[:1])):  # a row each, and one row shared by every x
        for a, b in zip(kernel.step(lstm, x, hs, cs), ref.step(lstm, x, hs, cs)):
            np.testing.assert_allclose(a, b, atol=1e-5)
    start = State(h[:1], c[:1])
    for a, b in zip(kernel.sequence(lstm, x, start), ref.sequence(lstm, x, start)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(kernel.linear(head, h), ref.linear(head, h), atol=1e-5)


def test_the_kernel_backend_refuses_layers_it_does_not_hold():
    lstm, head = layers()
    with pytest.raises(ValueError, match="3 inputs"):
        KernelBackend(FakeKernel(), *layers(inputs=5))
    backend = KernelBackend(FakeKernel(), lstm, head)
    other, other_head = layers(seed=1)
    x, h = np.zeros((1, 3), np.float32), np.zeros((1, 16), np.float32)
    with pytest.raises(ValueError, match="another LSTM layer"):
        backend.step(other, x, h, h)
    with pytest.raises(ValueError, match="another LSTM layer"):
        backend.sequence(other, x, State(h, h))
    with pytest.raises(ValueError, match="another output layer"):
        backend.linear(other_head, h)
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
    assert not backend.sync() and kernel.loads == 1  # nothing changed: nothing sent
    console = Console(fast, engine, before_statement=backend.sync)
    out = console.run("model.W_out[:, 0] += 5.0\nmodel.b[:4] = 0.25\nprint(float(engine.generate(model, 40, 0.5, seed=2)[0].sum()))")
    assert not out["error"] and kernel.loads == 3  # each edit was sent before the next statement
    plain.W_out[:, 0] += 5.0
    plain.b[:4] = 0.25
    expected = engine.generate(plain, 40, 0.5, seed=2)[0].sum()
    assert float(out["output"]) == pytest.approx(float(expected), abs=1e-3)
    fast.W = fast.W * 0.5  # replaced, not edited in place: sent again too
    assert backend.sync() and kernel.loads == 4


def test_the_worker_falls_back_to_numpy_when_the_kernel_fails():
    class Broken(FakeKernel):
        def load(self, *args):
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
    assert (first.loads, second.loads) == (2, 2)  # each edit reached the kernel of its own model
    np.testing.assert_array_equal(second.b, 0.25)



def test_the_bench_request_times_a_synthetic_model_on_a_kernel_of_its_own():
    data = W.dumps(random_weights(hidden=8, mixtures=3), "f4")
    kernel = FakeKernel()
    protocol.init(data, kernel)
    for backend in ("model", "numpy"):
        reply = list(protocol.handle("bench", {"batch": 2, "steps": 2, "backend": backend, "hidden": 24}))
        assert reply[-1][0] == "result" and reply[-1][1]["ms"] > 0
    # one second kernel, holding the synthetic model; the figures' kernel still holds its own
    assert len(kernel.others) == 1 and kernel.others[0].H == 24 and kernel.H == 8 and kernel.loads == 1
    with pytest.raises(ValueError, match="hidden"):
        list(protocol.handle("bench", {"batch": 1, "steps": 1, "hidden": 0}))
