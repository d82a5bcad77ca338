"""numerics.geometry: diameter, margin, the exact perfect-accuracy decision, validation."""

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from numerics import geometry as geo
from numerics.geometry_cases import MODES, build_case, exact_pool
from numerics.rational_circle import circle_point


def unit(rng, n, d):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def random_groups(seed_, N=4, m=5, d=3):
    rng = np.random.default_rng(seed_)
    return [unit(rng, int(k), d) for k in rng.integers(1, m + 1, size=N)]


# ---------------------------------------------------------------- diameter / margin (Eqs. 3-4)

def diameter_loops(groups):
    return np.array([max(math.dist(s, t) for s in g for t in g) for g in groups])


def margin_loops(groups):
    N = len(groups)
    out = np.full((N, N), np.nan)
    for i in range(N):
        for j in range(N):
            if i != j:
                out[i, j] = min(math.dist(s, t) for s in groups[i] for t in groups[j])
    return out


@pytest.mark.parametrize("s", range(8))
def test_diameter_matches_nested_loops(s):
    g = random_groups(s)
    assert np.allclose(geo.diameter(g), diameter_loops(g), atol=1e-12)


@pytest.mark.parametrize("s", range(8))
def test_margin_matches_nested_loops(s):
    g = random_groups(s)
    M = geo.margin(g)
    ref = margin_loops(g)
    assert np.all(np.isnan(np.diag(M)))
    assert np.allclose(np.nan_to_num(M), np.nan_to_num(ref), atol=1e-12)
    assert np.allclose(np.nan_to_num(M), np.nan_to_num(M.T))


def test_closed_forms():
    # Antipodal pair: diameter 2; singleton: diameter 0; margin between orthogonal points sqrt(2).
    g = [[(1, 0), (-1, 0)], [(0, 1)]]
    assert geo.diameter(g).tolist() == [2.0, 0.0]
    assert geo.margin(g)[0, 1] == pytest.approx(math.sqrt(2))
    # Regular 6-gon split into two interleaved triangles: diameter = sqrt(3), margin = 1.
    pts = [(math.cos(k * math.pi / 3), math.sin(k * math.pi / 3)) for k in range(6)]
    g = [np.array(pts[0::2]), np.array(pts[1::2])]
    assert geo.diameter(g) == pytest.approx([math.sqrt(3)] * 2)
    assert geo.margin(g)[0, 1] == pytest.approx(1.0)


def test_exact_squared_values_and_witnesses():
    g = [[(F(1), F(0)), (F(3, 5), F(4, 5))], [(F(0), F(-1))]]
    D2 = geo.diameter(g, squared=True)
    M2 = geo.margin(g, squared=True)
    assert D2[0] == F(4, 5) and D2[1] == 0            # ||(2/5, -4/5)||^2 = 4/5
    assert M2[0, 1] == 2 and M2[0, 0] is None            # (1,0) to (0,-1)
    assert geo.diameter_witnesses(g)[0] in [(0, 1), (1, 0)]
    assert geo.margin_witnesses(g)[(0, 1)] == (0, 0)


def test_conditions_on_exact_examples():
    sep = [[(F(1), F(0))], [(F(-1), F(0))]]
    assert geo.diameter_below_every_margin(sep)
    assert geo.diameter_below_some_margin(sep)
    assert geo.some_diameter_below_all_margins(sep)
    touching = [[(F(1), F(0)), (F(0), F(1))], [(F(-1), F(0))]]   # diameter^2 = margin^2 = 2
    assert not geo.diameter_below_every_margin(touching)


# ---------------------------------------------------------------- the decision

def test_tie_is_a_failure_exactly():
    # x = (1,0): its own (3/5, 4/5) and the other group's (3/5, -4/5) both give logit 3/5.
    g = [[(F(1), F(0)), (F(3, 5), F(4, 5))], [(F(3, 5), F(-4, 5))]]
    dec = geo.decide(g)
    assert not dec.perfect and dec.gap[dec.worst] == 0
    i, x, ys = dec.failure
    assert (i, x) == (0, 0) and geo.logits(g, i, x, ys) == [F(3, 5), F(3, 5)]
    assert geo.find_failure_bruteforce(g) is not None


def test_float_tolerance_is_explicit():
    th = 0.5
    g = [np.array([[1.0, 0.0], [math.cos(th), math.sin(th)]]),
         np.array([[math.cos(th + 1e-12), -math.sin(th + 1e-12)]])]
    assert not geo.perfect_accuracy(g)                 # gap 1e-12 sin(th) <= TIE_TOL: a tie
    assert geo.perfect_accuracy(g, tol=0.0)            # strictly positive gap without tolerance
    g[1] = np.array([[math.cos(th + 1e-6), -math.sin(th + 1e-6)]])
    assert geo.perfect_accuracy(g)


def test_singletons_distinct_points_are_perfect():
    rng = np.random.default_rng(3)
    g = [p[None] for p in unit(rng, 6, 4)]
    assert geo.perfect_accuracy(g)


def test_perfect_when_groups_are_tight_and_large():
    rng = np.random.default_rng(0)
    centers = np.eye(16)[:16]
    g = []
    for c in centers:
        p = c + 0.02 * rng.standard_normal((30, 16))
        g.append(p / np.linalg.norm(p, axis=1, keepdims=True))
    assert geo.diameter_below_every_margin(g)
    assert geo.perfect_accuracy(g)


def test_chunking_does_not_change_the_decision():
    g = random_groups(11, N=5, m=9, d=4)
    a, b = geo.decide(g), geo.decide(g, chunk=3)
    assert np.array_equal(a.gap, b.gap) and a.failure == b.failure


def test_decision_is_rotation_invariant():
    rng = np.random.default_rng(5)
    for _ in range(20):
        g = random_groups(int(rng.integers(1 << 30)), N=3, m=3, d=3)
        Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        assert geo.perfect_accuracy(g) == geo.perfect_accuracy([x @ Q for x in g])


def test_find_failure_is_a_replayable_failing_choice():
    g = random_groups(2, N=4, m=4, d=2)
    fail = geo.find_failure(g)
    assert fail is not None and not geo.is_correct(g, *fail)


def test_count_choices():
    assert geo.count_choices([4, 4, 4]) == 12 * 64


@seed(20260)
@settings(max_examples=600, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(MODES),
       st.lists(st.lists(st.integers(0, 10 ** 4), min_size=1, max_size=3), min_size=2, max_size=4))
def test_decomposition_agrees_with_bruteforce(mode, picks):
    cfg = geo.validate(build_case(mode, picks))
    dec = geo.decide(cfg)
    bf = geo.find_failure_bruteforce(cfg)
    assert dec.perfect == (bf is None)
    assert geo.perfect_accuracy(cfg) == geo.perfect_accuracy_bruteforce(cfg)
    if dec.failure is not None:
        assert not geo.is_correct(cfg, *dec.failure)


def test_exact_pool_is_unit_and_symmetric():
    for d in (2, 3):
        pool = exact_pool(d)
        assert all(sum(v * v for v in p) == 1 for p in pool)
        assert all(tuple(-v for v in p) in pool for p in pool)


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("groups, match", [
    ([[(1, 0)]], "at least 2 groups"),
    ([[(1, 0)], []], "group 1 is empty"),
    ([[(1, 0)], [(0, 1, 0)]], "group 1 row 0 has dimension 3, expected 2"),
    ([[(1, 0)], [(0.6, 0.7)]], "group 1 row 0 is not a unit row"),
    ([[(1, 0)], [(F(1, 2), F(1, 2))]], "group 1 row 0 is not a unit row: .* = 1/2 exactly"),
    ([[(1, 0)], [(0, 1), (float("nan"), 0.0)]], "group 1 row 1 coordinate 0 is not finite"),
    ([[(1, 0)], [(0, 1), (float("inf"), 0.0)]], "not finite"),
    ([[(1, 0)], [("a", 0)]], "not a real number"),
    ([[(1, 0)], [(True, 0)]], "not a real number"),
    ([np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])], "group 1 row 0 is not a unit row"),
    ([np.array([[1.0, 0.0]]), np.array([[np.nan, 0.0]])], "group 1 row 0 has a non-finite value"),
    ([np.array([[1.0, 0.0]]), np.zeros((0, 2))], "group 1 is empty"),
    ([np.array([[1.0, 0.0]]), np.array([[0.0, 0.0, 1.0]])], "dimension 3, expected 2"),
    ([np.array([[1.0, 0.0]]), np.array([0.0, 1.0])], "2-D"),
])
def test_bad_input_is_a_clear_value_error(groups, match):
    with pytest.raises(ValueError, match=match):
        geo.perfect_accuracy(groups)


def test_exact_mode_only_without_floats():
    assert geo.validate([[(1, 0)], [(F(3, 5), F(4, 5))]]).exact
    assert not geo.validate([[(1, 0)], [(0.6, 0.8)]]).exact
    assert geo.validate([[circle_point(F(1, 7))], [(0, 1)]]).exact


def test_build_case_rejects_unknown_mode():
    with pytest.raises(ValueError, match="unknown mode"):
        build_case("exact9", [[0], [1]])


@pytest.mark.parametrize("tol", [-0.5, float("nan"), float("inf"), "x"])
def test_a_bad_tolerance_is_refused(tol):
    with pytest.raises(ValueError, match="tol"):
        geo.perfect_accuracy([[[1.0, 0.0]], [[0.0, 1.0]]], tol=tol)
