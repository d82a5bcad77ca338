"""numerics.configurations: the exact expected loss of Eq. (1) and its optimal tables."""

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.configurations import (
    diameters,
    expected_loss,
    margins,
    optimal_configuration,
    optimize_table,
    overlap_study,
    overlap_supports,
    simplex_loss,
)
from numerics.losses import contrastive_loss
from numerics.tammes import random_sphere


def expected_loss_nested(x, supports, tau=1.0):
    """Nested-loop reference: enumerate x_i and every (y_1..y_N), uniform probabilities."""
    n = len(supports)
    total = 0.0
    for i in range(n):
        for xi in supports[i]:
            for ys in itertools.product(*supports):
                w = 1.0 / len(supports[i])
                for s in supports:
                    w /= len(s)
                logits = [float(np.dot(x[xi], x[y])) / tau for y in ys]
                total += w * (-logits[i] + math.log(sum(math.exp(v) for v in logits)))
    return total / n


@pytest.mark.parametrize("tau", [1.0, 0.3])
def test_expected_loss_matches_nested_loops(tau):
    rng = np.random.default_rng(0)
    sup = [[0, 1], [2], [3, 4, 5]]
    x = random_sphere(6, 3, rng)
    assert abs(expected_loss(x, sup, tau=tau) - expected_loss_nested(x, sup, tau)) < 1e-12


def test_overlapping_supports_match_nested_loops():
    sup = overlap_supports(3, 3, 2)
    x = random_sphere(max(max(s) for s in sup) + 1, 4, np.random.default_rng(1))
    assert abs(expected_loss(x, sup) - expected_loss_nested(x, sup)) < 1e-12


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 8), st.integers(2, 6), st.floats(0.05, 4.0))
def test_single_point_supports_equal_contrastive_loss(seed, n, d, tau):
    x = random_sphere(n, d, np.random.default_rng(seed))
    ref = float(contrastive_loss(torch.tensor(x) / tau, torch.tensor(x)))
    assert abs(expected_loss(x, tau=tau) - ref) < 1e-11


def test_tiny_losses_stay_exact():
    # at tau = 0.005 the loss is ~1e-60: a softmax-then-log form would return 0
    x = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert expected_loss(x, tau=0.005) == pytest.approx(math.log1p(math.exp(-2 / 0.005)), rel=1e-12)
    assert expected_loss(x, tau=0.005) > 0


@pytest.mark.parametrize("n, d", [(2, 2), (3, 2), (3, 3), (4, 3), (5, 4), (4, 6)])
@pytest.mark.parametrize("tau", [1.0, 0.25])
def test_simplex_loss_closed_form(n, d, tau):
    x, loss = optimal_configuration(n, d, tau=tau, restarts=2)
    assert abs(loss - simplex_loss(n, tau=tau)) <= 1e-9
    g = x @ x.T
    assert np.allclose(g[~np.eye(n, dtype=bool)], -1 / (n - 1), atol=1e-5)


def test_simplex_closed_form_special_case():
    # N = 2: antipodal points, loss = log(1 + e^{-2/tau})
    assert simplex_loss(2, tau=0.5) == pytest.approx(math.log1p(math.exp(-4.0)), rel=1e-15)


def test_more_groups_than_simplex_vertices():
    # N = 6 > d + 1 = 4 in d = 3: the octahedron (all angles >= 90 degrees) beats random starts
    x, loss = optimal_configuration(6, 3, restarts=3)
    g = x @ x.T
    np.fill_diagonal(g, -1)
    assert g.max() < 1e-5  # smallest angle 90 degrees
    assert loss > simplex_loss(6)  # the simplex bound is not attainable in d = 3


def test_disjoint_supports_collapse():
    sup = [[0, 1], [2, 3], [4, 5]]
    res = optimize_table(sup, 3, restarts=2)
    assert diameters(res.points, sup).max() < 1e-5
    m = margins(res.points, sup)
    assert np.nanmin(m) > 1.7  # equilateral triangle: sqrt(3)
    assert abs(res.loss - simplex_loss(3)) < 1e-9


def test_overlap_supports_layout():
    assert overlap_supports(3, 4, 0) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert overlap_supports(2, 4, 2) == [[0, 1, 2, 3], [2, 3, 4, 5]]
    assert overlap_supports(2, 3, 3) == [[0, 1, 2], [0, 1, 2]]


def test_overlap_study_pulls_groups_together():
    r = overlap_study(n_groups=3, m=2, d=3, restarts=1)
    dist = [row["mean_distance"] for row in r["rows"]]
    assert dist[0] > 1.5 and dist[-1] < 1e-4
    assert all(b <= a + 1e-6 for a, b in zip(dist, dist[1:]))


@pytest.mark.parametrize("call, match", [
    (lambda: optimal_configuration(1, 3), "n >= 2"),
    (lambda: optimal_configuration(3, 1), "d >= 2"),
    (lambda: optimal_configuration(3, 3, tau=0.0), "tau"),
    (lambda: optimal_configuration(3, 3, tau=float("inf")), "tau"),
    (lambda: optimal_configuration(3, 3, tau=float("nan")), "tau"),
    (lambda: optimize_table([[0], []], 3), "empty"),
    (lambda: optimize_table([[0]], 3), "at least 2 groups"),
    (lambda: optimize_table([[0], [2]], 3), "belongs to no support"),
    (lambda: optimize_table([[0, 0], [1]], 3), "twice"),
    (lambda: optimize_table([[0], [-1]], 3), "negative"),
    (lambda: optimize_table([[0.5], [1]], 3), "integer"),
    (lambda: optimize_table([[0], [1]], 3, probs=[[1.0], [0.5]]), "sum to"),
    (lambda: optimize_table([[0], [1]], 3, probs=[[1.0], [0.0]]), "> 0"),
    (lambda: optimize_table([list(range(10 * i, 10 * i + 10)) for i in range(6)], 3), "combinations"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
