"""Random streams: keyed draws are fixed functions of their key, uniform and independent
across keys; inversion gives exactly the named distributions; streams spawn from the seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.state.streams import KEYED_STREAMS, STREAMS, SUBKEYS, spawn_streams
from sim.state.probe import beta_draws, binomial_draws, gamma_draws, keyed_grid, normal_draws, poisson_draws


def test_keyed_uniforms_are_uniform_and_fixed_by_their_key():
    _, keys = spawn_streams(7)
    u = keyed_grid(keys[0, 0], 400, 500)
    assert u.shape == (400, 500) and 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    np.testing.assert_array_equal(u, keyed_grid(keys[0, 0], 400, 500))


def test_neighbouring_members_and_events_are_uncorrelated():
    _, keys = spawn_streams(7)
    u = keyed_grid(keys[1, 0], 2000, 50)
    for a, b in ((u[:-1].ravel(), u[1:].ravel()), (u[:, :-1].ravel(), u[:, 1:].ravel())):
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.01


def test_streams_and_sub_keys_are_distinct_and_follow_the_seed():
    generators, keys = spawn_streams(7)
    assert keys.shape == (len(KEYED_STREAMS), SUBKEYS) and np.unique(keys).size == keys.size
    assert len(generators) == len(STREAMS) - len(KEYED_STREAMS)
    again_generators, again = spawn_streams(7)
    np.testing.assert_array_equal(keys, again)
    assert generators.kudos.random() == again_generators.kudos.random()
    assert not np.array_equal(keys, spawn_streams(8)[1])


@pytest.mark.parametrize("mean, sd", [(0.0, 1.0), (2.0, 0.5)])
def test_normal_by_inversion(mean, sd):
    u = np.random.default_rng(0).random(20000)
    np.testing.assert_allclose(normal_draws(u, mean, sd), stats.norm(mean, sd).ppf(u), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("a, b", [(2.0, 3.0), (0.5, 0.5), (6.4, 1.6)])
def test_beta_by_inversion(a, b):
    u = np.random.default_rng(1).random(5000)
    np.testing.assert_allclose(beta_draws(u, a, b), stats.beta(a, b).ppf(u), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", [0.3, 1.0, 8.0])
def test_gamma_by_inversion(shape):
    u = np.random.default_rng(2).random(5000)
    np.testing.assert_allclose(gamma_draws(u, shape, 1 / shape), stats.gamma(shape, scale=1 / shape).ppf(u),
                               rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 2000.0), st.floats(1e-9, 1 - 1e-9))
def test_poisson_by_inversion_is_the_smallest_k_reaching_u(mean, u):
    k = int(poisson_draws(np.array([u]), mean)[0])
    if mean == 0:
        assert k == 0
        return
    assert stats.poisson.cdf(k, mean) >= u - 1e-9
    assert k == 0 or stats.poisson.cdf(k - 1, mean) < u + 1e-9


@pytest.mark.parametrize("n, p", [(1223, 0.0017), (90_000, 0.002), (90_000, 0.01), (50, 0.5), (50, 0.3),
                                  (10, 0.0), (7, 1.0), (0, 0.3)])
def test_binomial_by_inversion(n, p):
    u = np.random.default_rng(3).random(5000)
    np.testing.assert_array_equal(binomial_draws(u, n, p), stats.binom(n, p).ppf(u))
