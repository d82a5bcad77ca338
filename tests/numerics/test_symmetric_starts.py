"""numerics.symmetric_starts: each group against the symmetries of its polyhedron (written out
by coordinates here, independently of the generators), orbit sizes against the orbit-stabilizer
count, the decomposition against a brute-force enumeration, and the wiring into the search."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numerics.tammes as tammes_module
from numerics.reference import best_known_tammes_s2
from numerics.symmetric_starts import (GROUPS, SymmetricSubspace, orbit, orbit_decomposition, orbit_layouts,
                                       rotation_group, symmetric_start)

PHI = (1 + 5 ** 0.5) / 2


def _icosahedron():
    pts = []
    for s1, s2 in itertools.product((1, -1), repeat=2):
        for p in ((0, s1, s2 * PHI), (s1, s2 * PHI, 0), (s2 * PHI, 0, s1)):
            pts.append(p)
    return np.array(pts, dtype=float)


def _prism(k):
    """A regular k-gonal prism about z with a vertex on the x axis (its rotations: D_k)."""
    t = 2 * np.pi * np.arange(k) / k
    return np.array([(np.cos(a), np.sin(a), h) for a in t for h in (1.0, -1.0)])


#: The polyhedron whose rotations each group is, by its vertex coordinates (for C2 a
#: "twisted" solid: two points and their half turns about z).
POLYHEDRA = {"icosahedral": _icosahedron(),
             "octahedral": np.array(list(itertools.product((1, -1), repeat=3)), dtype=float),  # cube
             "tetrahedral": np.array([(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)], dtype=float),
             "C2": np.array([(1, 2, 0.5), (-1, -2, 0.5), (0.3, 0.1, -1), (-0.3, -0.1, -1)]),
             "D2": np.array(list(itertools.product((1, -1), (2, -2), (3, -3))), dtype=float),  # a box
             "D3": _prism(3)}
ORDERS = {"icosahedral": 60, "octahedral": 24, "tetrahedral": 12, "C2": 2, "D2": 4, "D3": 6}


def _same_set(a, b, tol=1e-9):
    return len(a) == len(b) and all(np.abs(b - p).max(axis=1).min() < tol for p in a)


# ---------------------------------------------------------------------------
# the groups
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GROUPS))
def test_group_is_the_rotation_group_of_its_polyhedron(name):
    g = rotation_group(name)
    assert len(g) == ORDERS[name]
    assert np.allclose(g[0], np.eye(3))
    for m in g:
        assert np.allclose(m @ m.T, np.eye(3), atol=1e-12) and np.linalg.det(m) == pytest.approx(1.0)
        assert _same_set(POLYHEDRA[name] @ m.T, POLYHEDRA[name])  # a symmetry of the polyhedron
    # distinct, and closed under products
    for a, b in itertools.product(g, repeat=2):
        assert np.abs(g - a @ b).max(axis=(1, 2)).min() < 1e-9
    assert min(np.abs(g[i] - g[j]).max() for i, j in itertools.combinations(range(len(g)), 2)) > 1e-3


def test_unknown_group_is_rejected():
    with pytest.raises(ValueError, match="unknown group"):
        rotation_group("dodecagonal")


# ---------------------------------------------------------------------------
# orbits
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GROUPS))
def test_special_orbit_sizes_are_the_order_over_the_axis_stabilizer(name):
    order = ORDERS[name]
    for size, v in GROUPS[name]["special"]:
        v = np.asarray(v, float) / np.linalg.norm(v)
        stabilizer = sum(np.allclose(m @ v, v, atol=1e-9) for m in rotation_group(name))
        assert len(orbit(v, name)) == size == order // stabilizer


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(GROUPS)), seed=st.integers(0, 10**6))
def test_generic_orbit_has_the_group_order_and_is_invariant(name, seed):
    v = np.random.default_rng(seed).standard_normal(3)
    o = orbit(v, name)
    assert len(o) == ORDERS[name]
    assert np.allclose(np.linalg.norm(o, axis=1), 1.0)
    for m in rotation_group(name):
        assert _same_set(o @ m.T, o)


# ---------------------------------------------------------------------------
# the decomposition, against brute force
# ---------------------------------------------------------------------------

def _smallest_remainder(n, name):
    order = ORDERS[name]
    sizes = [k for k, _ in GROUPS[name]["special"]]
    rests = (n - order * a - sum(t * k for t, k in zip(taken, sizes))
             for taken in itertools.product((0, 1), repeat=len(sizes)) for a in range(n // order + 1))
    return min(r for r in rests if r >= 0)


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_decomposition_adds_up_and_leaves_the_smallest_remainder(name):
    sizes = [k for k, _ in GROUPS[name]["special"]]
    for n in range(1, 301):
        a, taken, r = orbit_decomposition(n, name)
        assert a >= 0 and set(taken) <= {0, 1} and r >= 0
        assert ORDERS[name] * a + sum(t * k for t, k in zip(taken, sizes)) + r == n
        assert r == _smallest_remainder(n, name)


def test_decomposition_examples():
    assert orbit_decomposition(120) == (2, (0, 0, 0), 0)
    assert orbit_decomposition(110) == (1, (1, 1, 0), 0)  # 60 + 30 + 20
    assert orbit_decomposition(12) == (0, (0, 0, 1), 0)  # the icosahedron
    assert orbit_decomposition(5) == (0, (0, 0, 0), 5)
    # ties: the tetrahedral group's two orbits of 4 (vertices, face centres); the first is taken
    assert orbit_decomposition(4, "tetrahedral") == (0, (0, 1, 0), 0)
    assert orbit_decomposition(10, "tetrahedral") == (0, (1, 1, 0), 0)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "12"])
def test_bad_n_is_rejected(bad):
    with pytest.raises(ValueError):
        orbit_decomposition(bad)


# ---------------------------------------------------------------------------
# the start
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,n", [("icosahedral", 110), ("icosahedral", 127), ("octahedral", 102),
                                    ("tetrahedral", 41)])
def test_start_is_a_union_of_orbits_plus_the_remainder(name, n):
    x = symmetric_start(n, np.random.default_rng(5), name)
    a, taken, r = orbit_decomposition(n, name)
    assert x.shape == (n, 3) and np.allclose(np.linalg.norm(x, axis=1), 1.0)
    sym = x[: n - r]
    for m in rotation_group(name):
        assert _same_set(sym @ m.T, sym)
    assert np.array_equal(x, symmetric_start(n, np.random.default_rng(5), name))  # deterministic
    assert not np.array_equal(x, symmetric_start(n, np.random.default_rng(6), name))


# ---------------------------------------------------------------------------
# the symmetric subspace
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GROUPS))
def test_layouts_against_every_exact_decomposition(name):
    """Every exact decomposition with a generic orbit has a layout with the same sizes of
    special orbits, and each layout is one (brute force over a and the special orbits)."""
    sizes = [k for k, _ in GROUPS[name]["special"]]
    for n in range(1, 201):
        layouts = orbit_layouts(n, name)
        kinds = [tuple(sorted(k for t, k in zip(taken, sizes) if t)) for _, taken in layouts]
        assert len(set(kinds)) == len(kinds)
        for a, taken in layouts:
            assert a >= 1 and ORDERS[name] * a + sum(t * k for t, k in zip(taken, sizes)) == n
        brute = {tuple(sorted(k for t, k in zip(taken, sizes) if t))
                 for taken in itertools.product((0, 1), repeat=len(sizes)) for a in range(1, n + 1)
                 if ORDERS[name] * a + sum(t * k for t, k in zip(taken, sizes)) == n}
        assert set(kinds) == brute


def test_layout_examples():
    assert orbit_layouts(128, "D2") == [(32, (0, 0, 0)), (31, (1, 1, 0))]
    assert orbit_layouts(90, "D3") == [(15, (0, 0, 0)), (14, (1, 1, 0))]
    assert orbit_layouts(76, "C2") == [(38, (0, 0)), (37, (1, 1))]
    assert orbit_layouts(127, "C2") == [(63, (1, 0))]
    assert orbit_layouts(127, "D2") == [] and orbit_layouts(1, "C2") == []


@pytest.mark.parametrize("name,a,taken", [("D2", 5, (1, 1, 0)), ("D3", 4, (0, 1, 1)), ("C2", 7, (1, 1)),
                                          ("icosahedral", 1, (0, 1, 0))])
def test_subspace_configurations_are_invariant_and_the_projection_is_idempotent(name, a, taken):
    space = SymmetricSubspace(name, a, taken)
    rng = np.random.default_rng(1)
    x = space.random(rng)
    assert x.shape == (space.n, 3) and np.allclose(np.linalg.norm(x, axis=1), 1.0)
    for m in rotation_group(name):
        assert _same_set(x @ m.T, x)
    assert np.abs(space.project(x) - x).max() < 1e-14  # the identity on the subspace
    y = x + 0.05 * rng.standard_normal(x.shape)
    p = space.project(y / np.linalg.norm(y, axis=1, keepdims=True))
    assert np.abs(space.project(p) - p).max() < 1e-14
    for m in rotation_group(name):
        assert _same_set(p @ m.T, p)


def test_projection_is_the_normalized_orbit_mean_against_a_loop():
    """The representative of orbit j is the normalized mean of g_i^T x_{i j} (plain loops)."""
    space = SymmetricSubspace("D3", 3, (0, 0, 1))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((space.n, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    g = rotation_group("D3")
    reps = []
    for j in range(3):
        v = sum(g[i].T @ x[i * 3 + j] for i in range(6))
        reps.append(v / np.linalg.norm(v))
    expected = np.vstack([np.array(reps) @ gi.T for gi in g] + [orbit((0, 0, 1), "D3")])
    assert np.abs(space.project(x) - expected).max() < 1e-14


# ---------------------------------------------------------------------------
# in the search
# ---------------------------------------------------------------------------

SYM = ("icosahedral", "icosahedral", "octahedral", "tetrahedral")


@pytest.mark.parametrize("n,d,groups,expected", [
    (40, 3, SYM, list(SYM)),
    (40, 3, None, list(SYM)),                      # the default search's
    (40, 3, (), []),
    (11, 3, SYM, []),                              # no orbit fits
    (tammes_module.SYMMETRIC_MAX_N + 1, 3, SYM, []),
    (24, 4, SYM, []),                              # S^3: random starts only
])
def test_search_takes_its_symmetric_starts_from_the_groups(monkeypatch, n, d, groups, expected):
    calls = []

    def recording(n_, rng, group):
        calls.append(group)
        return symmetric_start(n_, rng, group)

    monkeypatch.setattr(tammes_module, "symmetric_start", recording)
    res = tammes_module.tammes_search(n, d, seed=0, restarts=1, hops=0, schedule=(3.0,), polish_time=1.0,
                                      symmetric_starts=groups, vacancy_starts=(), orbit_groups=())
    assert calls == expected
    assert res.starts == 1 + len(expected)  # counted with the random start


def test_one_icosahedral_start_reaches_the_best_known_120_where_a_random_one_does_not():
    """N = 120: the best known packing (Sloane's table, test data) is a union of two generic
    icosahedral orbits; one start and no hops reach it from the orbits and not from random points."""
    best = best_known_tammes_s2()[120]
    a = tammes_module.tammes_search(120, 3, seed=0, restarts=1, hops=0, symmetric_starts=("icosahedral",),
                                    vacancy_starts=())
    b = tammes_module.tammes_search(120, 3, seed=0, restarts=1, hops=0, symmetric_starts=(),
                                    vacancy_starts=())
    assert abs(a.angle_deg - best) <= 1e-5
    assert best - b.angle_deg > 1e-3


def test_the_symmetric_phase_leaves_the_random_phase_as_it_was():
    """The symmetric starts draw from their own generator after the random chains: the search
    with them improves on the search without them only after it, with the same packings
    before, and adds their starts and one random chain's share of hops per symmetric chain."""
    kw = dict(seed=3, restarts=3, hops=24, chains=2, vacancy_starts=())
    without = tammes_module.tammes_search(40, 3, symmetric_starts=(), **kw)
    with_ = tammes_module.tammes_search(40, 3, symmetric_starts=SYM, symmetric_chains=1, **kw)
    angles = [a for _, a in with_.history]
    assert angles[:len(without.history)] == [a for _, a in without.history]
    assert with_.angle_deg >= without.angle_deg
    assert with_.starts == without.starts + len(SYM)
    assert with_.hops == without.hops + 24 // 2
    none = tammes_module.tammes_search(40, 3, symmetric_starts=SYM, symmetric_chains=0, **kw)
    assert none.hops == without.hops and none.starts == with_.starts


def test_the_symmetric_starts_draw_from_their_own_stream(monkeypatch):
    """The generator handed to the symmetric starts is not the search's: it is seeded by
    ``(seed, SYMMETRIC_STREAM)``."""
    seen = []

    def recording(n_, rng, group):
        seen.append(rng)
        return symmetric_start(n_, rng, group)

    monkeypatch.setattr(tammes_module, "symmetric_start", recording)
    tammes_module.tammes_search(40, 3, seed=7, restarts=1, hops=0, schedule=(3.0,), polish_time=1.0,
                                vacancy_starts=())
    expected = np.random.default_rng((7, tammes_module.SYMMETRIC_STREAM))
    assert len({id(r) for r in seen}) == 1
    # the same stream: after the same draws, the same next number
    for group in tammes_module.SYMMETRIC_STARTS:
        symmetric_start(40, expected, group)
    assert seen[0].random() == expected.random()


def test_symmetric_phase_defaults_and_range():
    from numerics.tammes import SYMMETRIC_MAX_N, _takes_symmetric_starts

    assert tammes_module.SYMMETRIC_STARTS == SYM  # they paid in the bench's frontier and ablation
    assert tammes_module.SYMMETRIC_CHAINS == 1
    assert [n for n in range(1, 400) if _takes_symmetric_starts(n, 3)] == list(range(12, SYMMETRIC_MAX_N + 1))
    assert not any(_takes_symmetric_starts(n, d) for n in (24, 120, 240) for d in (2, 4, 8))


def test_the_symmetric_chain_moves_with_the_symmetric_stream(monkeypatch):
    """The random chain perturbs with the search's generator, the symmetric chain with the one
    its starts came from."""
    starts_rng, moves_rng = [], []
    real_perturb = tammes_module._perturb

    def start_spy(n_, rng, group):
        starts_rng.append(rng)
        return symmetric_start(n_, rng, group)

    def perturb_spy(y, move, best_rad, rng):
        moves_rng.append(rng)
        return real_perturb(y, move, best_rad, rng)

    monkeypatch.setattr(tammes_module, "symmetric_start", start_spy)
    monkeypatch.setattr(tammes_module, "_perturb", perturb_spy)
    r = tammes_module.tammes_search(40, 3, seed=0, restarts=1, hops=3, chains=1, symmetric_chains=1,
                                    vacancy_starts=(), orbit_groups=())
    assert r.hops == 6 and len(moves_rng) == 6
    assert all(g is moves_rng[0] for g in moves_rng[:3])
    assert all(g is starts_rng[0] for g in moves_rng[3:]) and moves_rng[0] is not starts_rng[0]


def test_within_a_budget_the_symmetric_phase_comes_only_when_the_hops_ran_out(monkeypatch):
    calls = []

    def recording(n_, rng, group):
        calls.append(group)
        return symmetric_start(n_, rng, group)

    monkeypatch.setattr(tammes_module, "symmetric_start", recording)
    r = tammes_module.tammes_search(40, 3, seed=0, restarts=1, budget=1.0)  # the chains take it all
    assert calls == [] and r.stopped == "budget"
    tammes_module.tammes_search(40, 3, seed=0, restarts=1, hops=2, budget=60.0)
    assert calls == list(SYM) + list(tammes_module.VACANCY_STARTS)  # the vacancy starts' own calls


@pytest.mark.parametrize("bad", [("dodecagonal",), "icosahedral", 3, ([1],)])
def test_bad_symmetric_starts_are_rejected(bad):
    with pytest.raises(ValueError, match="symmetric_starts"):
        tammes_module.tammes_search(20, 3, symmetric_starts=bad)


@pytest.mark.parametrize("bad", [-1, 1.0, True, "1"])
def test_bad_symmetric_chains_are_rejected(bad):
    with pytest.raises(ValueError, match="symmetric_chains"):
        tammes_module.tammes_search(20, 3, symmetric_chains=bad)


# ---------------------------------------------------------------------------
# the vacancy starts: the symmetric start for N + 1, less one point
# ---------------------------------------------------------------------------

def test_vacancy_start_is_the_polished_start_for_one_more_point_less_one_row():
    """Every row of the vacancy start is a row of the relaxed and polished symmetric start for
    ``n + 1`` points made from the same generator state, and exactly one of those rows is
    missing; the rows are unit vectors."""
    n = 30
    x = tammes_module.vacancy_start(n, np.random.default_rng(4), "octahedral")
    rng = np.random.default_rng(4)
    full = tammes_module._finish(tammes_module._relax_schedule(
        symmetric_start(n + 1, rng, "octahedral"), tammes_module.VACANCY_SCHEDULE))
    assert x.shape == (n, 3) and np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
    match = [int(np.flatnonzero((full == row).all(axis=1))[0]) for row in x]
    missing = sorted(set(range(n + 1)) - set(match))
    assert len(set(match)) == n and missing == [int(rng.integers(n + 1))]


@pytest.mark.slow
def test_an_icosahedral_vacancy_start_and_its_chain_reach_the_best_known_119():
    """N = 119: the best known 120 (two generic icosahedral orbits) less one point, polished,
    is well above what a random start reaches, and one chain from it reaches the best known
    119 (Sloane's table, test data); the same search without the vacancy start does not.
    Handed to a Riesz relaxation first (the starts' s = 3), it falls below the random start."""
    best = best_known_tammes_s2()[119]
    kw = dict(seed=0, restarts=1, hops=150, chains=1, symmetric_starts=())
    seen = []

    def spy(n_, rng, group):
        x = symmetric_start(n_, rng, group)
        seen.append(n_)
        return x

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tammes_module, "symmetric_start", spy)
        a = tammes_module.tammes_search(119, 3, vacancy_starts=("icosahedral",), **kw)
    b = tammes_module.tammes_search(119, 3, vacancy_starts=(), **kw)
    assert seen == [120]
    assert a.angle_deg >= best - 1e-5
    assert best - b.angle_deg > 1e-2
    start = tammes_module.vacancy_start(119, np.random.default_rng((0, tammes_module.VACANCY_STREAM)))
    polished = tammes_module.min_angle_deg(tammes_module._finish(start))
    relaxed = tammes_module.min_angle_deg(tammes_module._finish(tammes_module.riesz_relax(start, 3.0)))
    assert polished > 19.32 > b.angle_deg > relaxed


def test_the_vacancy_starts_only_add_to_the_symmetric_ones():
    """The vacancy starts come after the symmetric starts, from their own generator: without a
    symmetric chain, the search with them has the packings of the search without them first,
    and one start more per group."""
    kw = dict(seed=3, restarts=2, hops=10, chains=2, symmetric_chains=0)
    without = tammes_module.tammes_search(40, 3, vacancy_starts=(), **kw)
    with_ = tammes_module.tammes_search(40, 3, vacancy_starts=("icosahedral", "octahedral"), **kw)
    angles = [a for _, a in with_.history]
    assert angles[:len(without.history)] == [a for _, a in without.history]
    assert with_.starts == without.starts + 2 and with_.hops == without.hops
    assert with_.angle_deg >= without.angle_deg


def test_a_vacancy_start_that_is_not_the_best_leaves_the_symmetric_chain_as_it_was(monkeypatch):
    """The symmetric chain runs from the best of the symmetric and vacancy starts: a vacancy
    start worse than every symmetric start (here one with two coincident points, kept from the
    polish) changes nothing but the start count, though it draws from its generator."""
    real_finish = tammes_module._finish
    made = []

    def poor_vacancy(n_, rng, group, *args):
        rng.random()
        x = symmetric_start(n_, np.random.default_rng(1), "icosahedral")
        x[1] = x[0]
        made.append(x)
        return x

    def finish(x, **kw):
        return x if any(x is m for m in made) else real_finish(x, **kw)

    kw = dict(seed=3, restarts=2, hops=10, chains=2, symmetric_chains=1)
    without = tammes_module.tammes_search(40, 3, vacancy_starts=(), **kw)
    monkeypatch.setattr(tammes_module, "vacancy_start", poor_vacancy)
    monkeypatch.setattr(tammes_module, "_finish", finish)
    with_ = tammes_module.tammes_search(40, 3, vacancy_starts=("icosahedral",), **kw)
    assert len(made) == 1
    assert [a for _, a in with_.history] == [a for _, a in without.history]
    assert with_.angle_deg == without.angle_deg and with_.hops == without.hops
    assert with_.starts == without.starts + 1


def test_the_vacancy_starts_draw_from_their_own_stream(monkeypatch):
    """The generator handed to the vacancy starts is seeded by ``(seed, VACANCY_STREAM)``, not
    the symmetric starts' or the search's."""
    seen = []
    real = tammes_module.vacancy_start

    def recording(n_, rng, group, *args):
        seen.append(rng)
        return real(n_, rng, group, *args)

    monkeypatch.setattr(tammes_module, "vacancy_start", recording)
    tammes_module.tammes_search(40, 3, seed=7, restarts=1, hops=0, polish_time=1.0,
                                symmetric_starts=(), vacancy_starts=("tetrahedral", "octahedral"))
    assert len(seen) == 2 and seen[0] is seen[1]
    expected = np.random.default_rng((7, tammes_module.VACANCY_STREAM))
    for group in ("tetrahedral", "octahedral"):
        real(40, expected, group)
    assert seen[0].random() == expected.random()


def test_vacancy_defaults():
    assert tammes_module.VACANCY_STARTS == ("icosahedral",)  # the bench's frontier and hard part
    assert len({tammes_module.SYMMETRIC_STREAM, tammes_module.VACANCY_STREAM, tammes_module.FINE_STREAM}) == 3


@pytest.mark.parametrize("bad", [("dodecagonal",), "icosahedral", 3, ([1],)])
def test_bad_vacancy_starts_are_rejected(bad):
    with pytest.raises(ValueError, match="vacancy_starts"):
        tammes_module.tammes_search(20, 3, vacancy_starts=bad)


def test_past_its_deadline_a_vacancy_start_is_not_polished(monkeypatch):
    """Within a budget the polish's Newton steps do not stop at the deadline: past it, the
    N + 1 configuration is handed on unpolished (and the relaxation stops at once)."""
    def no_finish(x, **kw):
        raise AssertionError("polished past the deadline")

    monkeypatch.setattr(tammes_module, "_finish", no_finish)
    x = tammes_module.vacancy_start(30, np.random.default_rng(0), "icosahedral", deadline=0.0)
    start = symmetric_start(31, np.random.default_rng(0), "icosahedral")
    assert x.shape == (30, 3) and sum((start == row).all(axis=1).any() for row in x) == 30


# ---------------------------------------------------------------------------
# the orbit chains: overlap chains inside a symmetric subspace
# ---------------------------------------------------------------------------

def _riesz_start(space, seed):
    x = space.random(np.random.default_rng(seed))
    return space.project(tammes_module.riesz_relax(x, 1.0, maxiter=150))


def test_the_climb_stays_in_the_subspace_and_raises_the_angle():
    space = SymmetricSubspace("D2", 10, (0, 0, 0))
    x = _riesz_start(space, 0)
    a0 = tammes_module.min_angle_deg(x)
    y, a = tammes_module.symmetric_climb(x, a0, space)
    assert np.abs(space.project(y) - y).max() < 1e-14
    assert a == tammes_module.min_angle_deg(y) and a > a0 + 1e-3
    # it ends where the chain's own step finds no packing: the chain's first relaxation is not one
    _, e = tammes_module.overlap_relax(y, np.cos(np.radians(a) * (1 + tammes_module.TARGET_STEP)))
    assert e >= tammes_module.FEASIBLE_ENERGY


def test_projection_is_the_nearest_configuration_of_the_subspace():
    space = SymmetricSubspace("D3", 4, (1, 0, 1))
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.standard_normal((space.n, 3))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        p = space.project(x)
        for _ in range(10):
            other = space.random(rng)
            assert np.sum((x - p) ** 2) <= np.sum((x - other) ** 2) + 1e-12
        near = space.project(p + 1e-3 * rng.standard_normal(p.shape))
        assert np.sum((x - p) ** 2) <= np.sum((x - near) ** 2) + 1e-12


@pytest.mark.parametrize("move", tammes_module.MOVES)
def test_orbit_moves_keep_the_layout(move):
    """Every move leaves a configuration of the subspace with the special orbits in place; a
    throw or a relocation moves whole generic orbits, at most max(2, a // 10) of them."""
    space = SymmetricSubspace("D2", 20, (1, 1, 0))
    rng = np.random.default_rng(4)
    x = _riesz_start(space, 1)
    for _ in range(5):
        y = tammes_module._orbit_perturb(space, x, move, np.radians(20.0), rng)
        assert np.abs(space.project(y) - y).max() < 1e-14
        assert np.array_equal(y[-4:], x[-4:])
        moved = np.flatnonzero(np.abs(y[:20] - x[:20]).max(axis=1) > 0)
        if move == "jiggle":
            assert len(moved) == 20
        else:
            assert 1 <= len(moved) <= 2


def test_an_orbit_relocation_fills_the_largest_hole():
    """One orbit relocated lands at the centre of the largest empty cap of the others."""
    space = SymmetricSubspace("D3", 6, (0, 0, 0))
    x = _riesz_start(space, 2)
    checked = 0
    for seed in range(10):  # the moves that relocate one orbit (the draw allows one or two)
        y = tammes_module._orbit_perturb(space, x, "relocate", np.radians(30.0), np.random.default_rng(seed))
        moved = np.flatnonzero(np.abs(y[:6] - x[:6]).max(axis=1) > 0)
        if len(moved) == 1:
            rest = space.build(np.delete(x[:6], moved[0], axis=0))
            normals, _ = tammes_module.largest_holes(rest)
            assert np.abs(y[moved[0]] - normals[0]).max() < 1e-12
            checked += 1
    assert checked >= 3


@pytest.mark.slow
def test_an_orbit_chain_reaches_the_best_known_128_where_its_climb_alone_does_not():
    """N = 128: the best known packing (Sloane's table, test data) has the rotations D2 and 32
    generic orbits.  Orbit chains in that subspace reach it from seeds 0 and 1; with no hops
    (the start climbed and polished) they end more than 0.03 degrees short."""
    best = best_known_tammes_s2()[128]
    space = SymmetricSubspace("D2", 32, (0, 0, 0))
    for seed in (0, 1):
        x, hops = tammes_module.orbit_chain(space, np.random.default_rng(seed))
        assert hops == tammes_module.ORBIT_HOPS
        assert tammes_module.min_angle_deg(x) >= best - 1e-5
        y, _ = tammes_module.orbit_chain(space, np.random.default_rng(seed), hops=0)
        assert best - tammes_module.min_angle_deg(y) > 3e-2


def test_an_orbit_chain_reaches_the_best_known_90():
    """N = 90: the best known packing (test data) has the rotations D3 and 15 generic orbits;
    there the climb from a start alone reaches it (seeds 1 to 5 of 0 to 5)."""
    best = best_known_tammes_s2()[90]
    space = SymmetricSubspace("D3", 15, (0, 0, 0))
    x, _ = tammes_module.orbit_chain(space, np.random.default_rng(1), hops=0)
    assert tammes_module.min_angle_deg(x) >= best - 1e-5


def test_the_orbit_chain_stops_at_its_deadline(monkeypatch):
    def no_polish(*a, **k):
        raise AssertionError("polished past the deadline")

    monkeypatch.setattr(tammes_module, "_finish", no_polish)
    space = SymmetricSubspace("C2", 10, (0, 0))
    x, hops = tammes_module.orbit_chain(space, np.random.default_rng(0), deadline=0.0)
    assert hops == 0 and np.abs(space.project(x) - x).max() < 1e-14


def _orbit_spy(calls):
    def spy(space, rng, **kw):
        calls.append((space.group, space.a, space.taken, rng))
        return space.random(rng), 0
    return spy


def test_the_search_runs_one_orbit_chain_per_layout_from_its_own_stream(monkeypatch):
    calls = []
    monkeypatch.setattr(tammes_module, "orbit_chain", _orbit_spy(calls))
    r = tammes_module.tammes_search(90, 3, seed=5, restarts=1, hops=0, symmetric_starts=(),
                                    vacancy_starts=(), orbit_chains=1)
    layouts = [(g, a, t) for g in tammes_module.ORBIT_GROUPS for a, t in orbit_layouts(90, g)]
    assert [c[:3] for c in calls] == layouts and len(layouts) == 6
    assert r.starts == 1 + len(layouts)
    assert all(c[3] is calls[0][3] for c in calls)
    expected = np.random.default_rng((5, tammes_module.ORBIT_STREAM))
    for g, a, t in layouts:
        SymmetricSubspace(g, a, t).random(expected)
    assert calls[0][3].random() == expected.random()


@pytest.mark.parametrize("n,d,kw", [(11, 3, {}), (tammes_module.SYMMETRIC_MAX_N + 1, 3, {}), (24, 4, {}),
                                    (40, 3, {"orbit_groups": ()}), (40, 3, {"orbit_chains": 0}),
                                    (40, 3, {"orbit_chains": None})])  # explicit hops: none by default
def test_where_the_search_runs_no_orbit_chain(monkeypatch, n, d, kw):
    calls = []
    monkeypatch.setattr(tammes_module, "orbit_chain", _orbit_spy(calls))
    tammes_module.tammes_search(n, d, seed=0, restarts=1, hops=0, schedule=(3.0,), polish_time=1.0,
                                symmetric_starts=(), vacancy_starts=(), **{"orbit_chains": 1, **kw})
    assert calls == []


def test_the_default_search_runs_the_orbit_chains(monkeypatch):
    calls = []
    monkeypatch.setattr(tammes_module, "orbit_chain", _orbit_spy(calls))
    monkeypatch.setattr(tammes_module, "HOP_WORK", 400.0)  # a short default search
    monkeypatch.setattr(tammes_module, "FINE_HOPS", 2)
    tammes_module.tammes_search(40, 3, seed=0, processes=1)  # the spy is in this process
    assert [c[0] for c in calls] == [g for g in tammes_module.ORBIT_GROUPS for _ in orbit_layouts(40, g)]


def test_within_a_budget_the_orbit_chains_come_only_when_asked_and_the_hops_ran_out(monkeypatch):
    calls = []
    monkeypatch.setattr(tammes_module, "orbit_chain", _orbit_spy(calls))
    kw = dict(seed=0, restarts=1, symmetric_starts=(), vacancy_starts=())
    tammes_module.tammes_search(40, 3, budget=1.0, orbit_chains=1, **kw)  # the chains take it all
    tammes_module.tammes_search(40, 3, hops=2, budget=60.0, **kw)  # not asked for
    assert calls == []
    tammes_module.tammes_search(40, 3, hops=2, budget=60.0, orbit_chains=1, **kw)
    assert [c[0] for c in calls] == [g for g in tammes_module.ORBIT_GROUPS for _ in orbit_layouts(40, g)]


def test_the_orbit_chains_only_add_to_the_search():
    """They come after the random and symmetric phases, from their own generator: the search
    with them has the packings of the search without them first, one start more per layout,
    and their hops, each reported to the progress callback."""
    kw = dict(seed=2, restarts=2, hops=10, chains=2, vacancy_starts=(), fine_hops=0)
    without = tammes_module.tammes_search(36, 3, orbit_groups=(), **kw)
    reported = []
    with_ = tammes_module.tammes_search(36, 3, orbit_groups=("D3",), orbit_chains=1,
                                        progress=lambda *a: reported.append(a), **kw)
    angles = [a for _, a in with_.history]
    assert angles[:len(without.history)] == [a for _, a in without.history]
    layouts = len(orbit_layouts(36, "D3"))
    assert with_.starts == without.starts + layouts
    assert with_.hops == without.hops + layouts * tammes_module.ORBIT_HOPS
    hop_counts = [done for stage, done, *_ in reported if stage == "hops"]
    assert hop_counts[-layouts * tammes_module.ORBIT_HOPS:] == list(range(without.hops + 1, with_.hops + 1))
    assert with_.angle_deg >= without.angle_deg


def test_orbit_phase_defaults():
    assert tammes_module.ORBIT_GROUPS == ("C2", "D2", "D3")
    assert (tammes_module.ORBIT_CHAINS, tammes_module.ORBIT_HOPS) == (1, 60)


@pytest.mark.parametrize("bad", [("D7",), "D2", 3])
def test_bad_orbit_groups_are_rejected(bad):
    with pytest.raises(ValueError, match="orbit_groups"):
        tammes_module.tammes_search(20, 3, orbit_groups=bad)


@pytest.mark.parametrize("bad", [-1, 1.0, True])
def test_bad_orbit_chains_are_rejected(bad):
    with pytest.raises(ValueError, match="orbit_chains"):
        tammes_module.tammes_search(20, 3, orbit_chains=bad)
