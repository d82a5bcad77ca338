"""numerics.overlap: the compiled overlap energy against the numpy reference (itself held to a
nested loop in test_tammes.py), the neighbour list against the full double loop, and the L-BFGS
against scipy's."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.overlap import (
    overlap_energy_grad,
    overlap_energy_grad_numpy,
    overlap_lbfgs,
    overlap_relax_scipy,
)
from numerics.tammes import min_angle_deg, random_sphere, tammes


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 40), d=st.integers(2, 5), seed=st.integers(0, 10**6),
       theta=st.floats(5.0, 120.0), scale=st.floats(0.5, 2.0))
def test_energy_and_gradient_match_the_numpy_reference(n, d, seed, theta, scale):
    rng = np.random.default_rng(seed)
    y = scale * random_sphere(n, d, rng) + 0.1 * rng.standard_normal((n, d))
    cos_t = math.cos(math.radians(theta))
    e, g = overlap_energy_grad(y, cos_t)
    e_ref, g_ref = overlap_energy_grad_numpy(y, cos_t)
    assert e == pytest.approx(e_ref, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-12 * (1 + np.abs(g_ref).max()))


def test_gradient_against_finite_differences():
    rng = np.random.default_rng(3)
    y = random_sphere(20, 3, rng)
    cos_t = math.cos(math.radians(50.0))
    _, g = overlap_energy_grad(y, cos_t)
    h = 1e-6
    fd = np.zeros_like(y)
    for i in range(y.shape[0]):
        for k in range(y.shape[1]):
            yp, ym = y.copy(), y.copy()
            yp[i, k] += h
            ym[i, k] -= h
            fd[i, k] = (overlap_energy_grad(yp, cos_t)[0] - overlap_energy_grad(ym, cos_t)[0]) / (2 * h)
    np.testing.assert_allclose(g, fd, atol=1e-6 * (1 + np.abs(g).max()))


@pytest.mark.parametrize("n", [30, 90])
def test_neighbour_list_gives_the_full_double_loop_bit_for_bit(n):
    """The skin sets only how often the list is rebuilt: a skin that lists every pair, a thin
    one (rebuilt often) and the default give the same relaxation to the last bit."""
    rng = np.random.default_rng(n)
    x = random_sphere(n, 3, rng)
    cos_t = math.cos(math.radians(1.05 * 180.0 / math.sqrt(n) * 1.9))
    runs = [overlap_lbfgs(x, cos_t, skin=s) for s in (20.0, 0.3, 0.02)]
    for y, e, it in runs[1:]:
        assert e == runs[0][1] and it == runs[0][2]
        assert np.array_equal(y, runs[0][0])


def test_axpy_updates_in_place_as_the_nested_loop_does():
    """The L-BFGS memory's update ``y += a x`` over the flat rows writes into the memory's slab
    itself (a copy would leave the memory unchanged), with the nested loop's bits."""
    from numerics.overlap import _axpy

    rng = np.random.default_rng(0)
    mem = rng.standard_normal((3, 17, 3))
    x = rng.standard_normal((17, 3))
    expected = mem.copy()
    for i in range(17):
        for k in range(3):
            expected[1, i, k] += -0.37 * x[i, k]
    _axpy(-0.37, x, mem[1])
    assert np.array_equal(mem, expected)


def test_reaches_zero_energy_at_a_feasible_target():
    """Jiggled icosahedra relax back to a packing at 60 degrees (the optimum is 63.43)."""
    ico = tammes(12, 3, seed=0)
    rng = np.random.default_rng(0)
    cos_t = math.cos(math.radians(60.0))
    for _ in range(5):
        x = ico + 0.2 * rng.standard_normal(ico.shape)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        assert min_angle_deg(x) < 60.0
        y, e, _ = overlap_lbfgs(x, cos_t)
        assert e < 1e-14 and min_angle_deg(y) >= 60.0 - 1e-9  # FEASIBLE_ENERGY


def test_stops_where_scipy_stops_above_the_optimum():
    """At 65 degrees, above the icosahedron's 63.43, no packing exists: both minimizers end at
    the same positive energy from the same start near the icosahedron, where the gradient
    vanishes."""
    ico = tammes(12, 3, seed=0)
    rng = np.random.default_rng(1)
    x = ico + 0.02 * rng.standard_normal(ico.shape)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    cos_t = math.cos(math.radians(65.0))
    y, e, _ = overlap_lbfgs(x, cos_t, stall_rtol=0.0)  # scipy's tolerances, no stall rule
    _, e_ref = overlap_relax_scipy(x, cos_t)
    assert e > 0 and e == pytest.approx(e_ref, rel=1e-9)
    assert np.abs(overlap_energy_grad(y, cos_t)[1]).max() < 1e-9


def test_median_end_energy_matches_scipy_on_hops():
    """On the hops of a search (perturbed near-packings of 60 points) the compiled minimizer
    finds local minima at least as good as scipy's: its median end energy is at most 3 times
    scipy's, and each energy it reports is the numpy energy of the configuration it returns.
    (Lower is allowed: the landscape is rough, and on 12 hops either median can win.)"""
    from numerics.tammes import _perturb

    # a random start's packing
    best = tammes(60, 3, seed=0, restarts=1, hops=0, symmetric_starts=(), vacancy_starts=())
    a = math.radians(min_angle_deg(best))
    cos_t = math.cos(a * 1.0001)
    rng = np.random.default_rng(2)
    ys = [_perturb(best, m, a, rng) for m in ("jiggle", "relocate", "throw") * 4]
    runs = [overlap_lbfgs(y, cos_t) for y in ys]
    for z, e, _ in runs:
        assert e == pytest.approx(overlap_energy_grad_numpy(z, cos_t)[0], rel=1e-9, abs=1e-18)
    ours = np.median([e for _, e, _ in runs])
    ref = np.median([overlap_relax_scipy(y, cos_t)[1] for y in ys])
    assert ref > 0 and ours < 3 * ref


def _hop_near_jamming():
    """A throw hop of a 60-point packing at a target just above its angle: a positive minimum
    that L-BFGS approaches slowly."""
    from numerics.tammes import _perturb

    # a random start's packing
    best = tammes(60, 3, seed=0, restarts=1, hops=0, symmetric_starts=(), vacancy_starts=())
    a = math.radians(min_angle_deg(best))
    return _perturb(best, "throw", a, np.random.default_rng(5)), math.cos(a * 1.000001)


def test_stall_rule_stops_where_the_window_fell_by_less_than_rtol():
    """The stall rule against a plain reference: the run without it (``stall_rtol=0``), cut at
    each iteration count, gives the energies ``f_k``; the rule must stop at the first ``k`` with
    ``f_{k - W} - f_k <= rtol f_k`` (and ``k > W``), at the same iterate bit for bit."""
    y, cos_t = _hop_near_jamming()
    w, rtol = 20, 1e-2
    z, e, it = overlap_lbfgs(y, cos_t, stall_window=w, stall_rtol=rtol)
    it_full = overlap_lbfgs(y, cos_t, stall_rtol=0.0)[2]
    assert 0 < e and w < it < it_full  # the rule fired, before the plain stop
    f = [overlap_lbfgs(y, cos_t, maxiter=k, stall_rtol=0.0)[1] for k in range(it + 1)]
    stops = [k for k in range(w + 1, it + 1) if f[k - w] - f[k] <= rtol * f[k]]
    assert stops[0] == it and e == f[it]
    assert np.array_equal(z, overlap_lbfgs(y, cos_t, maxiter=it, stall_rtol=0.0)[0])


def test_stall_rule_keeps_the_end_energy_and_saves_iterations():
    """With the default rule the end energy of a slow positive minimum stays within a few per
    cent of the fully converged one, in fewer iterations."""
    y, cos_t = _hop_near_jamming()
    _, e, it = overlap_lbfgs(y, cos_t)
    _, e_full, it_full = overlap_lbfgs(y, cos_t, stall_rtol=0.0, maxiter=100_000)
    assert 0 < e_full <= e <= 1.05 * e_full
    assert it < it_full


@pytest.mark.parametrize("kw", [{"stall_window": 0}, {"stall_rtol": -1e-3}, {"stall_rtol": float("nan")}])
def test_bad_stall_rule_is_rejected(kw):
    with pytest.raises(ValueError, match="stall"):
        overlap_lbfgs(random_sphere(5, 3, np.random.default_rng(0)), 0.5, **kw)


@pytest.mark.parametrize("cos_t", [1.0, -1.0, 2.0, float("nan")])
def test_target_out_of_range_is_rejected(cos_t):
    with pytest.raises(ValueError, match="cos_t"):
        overlap_lbfgs(random_sphere(5, 3, np.random.default_rng(0)), cos_t)
