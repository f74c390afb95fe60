"""Sampling statistics: 20,000 draws from a known two-component mixture at T = 1 and T = 0.5."""
import numpy as np
import pytest

import engine
from engine.model import Mixture
from engine.sampling import sample, sample_next, temper
from tests.test_engine import random_weights

N = 20_000


def two_components(n):
    pi = np.array([0.7, 0.3])
    mu = np.array([[1.0, -0.5], [-2.0, 1.5]])
    sigma = np.array([[0.5, 0.8], [1.2, 0.3]])
    rho = np.array([0.6, -0.4])
    rep = lambda a: np.broadcast_to(a, (n,) + a.shape).copy()  # noqa: E731
    return Mixture(rep(pi), rep(mu), rep(sigma), rep(rho), np.full(n, 0.2), rep(np.log(pi)))


def implied_moments(t):
    """Mean and covariance of the tempered mixture, from the temperature rule by hand."""
    m = two_components(1)
    w = m.pi[0] ** (1 / t)
    w = w / w.sum()  # softmax(log pi / T)
    means, covs = m.mu[0], []
    for (sx, sy), r in zip(m.sigma[0] * t, m.rho[0]):  # sigma × T, rho unchanged
        covs.append(np.array([[sx * sx, r * sx * sy], [r * sx * sy, sy * sy]]))
    mean = (w[:, None] * means).sum(0)
    second = sum(wk * (ck + np.outer(mk, mk)) for wk, ck, mk in zip(w, covs, means))
    return mean, second - np.outer(mean, mean)


@pytest.mark.parametrize("t", [1.0, 0.5])
def test_moments_within_four_standard_errors(t):
    x = sample(two_components(N), t, np.random.default_rng(123))
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
    p = 0.2  # the pen is untempered
    assert abs(x[:, 2].mean() - p) < 4 * np.sqrt(p * (1 - p) / N)


def test_temperature_rule():
    m = temper(two_components(1), 0.5)
    w = np.array([0.7, 0.3]) ** 2
    np.testing.assert_allclose(m.pi[0], w / w.sum())
    np.testing.assert_allclose(m.sigma[0], two_components(1).sigma[0] * 0.5)
    np.testing.assert_array_equal(m.rho, two_components(1).rho)
    np.testing.assert_array_equal(m.eos, two_components(1).eos)


def test_draws_depend_only_on_the_seed():
    a = sample(two_components(100), 0.7, np.random.default_rng(5))
    b = sample(two_components(100), 0.7, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("t", [1.0, 0.5, 0.1])
def test_batch_one_fast_path_follows_the_same_rule_and_draws(t):
    # float64: the plain-Python path at batch 1 must give what mixture + sample give, draw for draw
    model = engine.Model(random_weights(), dtype=np.float64)
    rng = np.random.default_rng(5)
    for seed in range(300):
        h = rng.normal(0, 0.5, (1, model.hidden))
        fast = sample_next(model, h, t, np.random.default_rng(seed))
        slow = sample(model.mixture(h), t, np.random.default_rng(seed))
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError):
        sample_next(model, h, 0.0, rng)
