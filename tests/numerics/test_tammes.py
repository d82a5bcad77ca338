"""numerics.tammes: the solver reaches the proven and the famous optima, and its pieces are right."""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from numerics.reference import proven_tammes_s2, tammes_source
from numerics.tammes import (
    active_set_newton,
    check_unit_rows,
    contact_graph,
    min_angle_deg,
    pair_angles_deg,
    polish,
    random_sphere,
    tammes,
    tammes_search,
)


def proven_s2() -> dict[int, float]:
    return proven_tammes_s2()


def test_data_file_names_its_source():
    assert "Musin" in tammes_source() and "Sloane" in tammes_source()


def test_no_solver_reads_the_reference_table():
    import ast

    import numerics.configurations
    import numerics.high_dim
    import numerics.tammes

    for mod in (numerics.tammes, numerics.configurations, numerics.high_dim):
        tree = ast.parse(Path(mod.__file__).read_text())
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not any("reference" in m for m in imported), (mod.__name__, imported)


def min_angle_nested(x):
    """Nested-loop reference for min_angle_deg."""
    best = math.inf
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            c = sum(a * b for a, b in zip(x[i], x[j]))
            best = min(best, math.degrees(math.acos(max(-1.0, min(1.0, c)))))
    return best


@pytest.mark.parametrize("n, d", [(5, 3), (17, 4), (30, 2)])
def test_min_angle_matches_nested_loops(n, d):
    x = random_sphere(n, d, np.random.default_rng(n))
    assert abs(min_angle_deg(x) - min_angle_nested(x.tolist())) < 1e-9
    a = pair_angles_deg(x)
    assert a.shape == (n, n) and np.all(np.isinf(np.diag(a)))
    assert abs(a.min() - min_angle_deg(x)) < 1e-12


def test_min_angle_closed_forms_keep_full_precision():
    e = np.eye(4)
    assert min_angle_deg(np.vstack([e[0], -e[0]])) == 180.0  # arccos would lose ~1e-6 degrees
    assert abs(min_angle_deg(np.vstack([e, -e])) - 90.0) < 1e-12  # cross-polytope
    t = np.radians(1e-7)
    tiny = np.array([[1.0, 0.0], [math.cos(t), math.sin(t)]])
    assert abs(min_angle_deg(tiny) - 1e-7) < 1e-15


@pytest.mark.parametrize("bad, match", [
    (np.array([[1.0, 0.0], [0.0, 2.0]]), "row 1 has norm 2"),
    (np.array([[1.0, 0.0], [np.nan, 0.0]]), "row 1 has a non-finite"),
    (np.ones(3), "2-dimensional"),
])
def test_unit_rows_are_checked_never_normalized(bad, match):
    with pytest.raises(ValueError, match=match):
        check_unit_rows(bad)
    with pytest.raises(ValueError):
        min_angle_deg(bad)


@pytest.mark.parametrize("kw, match", [
    (dict(n=1, d=3), "n >= 2"), (dict(n=5, d=1), "d >= 2"), (dict(n=2.5, d=3), "integer"),
    (dict(n=5, d=3, budget=-1.0), "budget"), (dict(n=5, d=3, budget=float("nan")), "budget"),
    (dict(n=5, d=3, restarts=0), "restarts"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        tammes_search(**kw)


def test_polish_then_newton_closes_the_gap_of_a_perturbed_octahedron():
    rng = np.random.default_rng(0)
    x = np.vstack([np.eye(3), -np.eye(3)]) + 0.05 * rng.standard_normal((6, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert min_angle_deg(x) < 88.0
    y = active_set_newton(polish(x))
    assert abs(min_angle_deg(y) - 90.0) < 1e-10


@pytest.mark.parametrize("n, seed", [(60, 2), (80, 1)])
def test_polish_of_a_chain_packing_ends_at_a_kkt_point(n, seed):
    """What a chain hands to the polish: a packing found by the overlap relaxation near a
    polished one.  The polish stops only where no step helps, so a balancing stress exists (the
    certificate's KKT test).  With the former step price (1e-3) the second case stopped short of
    it (residual 6.6e-5)."""
    import numerics.tammes as tm
    from numerics.tammes_certificate import certify

    rng = np.random.default_rng(seed)
    x = tm._finish(tm.riesz_relax(random_sphere(n, 3, rng), 12.0))
    a = math.radians(min_angle_deg(x))
    y = x + 0.02 * rng.standard_normal(x.shape)
    y, e = tm.overlap_relax(y / np.linalg.norm(y, axis=1, keepdims=True), math.cos(0.999 * a))
    assert e == 0.0
    cert = certify(tm._finish(y))
    assert cert.kkt, cert.proves()


def test_newton_only_accepts_improvements():
    x = random_sphere(12, 3, np.random.default_rng(3))
    y = active_set_newton(x)
    assert min_angle_deg(y) >= min_angle_deg(x)


@pytest.mark.parametrize("n", sorted(proven_s2()))
def test_every_proven_optimum_on_s2_is_reached(n):
    ref = proven_s2()[n]
    x = tammes(n, 3, seed=0)  # default settings
    assert x.shape == (n, 3)
    check_unit_rows(x, atol=1e-12)
    assert abs(min_angle_deg(x) - ref) <= 1e-6, (n, min_angle_deg(x), ref)


def test_24_cell():
    x = tammes(24, 4, seed=0)  # default settings
    assert abs(min_angle_deg(x) - 60.0) <= 1e-6
    # every point touches 8 others, as in the 24-cell
    contacts = contact_graph(x, 1e-6)
    assert np.all(np.bincount(contacts.ravel(), minlength=24) == 8)


def test_600_cell():
    x = tammes(120, 4, seed=0)  # default settings
    assert abs(min_angle_deg(x) - 36.0) <= 1e-6
    assert np.all(np.bincount(contact_graph(x, 1e-6).ravel(), minlength=120) == 12)


def test_e8_roots():
    x = tammes(240, 8, seed=0)  # default settings
    assert abs(min_angle_deg(x) - 60.0) <= 1e-6
    assert np.all(np.bincount(contact_graph(x, 1e-6).ravel(), minlength=240) == 56)


def test_search_is_deterministic_for_a_seed():
    a = tammes(9, 3, seed=4, restarts=3, hops=2)
    b = tammes(9, 3, seed=4, restarts=3, hops=2)
    assert np.array_equal(a, b)


def test_budget_bounds_the_wall_time():
    """Without a budget this search runs over 120 s; within one it stops for the budget.  The
    margin is for a busy machine, not for the search: the time itself is measured in the bench."""
    import time

    from numerics.tammes import tammes_search

    t0 = time.perf_counter()
    r = tammes_search(2000, 3, budget=5)
    assert time.perf_counter() - t0 < 5 + 40
    assert r.points.shape == (2000, 3) and r.stopped == "budget"


def test_riesz_relax_stops_within_one_evaluation_of_its_deadline(monkeypatch):
    """The deadline is checked at every energy evaluation, not once per L-BFGS iteration (a line
    search can evaluate many times): on a clock that ticks once per reading, no evaluation runs
    after the deadline, and the result is the last accepted iterate, no worse than the start."""
    import time

    import numerics.tammes as tm

    x = random_sphere(300, 3, np.random.default_rng(1))

    def energy(y):
        c = y @ y.T
        return float(np.sum(1.0 / (2.0 - 2.0 * c[np.triu_indices(len(y), 1)]) ** 1.5))

    clock = iter(range(10**6))
    monkeypatch.setattr(tm.time, "perf_counter", lambda: float(next(clock)))
    grams = []
    gram = tm._gram
    monkeypatch.setattr(tm, "_gram", lambda z: grams.append(1) or gram(z))
    for k in (0, 1, 7):
        clock = iter(range(10**6))  # readings 0, 1, 2, ...: the evaluations read 0..k, then stop
        grams.clear()
        y = tm.riesz_relax(x, 3.0, deadline=k + 0.5)
        assert len(grams) == 1 + (k + 1)  # the scale r0, then k + 1 evaluations
        assert np.allclose(np.linalg.norm(y, axis=1), 1.0) and energy(y) <= energy(x) * (1 + 1e-12)
    monkeypatch.undo()
    assert np.allclose(tm.riesz_relax(x, 3.0, deadline=time.perf_counter() - 1.0), x, rtol=0, atol=1e-15)
    assert energy(tm.riesz_relax(x, 3.0)) < energy(y)  # the deadline cut the relaxation short


def test_polish_time_limit_reaches_into_the_lp():
    """One LP of a rough 2000-point configuration takes seconds; the polish's time limit stops
    HiGHS too (without that, a limit of 2 s ran 7 s on this CPU)."""
    import time

    from numerics.tammes import riesz_relax

    y = riesz_relax(random_sphere(2000, 3, np.random.default_rng(0)), 3.0, maxiter=20)
    t0 = time.perf_counter()
    polish(y, time_limit=1.0)
    assert time.perf_counter() - t0 < 4.0


@pytest.mark.parametrize("bad, message", [({"seed": -1}, "seed"), ({"hops": -1}, "hops"),
                                          ({"budget": "x"}, "budget"), ({"restarts": 0}, "restarts")])
def test_bad_arguments_name_the_parameter(bad, message):
    with pytest.raises(ValueError, match=message):
        tammes(10, 3, **bad)


def test_default_attempts_shrink_with_size_and_stay_in_bounds():
    from numerics.tammes import ATTEMPTS_MAX, ATTEMPTS_MIN, HOPS_MAX, default_attempts

    sizes = [(13, 3), (46, 3), (100, 3), (130, 3), (120, 4), (240, 8)]
    starts = [default_attempts(n, d)[0] for n, d in sizes]
    assert all(a >= b for a, b in zip(starts, starts[1:]))
    assert all(2 <= s <= ATTEMPTS_MAX for s in starts)
    # Riesz hops (small problems) keep the attempt bounds; overlap hops shrink with n (d - 1)
    riesz = [sum(default_attempts(n, d, "riesz")) for n, d in sizes]
    assert all(ATTEMPTS_MIN <= t <= ATTEMPTS_MAX for t in riesz)
    overlap = [default_attempts(n, d, "overlap")[1] for n, d in sizes]
    assert all(a >= b for a, b in zip(overlap, overlap[1:]))
    assert all(1 <= h <= HOPS_MAX for h in overlap)


def test_default_hop_energy_is_the_overlap_chain_for_every_size():
    """The default search is the overlap search, bit for bit, at a small and a larger size (the
    Riesz hops used to be the default up to N = 45), and its attempts are the overlap ones."""
    from numerics.tammes import DEFAULT_HOP_ENERGY, default_attempts

    assert DEFAULT_HOP_ENERGY == "overlap"
    for n, d in ((3, 3), (45, 3), (130, 3), (24, 4), (240, 8)):
        assert default_attempts(n, d) == default_attempts(n, d, "overlap")
    for n in (10, 47):
        default = tammes_search(n, 3, seed=1, restarts=2, hops=8)
        overlap = tammes_search(n, 3, seed=1, restarts=2, hops=8, hop_energy="overlap")
        riesz = tammes_search(n, 3, seed=1, restarts=2, hops=8, hop_energy="riesz")
        assert np.array_equal(default.points, overlap.points)
        assert [a for _, a in default.history] == [a for _, a in overlap.history]
        assert default.hops == overlap.hops
        assert not np.array_equal(riesz.points, overlap.points)  # the comparison tells them apart


def overlap_energy_nested(x, cos_t):
    """Nested-loop reference for overlap_energy: sum over i < j of max(0, (c - cos_t) / (1 - cos_t))^2."""
    e = 0.0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            c = sum(a * b for a, b in zip(x[i], x[j]))
            e += max(0.0, (c - cos_t) / (1.0 - cos_t)) ** 2
    return e


@pytest.mark.parametrize("n, d, target", [(12, 3, 60.0), (30, 3, 35.0), (20, 4, 50.0)])
def test_overlap_energy_matches_nested_loops_and_finite_differences(n, d, target):
    from numerics.tammes import overlap_energy

    x = random_sphere(n, d, np.random.default_rng(n + d))
    cos_t = math.cos(math.radians(target))
    e, g = overlap_energy(x, cos_t)
    assert e > 0 and abs(e - overlap_energy_nested(x.tolist(), cos_t)) <= 1e-12 * max(1.0, e)
    rng = np.random.default_rng(0)
    for _ in range(5):  # directional derivatives against central differences
        v = rng.standard_normal(x.shape)
        h = 1e-6
        fd = (overlap_energy(x + h * v, cos_t)[0] - overlap_energy(x - h * v, cos_t)[0]) / (2 * h)
        assert abs(fd - np.sum(g * v)) <= 1e-6 * max(1.0, abs(fd))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 25), target=st.floats(5.0, 120.0))
def test_overlap_energy_is_zero_exactly_when_every_pair_clears_the_target(seed, n, target):
    from numerics.tammes import overlap_energy

    x = random_sphere(n, 3, np.random.default_rng(seed))
    a = min_angle_deg(x)
    assume(abs(a - target) > 1e-6)  # away from the boundary, where rounding decides
    e, _ = overlap_energy(x, math.cos(math.radians(target)))
    assert (e == 0.0) == (a > target)


def test_overlap_relax_finds_a_packing_at_a_feasible_target_and_not_beyond_the_optimum():
    from numerics.tammes import FEASIBLE_ENERGY, overlap_relax

    icosahedron = tammes(12, 3, seed=0, restarts=2, hops=0)  # 63.4349 degrees, proven optimal
    rng = np.random.default_rng(1)
    y = icosahedron + 0.05 * rng.standard_normal(icosahedron.shape)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    assert min_angle_deg(y) < 63.0
    z, e = overlap_relax(y, math.cos(math.radians(63.3)))
    assert e < FEASIBLE_ENERGY and min_angle_deg(z) >= 63.3 - 1e-7
    check_unit_rows(z, atol=1e-12)
    # no 12 points are 64 degrees apart (Tammes' optimum is 63.43): the energy cannot vanish
    _, e = overlap_relax(y, math.cos(math.radians(64.0)))
    assert e > 1e-6


def test_overlap_chain_is_deterministic_and_never_loses_the_best():
    start = tammes_search(50, 3, seed=4, restarts=2, hops=0)
    a = tammes_search(50, 3, seed=4, restarts=2, hops=15, hop_energy="overlap")
    b = tammes_search(50, 3, seed=4, restarts=2, hops=15, hop_energy="overlap")
    assert np.array_equal(a.points, b.points)
    assert a.angle_deg >= start.angle_deg  # the same starts, then hops that only keep improvements


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-300, 1e3), st.floats(0.0, 10.0), st.floats(0.0, 1.0))
def test_chain_accepts_a_fall_always_and_a_rise_only_within_the_threshold(e_chain, threshold, u):
    from numerics.tammes import chain_accepts

    assert chain_accepts(e_chain * u * (1 - 1e-12), e_chain, threshold)  # any fall
    assert not chain_accepts(e_chain * (1 + threshold) * (1 + 1e-12), e_chain, threshold)
    if threshold > 1e-6:  # a rise within the threshold
        assert chain_accepts(e_chain * (1 + threshold * u * 0.999), e_chain, threshold)
    assert chain_accepts(e_chain * 1.5, e_chain) and not chain_accepts(e_chain * 1.5, e_chain, 0.0)


def test_overlap_chain_takes_rises_within_the_threshold_and_refuses_the_rest(monkeypatch):
    import numerics.tammes as tm

    real, seen = tm.chain_accepts, []

    def spy(e_new, e_chain, *args, **kwargs):
        ok = real(e_new, e_chain, *args, **kwargs)
        seen.append((e_new > e_chain, ok))
        return ok

    monkeypatch.setattr(tm, "chain_accepts", spy)
    for seed in range(4):
        tm.tammes_search(50, 3, seed=seed, restarts=2, hops=15, hop_energy="overlap")
    # measured: 24 rises taken and 11 hops refused in these 53 hops; a chain that only
    # descends would take no rise at all
    assert sum(rise and ok for rise, ok in seen) >= 5
    assert sum(not ok for _, ok in seen) >= 3


def test_search_says_why_its_hops_ended():
    from numerics.symmetric_starts import orbit_layouts
    from numerics.tammes import (CHAINS, FINE_HOPS, FRESH_CHAINS, HOPS_MAX, ORBIT_GROUPS, ORBIT_HOPS,
                                 SYMMETRIC_CHAINS)

    # the icosahedron is optimal: no overlap chain beats it, and each stops after 2/3 of its
    # share of the hops, the random starts' chains, the symmetric starts' chain and the fresh
    # chain alike; the
    # orbit chains (no patience stop: 6 layouts of 12 under C2, D2 and D3) and the fine chain
    # run all their hops
    r = tammes_search(12, 3, seed=0, hop_energy="overlap")
    patience = 2 * (HOPS_MAX // CHAINS) // 3
    orbit = sum(len(orbit_layouts(12, g)) for g in ORBIT_GROUPS) * ORBIT_HOPS
    assert orbit == 6 * ORBIT_HOPS
    assert r.hops == (CHAINS + SYMMETRIC_CHAINS + FRESH_CHAINS) * patience + orbit + FINE_HOPS
    assert r.stopped == f"no progress in {patience} hops"
    assert (tammes_search(12, 3, seed=0, fine_hops=0, orbit_groups=()).hops
            == (CHAINS + SYMMETRIC_CHAINS + FRESH_CHAINS) * patience)
    r = tammes_search(50, 3, seed=0, restarts=2, hops=3, symmetric_starts=(), vacancy_starts=(),
                      orbit_groups=())
    assert r.stopped == "hops" and r.hops == 3  # explicit hops: no fine chain
    assert tammes_search(50, 3, seed=0, budget=2).stopped == "budget"
    assert tammes_search(8, 3, seed=0, target_deg=70.0).stopped == "target"


def test_the_fine_chain_only_adds():
    """The fine chain comes last, from its own generator: the search with it has the packings
    of the search without it up to where it starts, and exactly ``fine_hops`` more hops."""
    kw = dict(seed=3, restarts=3, hops=24, chains=2, symmetric_starts=(), vacancy_starts=())
    without = tammes_search(40, 3, **kw)  # explicit hops: no fine chain by default
    with_ = tammes_search(40, 3, fine_hops=10, **kw)
    angles = [a for _, a in with_.history]
    assert angles[:len(without.history)] == [a for _, a in without.history]
    assert with_.angle_deg >= without.angle_deg
    assert with_.hops == without.hops + 10 and with_.starts == without.starts


def test_the_fine_chain_starts_from_the_best_at_the_fine_step(monkeypatch):
    """Every chain restarts from a packing at ``1 + step`` times its angle: the chains at
    TARGET_STEP, then the fine chain at FINE_STEP from the best packing the search had, with
    moves drawn from ``default_rng((seed, FINE_STREAM))``."""
    import numerics.tammes as tm

    restarts, moves = [], []
    real_restart, real_perturb = tm._restart_chain, tm._perturb

    def restart_spy(packing, angle_deg, step=tm.TARGET_STEP):
        restarts.append((angle_deg, step))
        return real_restart(packing, angle_deg, step)

    def perturb_spy(y, move, best_rad, rng):
        moves.append((move, rng))
        return real_perturb(y, move, best_rad, rng)

    monkeypatch.setattr(tm, "_restart_chain", restart_spy)
    monkeypatch.setattr(tm, "_perturb", perturb_spy)
    kw = dict(seed=5, restarts=2, hops=4, chains=1, symmetric_starts=(), vacancy_starts=(), orbit_groups=())
    without = tm.tammes_search(40, 3, **kw)
    n_restarts, n_moves = len(restarts), len(moves)
    tm.tammes_search(40, 3, fine_hops=3, **kw)
    mine, fine = restarts[n_restarts:], [(a, s) for a, s in restarts[n_restarts:] if s == tm.FINE_STEP]
    assert all(s == tm.TARGET_STEP for _, s in mine[:len(mine) - len(fine)])
    assert fine and fine[0][0] == without.angle_deg
    search_moves, fine_moves = moves[n_moves:n_moves + 4], moves[n_moves + 4:]
    assert len(fine_moves) == 3 and all(g is fine_moves[0][1] for _, g in fine_moves)
    assert fine_moves[0][1] is not search_moves[0][1]
    expected = np.random.default_rng((5, tm.FINE_STREAM))
    assert fine_moves[0][0] == tm.MOVES[int(expected.random() * len(tm.MOVES))]


@pytest.mark.parametrize("fresh", [1, 2])
def test_the_fresh_chains_only_add(fresh):
    """The fresh chains come after the other chains, from their own generator: the search with
    them has the packings of the search without them first, and for each fresh chain one
    chain's share of the starts more (restarts // chains) and one chain's share of the hops
    (hops // chains)."""
    kw = dict(seed=4, restarts=6, hops=12, chains=3, symmetric_starts=(), vacancy_starts=(),
              orbit_groups=(), fine_hops=0)
    without = tammes_search(40, 3, **kw)  # explicit hops: no fresh chain by default
    with_ = tammes_search(40, 3, fresh_chains=fresh, **kw)
    angles = [a for _, a in with_.history]
    assert angles[:len(without.history)] == [a for _, a in without.history]
    assert with_.angle_deg >= without.angle_deg
    assert (with_.starts, with_.hops) == (without.starts + 2 * fresh, without.hops + 4 * fresh)


def test_the_fresh_chain_runs_from_the_best_fresh_start_on_its_own_stream(monkeypatch):
    """Its starts are drawn from ``default_rng((seed, FRESH_STREAM))``, its chain restarts from
    the best of them and draws its moves from the same generator."""
    import numerics.tammes as tm

    events = []  # ("start", rng, points) | ("finish", angle) | ("restart", angle) | ("move", rng)
    real_sphere, real_finish = tm.random_sphere, tm._finish
    real_restart, real_perturb = tm._restart_chain, tm._perturb

    def sphere_spy(n, d, rng):
        x = real_sphere(n, d, rng)
        events.append(("start", rng, x.copy()))
        return x

    def finish_spy(x, **kw):
        y = real_finish(x, **kw)
        events.append(("finish", min_angle_deg(y)))
        return y

    def restart_spy(packing, angle_deg, step=tm.TARGET_STEP):
        events.append(("restart", angle_deg))
        return real_restart(packing, angle_deg, step)

    def perturb_spy(y, move, best_rad, rng):
        events.append(("move", rng))
        return real_perturb(y, move, best_rad, rng)

    for name, spy in (("random_sphere", sphere_spy), ("_finish", finish_spy),
                      ("_restart_chain", restart_spy), ("_perturb", perturb_spy)):
        monkeypatch.setattr(tm, name, spy)
    tm.tammes_search(40, 3, seed=8, restarts=9, hops=6, chains=3, symmetric_starts=(),
                     vacancy_starts=(), orbit_groups=(), fine_hops=0, fresh_chains=1, schedule=(3.0,))
    starts = [i for i, e in enumerate(events) if e[0] == "start"]
    fresh = starts[9:]
    assert len(fresh) == 3  # one chain's share of the 9 starts
    frng = events[fresh[0]][1]
    assert all(events[i][1] is frng for i in fresh) and frng is not events[starts[0]][1]
    expected = np.random.default_rng((8, tm.FRESH_STREAM))
    assert np.array_equal(events[fresh[0]][2], real_sphere(40, 3, expected))
    # the first polish after each fresh start is that start's packing (at seed 8 the third is the best)
    finishes = [next(e[1] for e in events[i:] if e[0] == "finish") for i in fresh]
    tail = events[fresh[-1]:]
    restart = next(e[1] for e in tail if e[0] == "restart")
    assert restart == max(finishes)
    moves = [e[1] for e in tail if e[0] == "move"]
    assert len(moves) == 2 and all(g is frng for g in moves)  # hops // chains


def test_the_default_search_runs_the_fresh_chain(monkeypatch):
    import numerics.tammes as tm

    monkeypatch.setattr(tm, "HOP_WORK", 400.0)  # a short default search
    monkeypatch.setattr(tm, "FINE_HOPS", 2)
    monkeypatch.setattr(tm, "ORBIT_HOPS", 2)
    kw = dict(seed=0, processes=1, symmetric_starts=(), vacancy_starts=(), orbit_groups=())
    with_ = tm.tammes_search(30, 3, **kw)
    without = tm.tammes_search(30, 3, fresh_chains=0, **kw)
    starts, _ = tm.default_attempts(30, 3)
    assert with_.starts == without.starts + max(1, starts // min(tm.CHAINS, starts))
    assert with_.hops > without.hops


@pytest.mark.parametrize("n,d,kw", [(11, 3, {}), (24, 4, {}), (30, 3, {"hops": 4}),
                                    (30, 3, {"hop_energy": "riesz"}), (30, 3, {"fresh_chains": 0})])
def test_where_the_search_runs_no_fresh_chain(monkeypatch, n, d, kw):
    import numerics.tammes as tm

    seen = []
    real_sphere = tm.random_sphere
    monkeypatch.setattr(tm, "random_sphere", lambda n_, d_, rng: seen.append(rng) or real_sphere(n_, d_, rng))
    monkeypatch.setattr(tm, "HOP_WORK", 400.0)
    monkeypatch.setattr(tm, "FINE_HOPS", 2)
    tm.tammes_search(n, d, seed=0, restarts=2, processes=1, symmetric_starts=(), vacancy_starts=(),
                     orbit_groups=(), **kw)
    assert len({id(g) for g in seen}) <= 1  # the random phase's generator only


@pytest.mark.parametrize("fresh_chains", [-1, 1.5, True, "1"])
def test_bad_fresh_chains_are_rejected(fresh_chains):
    with pytest.raises(ValueError, match="fresh_chains"):
        tammes_search(50, 3, fresh_chains=fresh_chains)


@pytest.mark.parametrize("fine_hops", [-1, 1.5, True, "3"])
def test_bad_fine_hops_are_rejected(fine_hops):
    with pytest.raises(ValueError, match="fine_hops"):
        tammes_search(50, 3, fine_hops=fine_hops)


@pytest.mark.parametrize("chains", [0, -1, 1.5, True])
def test_bad_chain_count_is_rejected(chains):
    with pytest.raises(ValueError, match="chains"):
        tammes_search(50, 3, chains=chains)


@pytest.mark.parametrize("step", [0, -1e-6, 1.0, float("nan"), "1e-6", True])
def test_bad_target_step_is_rejected(step):
    with pytest.raises(ValueError, match="target_step"):
        tammes_search(50, 3, target_step=step)


def test_chain_target_is_the_step_above_its_best(monkeypatch):
    """Every overlap relaxation of a chain runs at ``(1 + target_step)`` times the angle of the
    chain's best packing."""
    import numerics.tammes as tm

    targets, bests = [], []
    real_relax, real_restart = tm.overlap_relax, tm._restart_chain

    def relax_spy(x, cos_target, **kwargs):
        targets.append(cos_target)
        return real_relax(x, cos_target, **kwargs)

    def restart_spy(packing, angle_deg, step):
        bests.append(angle_deg)
        return real_restart(packing, angle_deg, step)

    monkeypatch.setattr(tm, "overlap_relax", relax_spy)
    monkeypatch.setattr(tm, "_restart_chain", restart_spy)
    step = 1e-3
    tm.tammes_search(50, 3, seed=0, restarts=2, hops=6, chains=1, target_step=step, orbit_groups=())
    allowed = {round(math.cos(math.radians(b) * (1 + step)), 12) for b in bests}
    assert targets and {round(t, 12) for t in targets} <= allowed


def test_each_chain_starts_from_its_own_start(monkeypatch):
    """With 4 starts, 4 chains begin at the 4 start packings, best first, and share the hops;
    one chain begins at the best start only."""
    import numerics.tammes as tm

    starts, begun = [], []
    real_finish, real_restart = tm._finish, tm._restart_chain

    def finish_spy(x, **kwargs):
        y = real_finish(x, **kwargs)
        if len(starts) < 4:  # the first four polishes are the starts'
            starts.append(min_angle_deg(y))
        return y

    def restart_spy(packing, angle_deg, step):
        begun.append(angle_deg)
        return real_restart(packing, angle_deg, step)

    monkeypatch.setattr(tm, "_finish", finish_spy)
    monkeypatch.setattr(tm, "_restart_chain", restart_spy)
    four = tm.tammes_search(50, 3, seed=0, restarts=4, hops=8, chains=4, symmetric_starts=(),
                           vacancy_starts=(), orbit_groups=())
    assert four.hops == 8 and four.starts == 4
    # a chain restarts from its own packing; the first restart of each is at its start's angle
    firsts = sorted(set(round(a, 9) for a in begun))
    for a in starts:
        assert any(abs(a - b) < 1e-8 for b in firsts)
    assert begun[0] == pytest.approx(max(starts), abs=1e-9)
    starts.clear()
    begun.clear()
    one = tm.tammes_search(50, 3, seed=0, restarts=4, hops=8, chains=1, symmetric_starts=(),
                           vacancy_starts=(), orbit_groups=())
    assert one.hops == 8
    assert begun[0] == pytest.approx(max(starts), abs=1e-9)
    assert all(b >= max(starts) - 1e-9 for b in begun)


def test_unknown_hop_energy_is_rejected():
    with pytest.raises(ValueError, match="hop_energy"):
        tammes(10, 3, hop_energy="coulomb")


def test_largest_hole_against_sampling():
    """The largest empty cap from the hull is at least as large as any sampled empty cap, and
    its centre is as far from the points as its radius says."""
    from numerics.tammes import largest_holes

    x = random_sphere(30, 3, np.random.default_rng(0))
    centres, radii = largest_holes(x)
    assert np.all(np.diff(radii) <= 1e-12)
    far = np.degrees(np.arccos((centres[0] @ x.T).max()))
    assert abs(far - np.degrees(radii[0])) < 1e-9
    s = random_sphere(100_000, 3, np.random.default_rng(1))
    sampled = np.degrees(np.arccos((s @ x.T).max(axis=1))).max()
    assert sampled <= np.degrees(radii[0]) + 1e-9 and sampled > np.degrees(radii[0]) - 1.0


def test_relocation_keeps_the_count_and_unit_rows():
    from numerics.tammes import relocate_crowded

    x = tammes(20, 3, seed=0, restarts=2, hops=0)
    y = relocate_crowded(x, 3, math.radians(min_angle_deg(x)), np.random.default_rng(0))
    assert y.shape == x.shape
    check_unit_rows(y, atol=1e-12)


def test_unknown_move_is_rejected():
    with pytest.raises(ValueError, match="moves"):
        tammes(10, 3, moves=("teleport",))
