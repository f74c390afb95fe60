"""Possible paths: the veer sign convention, shapes, shared state, determinism."""
import numpy as np
import pytest

import engine
from engine.paths import iter_possible_paths, possible_paths, veer
from tests.helpers import random_line, random_weights


def test_veer_fixed_case_is_left_and_orange():
    # P = (0, 0), R = (1, 0), E = (1, −1): ahead and higher on screen → +0.25
    assert veer(np.zeros(2), np.array([1.0, 0.0]), np.array([[1.0, -1.0]]))[0] == pytest.approx(0.25)
    assert veer(np.zeros(2), np.array([1.0, 0.0]), np.array([[1.0, 1.0]]))[0] == pytest.approx(-0.25)
    assert veer(np.zeros(2), np.array([1.0, 0.0]), np.array([[-1.0, 0.0]]))[0] == pytest.approx(1.0)
    assert veer(np.zeros(2), np.zeros(2), np.array([[1.0, 1.0]]))[0] == 0.0


def test_shapes_and_determinism():
    model = engine.Model(random_weights(), dtype=np.float64)
    line = random_line(12)
    b, eos, v = possible_paths(model, line, n_paths=7, steps=3, temperature=0.5, seed=4)
    assert b.shape == (12, 7, 3, 3) and eos.shape == (12,) and v.shape == (12, 7)
    assert np.all((v > -1) & (v <= 1))
    b2, _, v2 = possible_paths(model, line, n_paths=7, steps=3, temperature=0.5, seed=4)
    np.testing.assert_array_equal(b, b2)
    np.testing.assert_array_equal(v, v2)


def test_branches_start_from_the_real_state():
    model = engine.Model(random_weights(), dtype=np.float64)
    line = random_line(6)
    run = model.run(line)
    first = next(iter_possible_paths(model, line, n_paths=4000, steps=1, temperature=1.0, seed=0))
    mean = (run.mixture.pi[0][:, None] * run.mixture.mu[0]).sum(0)  # mixture mean at point 0
    np.testing.assert_allclose(first.branches[:, 0, :2].mean(0), mean, atol=0.15)
    assert first.eos == pytest.approx(run.mixture.eos[0])


@pytest.mark.parametrize("kw", [{"n_paths": 0}, {"steps": 0}, {"temperature": 0}])
def test_bad_arguments(kw):
    model = engine.Model(random_weights())
    with pytest.raises(ValueError):
        possible_paths(model, random_line(5), **kw)


def test_small_temperature_converges_on_the_mode_and_eos_matches():
    model = engine.Model(random_weights(), dtype=np.float64)
    line = random_line(8)
    mix = model.run(line).mixture
    for p in iter_possible_paths(model, line, n_paths=30, steps=2, temperature=1e-3, seed=1):
        mode = mix.mu[p.index, np.argmax(mix.pi[p.index])]
        assert np.abs(p.branches[:, 0, :2] - mode).max() < 0.05 * mix.sigma[p.index].max() + 1e-6
        assert p.eos == pytest.approx(mix.eos[p.index])


def test_branch_from_a_shared_state_equals_the_repeated_step():
    model = engine.Model(random_weights(), dtype=np.float64)
    run = model.run(random_line(5))
    x = random_line(9)
    shared = model.branch(x, run.h[3:4], run.c[3:4])
    repeated = model.step(x, engine.State(np.repeat(run.h[3:4], 9, 0), np.repeat(run.c[3:4], 9, 0)))
    np.testing.assert_allclose(shared.h, repeated.h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(shared.c, repeated.c, rtol=1e-12, atol=1e-12)


def test_a_line_split_across_workers_gives_the_same_branches():
    model = engine.Model(random_weights(), dtype=np.float64)
    line = random_line(11)
    whole = {p.index: p for p in iter_possible_paths(model, line, n_paths=5, steps=3, seed=9)}
    parts = [p for k in range(3) for p in iter_possible_paths(model, line, n_paths=5, steps=3, seed=9, start=k, stride=3)]
    assert sorted(p.index for p in parts) == list(range(11))
    for p in parts:
        np.testing.assert_array_equal(p.branches, whole[p.index].branches)
        np.testing.assert_array_equal(p.veer, whole[p.index].veer)
    with pytest.raises(ValueError):
        next(iter_possible_paths(model, line, stride=0))
