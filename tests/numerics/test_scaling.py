"""numerics.scaling: configurations, exact expectation over draws, overflow, rates."""

import itertools
import math

import numpy as np
import pytest
import torch

from numerics import scaling as S
from numerics.losses import contrastive_loss


@pytest.mark.parametrize("n,d", [(2, 1), (3, 2), (4, 3), (5, 7)])
def test_simplex_gram(n, d):
    s = S.simplex(n, d)
    assert s.shape == (n, d)
    g = s @ s.T
    assert np.allclose(np.diag(g), 1, atol=1e-14)
    off = g[~np.eye(n, dtype=bool)]
    assert np.allclose(off, -1 / (n - 1), atol=1e-14)


def test_simplex_bad_input():
    with pytest.raises(ValueError, match="d >= 3"):
        S.simplex(4, 2)
    with pytest.raises(ValueError, match="n >= 2"):
        S.simplex(1)


def _expected_loss_reference(groups):
    """Nested loops over every draw (x_1..x_N, y_1..y_N) of Eq. (1)."""
    g = np.asarray(groups, dtype=np.float64)
    n, m, _ = g.shape
    total, count = 0.0, 0
    for xs in itertools.product(range(m), repeat=n):
        for ys in itertools.product(range(m), repeat=n):
            fx = torch.tensor(np.stack([g[i, xs[i]] for i in range(n)]))
            fy = torch.tensor(np.stack([g[j, ys[j]] for j in range(n)]))
            total += float(contrastive_loss(fx, fy))
            count += 1
    return total / count


@pytest.mark.parametrize("n,m,d,seed", [(2, 2, 2, 0), (3, 2, 3, 1), (2, 3, 2, 2)])
def test_expected_loss_matches_nested_draws(n, m, d, seed):
    groups = torch.randn(n, m, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    assert abs(float(S.expected_loss(groups)) - _expected_loss_reference(groups)) <= 1e-10


def test_expected_loss_one_point_groups_is_contrastive_loss():
    u = torch.tensor(S.simplex(4, 3))
    assert abs(float(S.expected_loss(u[:, None, :])) - math.log1p(3 * math.exp(-4 / 3))) <= 1e-12


def test_expected_loss_precise_when_tiny():
    u = torch.tensor(S.simplex(3))
    r = 12.0
    val = float(S.expected_loss(r * u[:, None, :]))
    exact = math.log1p(2 * math.exp(-1.5 * r * r))
    assert abs(val - exact) <= 1e-12 * exact


def test_accuracy_simplex_and_collapsed():
    u = torch.tensor(S.simplex(3))
    assert S.accuracy(u[:, None, :]) == 1.0
    same = torch.ones(3, 1, 2, dtype=torch.float64)  # every logit ties: never uniquely the target
    assert S.accuracy(same) == 0.0


def test_groups_bad_input():
    with pytest.raises(ValueError, match=r"\(N, m, d\)"):
        S.expected_loss(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="N >= 2"):
        S.expected_loss(torch.zeros(1, 2, 2, dtype=torch.float64))
    bad = torch.zeros(2, 2, 2, dtype=torch.float64)
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        S.expected_loss(bad)


def test_scaled_losses_closed_form():
    out = S.scaled_losses(S.simplex(3), [0.5, 1.0, 3.0])
    for r, v in zip(out["scale"], out["stable"]):
        assert abs(v - math.log1p(2 * math.exp(-1.5 * r * r))) <= 1e-14


@pytest.mark.parametrize("dtype,expected", [(torch.float32, 88.7228), (torch.float64, 709.7827)])
def test_overflow_logit(dtype, expected):
    o = S.overflow_logit(dtype)
    assert abs(o["predicted"] - expected) < 1e-3
    assert abs(o["measured"] - o["predicted"]) / o["predicted"] < 1e-4


@pytest.mark.parametrize("dtype,expected", [(torch.float32, 68.85), (torch.float64, 496.29)])
def test_gradient_underflow_logit(dtype, expected):
    o = S.gradient_underflow_logit(dtype)
    assert abs(o["predicted"] - expected) < 0.01
    assert abs(o["measured"] - o["predicted"]) / o["predicted"] < 0.01


def test_naive_vs_stable_simplex():
    out = S.naive_vs_stable([1.0, 50.0, 100.0, 1000.0])
    assert all(math.isfinite(v) for v in out["stable_float32"])
    assert math.isnan(out["naive_float32"][2]) and math.isfinite(out["naive_float64"][2])
    assert math.isnan(out["naive_float64"][3])
    assert abs(out["stable_float64"][0] - out["closed_form"][0]) < 1e-14


def test_gradient_vs_scale_rate():
    s = np.linspace(5, 300, 20)
    g = np.array(S.gradient_vs_scale(s)["grad_float64"])
    slope = np.polyfit(s, np.log(g), 1)[0]
    assert abs(slope + 1.5) < 0.02


def test_fit_exponential_rate_recovers_parameters():
    x = np.linspace(1, 10, 30)
    fit = S.fit_exponential_rate(x, 3.0 * np.exp(-1.25 * x))
    assert abs(fit["a"] - 1.25) < 1e-10 and abs(fit["C"] - 3.0) < 1e-9 and fit["r2"] > 1 - 1e-12
    with pytest.raises(ValueError, match="at least 3"):
        S.fit_exponential_rate([1, 2], [1, 2])


def test_optimize_table_free_grows_and_sphere_hits_bound():
    tr = S.optimize_table(3, 1, 2, steps=300, lr=1.0, seed=0, mode=S.FREE, n_records=15)
    assert tr["loss"][-1] < tr["loss"][0] * 1e-2
    assert tr["mean_sq_norm"][-1] > tr["mean_sq_norm"][1]
    sp_ = S.optimize_table(3, 1, 2, steps=300, lr=1.0, seed=0, mode=S.SPHERE, n_records=15)
    assert abs(sp_["loss"][-1] - math.log1p(2 * math.exp(-1.5))) < 1e-6
    assert np.allclose(np.linalg.norm(np.array(sp_["table"]), axis=-1), 1.0)


def test_optimize_table_bad_input():
    with pytest.raises(ValueError, match="mode"):
        S.optimize_table(mode="ball")
    with pytest.raises(ValueError, match="lr > 0"):
        S.optimize_table(lr=0)


def test_min_margin_simplex_and_nested_loop():
    u = torch.tensor(S.simplex(3))
    assert abs(S.min_margin(2.0 * u[:, None, :]) - 4.0 * 1.5) < 1e-12
    groups = torch.randn(3, 2, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    g = groups.numpy()
    ref = min(float(g[i, a] @ g[i, ys[i]] - g[i, a] @ g[j, ys[j]])
              for i in range(3) for a in range(2) for ys in itertools.product(range(2), repeat=3)
              for j in range(3) if j != i)
    assert abs(S.min_margin(groups) - ref) < 1e-12
