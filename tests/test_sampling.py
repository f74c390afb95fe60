"""Sampling statistics: 20,000 draws from a known two-component mixture at T = 1 and T = 0.5."""
import numpy as np
import pytest

import engine
from engine.model import layout
from engine.sampling import check_temperature, sample, sample_next
from tests.helpers import random_weights

N = 20_000


PI, EOS = np.array([0.7, 0.3]), 0.2
MU = np.array([[1.0, -0.5], [-2.0, 1.5]])
SIGMA = np.array([[0.5, 0.8], [1.2, 0.3]])
RHO = np.array([0.6, -0.4])
SLICES = layout(2)


def two_components(n):
    """The head's raw outputs (n, 13) of a known two-component mixture, as Model.outputs lays them out."""
    y = np.empty(13)
    y[SLICES["eos"]] = np.log(EOS / (1 - EOS))
    y[SLICES["pi"]] = np.log(PI)
    y[SLICES["mu_x"]], y[SLICES["mu_y"]] = MU[:, 0], MU[:, 1]
    y[SLICES["log_sigma_x"]], y[SLICES["log_sigma_y"]] = np.log(SIGMA[:, 0]), np.log(SIGMA[:, 1])
    y[SLICES["rho"]] = np.arctanh(RHO)
    return np.tile(y, (n, 1))


def implied_moments(t):
    """Mean and covariance of the tempered mixture, from the temperature rule by hand."""
    w = PI ** (1 / t)
    w = w / w.sum()  # softmax(log pi / T)
    means, covs = MU, []
    for (sx, sy), r in zip(SIGMA * t, RHO):  # sigma × T, rho unchanged
        covs.append(np.array([[sx * sx, r * sx * sy], [r * sx * sy, sy * sy]]))
    mean = (w[:, None] * means).sum(0)
    second = sum(wk * (ck + np.outer(mk, mk)) for wk, ck, mk in zip(w, covs, means))
    return mean, second - np.outer(mean, mean)


@pytest.mark.parametrize("t", [1.0, 0.5])
def test_moments_within_four_standard_errors(t):
    x = sample(two_components(N), SLICES, t, np.random.default_rng(123))
    mean, cov = implied_moments(t)
    xy = x[:, :2]
    se_mean = np.sqrt(np.diag(cov) / N)
    assert np.all(np.abs(xy.mean(0) - mean) < 4 * se_mean), (xy.mean(0), mean)
    d = xy - mean
    for i in range(2):
        for j in range(2):
            prod = d[:, i] * d[:, j]
            se = prod.std() / np.sqrt(N)
            assert abs(prod.mean() - cov[i, j]) < 4 * se, (i, j, prod.mean(), cov[i, j])
    p = EOS  # the pen is untempered
    assert abs(x[:, 2].mean() - p) < 4 * np.sqrt(p * (1 - p) / N)


@pytest.mark.parametrize("bad", [0, -1, 0.0, float("nan"), float("inf"), "x", None])
def test_temperature_must_be_a_finite_positive_number(bad):
    with pytest.raises(ValueError, match="temperature"):
        check_temperature(bad)


def test_draws_depend_only_on_the_seed():
    a = sample(two_components(100), SLICES, 0.7, np.random.default_rng(5))
    b = sample(two_components(100), SLICES, 0.7, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("t", [1.0, 0.5, 0.1])
def test_batch_one_fast_path_follows_the_same_rule_and_draws(t):
    # float64: the plain-Python form at batch 1 must give what the vectorised form gives, draw for draw
    model = engine.Model(random_weights(), dtype=np.float64)
    rng = np.random.default_rng(5)
    for seed in range(300):
        h = rng.normal(0, 0.5, (1, model.hidden))
        fast = sample_next(model, h, t, np.random.default_rng(seed))
        slow = sample(model.outputs(h), model.slices, t, np.random.default_rng(seed))
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)
