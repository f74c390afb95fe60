"""Engine behaviour on small random models: purity, batching, the public API, input scaling."""

import numpy as np
import pytest

import engine
from engine import weights as W
from engine.model import State, log_density
from tests.helpers import random_line, random_weights


@pytest.fixture
def model():
    return engine.Model(random_weights(), dtype=np.float64)


def test_sizes_come_from_weights():
    m = engine.Model(random_weights(hidden=11, mixtures=4))
    assert (m.hidden, m.mixtures) == (11, 4)
    assert m.mixture(np.zeros((2, 11))).mu.shape == (2, 4, 2)


def test_step_is_pure_and_batched_matches_single(model):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 3))
    state = State(rng.normal(size=(5, 8)), rng.normal(size=(5, 8)))
    before = (state.h.copy(), state.c.copy())
    batched = model.step(x, state)
    np.testing.assert_array_equal(state.h, before[0])
    np.testing.assert_array_equal(state.c, before[1])
    for b in range(5):
        single = model.step(x[b:b + 1], State(state.h[b:b + 1], state.c[b:b + 1]))
        np.testing.assert_allclose(single.h[0], batched.h[b], atol=1e-12)
        np.testing.assert_allclose(single.c[0], batched.c[b], atol=1e-12)


def test_run_feed_activations_agree(model):
    line = random_line()
    run = model.run(line)
    state = engine.feed(model, line)
    np.testing.assert_allclose(state.h[0], run.h[-1], atol=1e-12)
    np.testing.assert_allclose(engine.activations(model, line), run.c, atol=1e-12)
    half = engine.feed(model, line[20:], engine.feed(model, line[:20]))  # a pen keeps up piecewise
    np.testing.assert_allclose(half.c, state.c, atol=1e-12)


def test_mixture_is_a_distribution(model):
    mix = model.mixture(np.random.default_rng(3).normal(size=(7, 8)))
    np.testing.assert_allclose(mix.pi.sum(-1), 1, atol=1e-12)
    assert np.all(mix.sigma > 0) and np.all(np.abs(mix.rho) < 1) and np.all((mix.eos > 0) & (mix.eos < 1))


def test_nll_of_a_list_is_the_pointwise_mean(model):
    a, b = random_line(30, 4), random_line(12, 5)
    each = [model.run(x[:-1]) for x in (a, b)]
    lp = np.concatenate([log_density(r.mixture, x[1:]) for r, x in zip(each, (a, b))])
    assert engine.nll(model, [a, b]) == pytest.approx(-lp.mean(), abs=1e-10)
    assert engine.nll(model, a.tolist()) == pytest.approx(-lp[:29].mean(), abs=1e-10)


def test_point_log_densities_keep_the_order_of_the_lines(model):
    short, long_ = random_line(12, 5), random_line(30, 4)
    per_line = engine.point_log_densities(model, [short, long_])  # the shorter line first: batching reorders
    for x, lp in zip((short, long_), per_line):
        np.testing.assert_allclose(lp, log_density(model.run(x[:-1]).mixture, x[1:]), atol=1e-10)


def test_input_scale_is_applied_inside_with_its_jacobian():
    scaled = engine.Model(random_weights(input_scale=[2.0, 3.0]), dtype=np.float64)
    plain = engine.Model(random_weights(), dtype=np.float64)
    line = random_line()
    in_model_units = line / [2.0, 3.0, 1.0]
    # the same network sees the same numbers; the density in article units gains −log(sx·sy)
    assert engine.nll(scaled, line) == pytest.approx(engine.nll(plain, in_model_units) + np.log(6.0), abs=1e-9)
    mix_s, mix_p = scaled.run(line).mixture, plain.run(in_model_units).mixture
    np.testing.assert_allclose(mix_s.mu, mix_p.mu * [2.0, 3.0], atol=1e-9)
    np.testing.assert_allclose(mix_s.sigma, mix_p.sigma * [2.0, 3.0], atol=1e-9)


def test_same_seed_same_strokes(model):
    a, _ = engine.generate(model, 50, 0.65, seed=7)
    b, _ = engine.generate(model, 50, 0.65, seed=7)
    c, _ = engine.generate(model, 50, 0.65, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a[:, 2])) <= {0.0, 1.0}


def test_continue_is_feed_then_generate(model):
    prefix = random_line(15)
    cont = engine.continue_strokes(model, prefix, 20, 0.5, seed=3)
    ref, _ = engine.generate(model, 20, 0.5, seed=3, state=engine.feed(model, prefix))
    np.testing.assert_array_equal(cont, ref)


def test_generate_returns_state_after_last_point(model):
    pts, state = engine.generate(model, 10, 0.5, seed=1)
    start = model.step(np.zeros((1, 3)), model.zero_state(1))  # zero state, zero input
    np.testing.assert_allclose(engine.feed(model, pts, start).h, state.h, atol=1e-12)


@pytest.mark.parametrize("t", [0, -0.5, float("nan"), float("inf"), "hot", None])
def test_bad_temperature(model, t):
    with pytest.raises(ValueError, match="temperature"):
        engine.generate(model, 5, t)


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_bad_length(model, n):
    with pytest.raises(ValueError, match="n must be"):
        engine.generate(model, n, 0.5)


def test_missing_default_weights_names_the_training_command(monkeypatch, tmp_path):
    monkeypatch.setattr(engine.api, "DEFAULT_WEIGHTS", tmp_path / "none.hwlstm")
    with pytest.raises(FileNotFoundError, match="training.train"):
        engine.load_model()


def test_load_model_from_bytes_and_path(tmp_path):
    data = W.dumps(random_weights(), "f4")
    (tmp_path / "m.hwlstm").write_bytes(data)
    a, b = engine.load_model(data), engine.load_model(tmp_path / "m.hwlstm")
    np.testing.assert_array_equal(a.Wh, b.Wh)
    assert a.dtype == np.float32
