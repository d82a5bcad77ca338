"""Tammes' problem: place N unit vectors on S^{d-1} so that the smallest pairwise angle is largest.

Question 4e(iii)B of the homework relates the optimal contrastive encoder to this problem:
once every group collapses to one point (zero diameters), maximizing every margin
``margin_{i->j} = ||f(s_i) - f(s_j)||_2 = 2 sin(theta_ij / 2)`` (Eq. 4) is maximizing the smallest
angle between the N group points.

The solver works in three stages.

1. **Global search.** Random starts (uniform on the sphere) are relaxed by minimizing Riesz
   energies ``sum_{i<j} ||x_i - x_j||^{-s}``; the starts cycle through a portfolio of exponent
   schedules (none: straight to the polish; ``s = d``; ``s = 1``; rising ``s``), because
   different families of optima have different basins (small ``s`` finds the 600-cell and
   E8, which minimize every such energy; large ``s`` approaches the max-min problem).  Then
   basin hopping on the feasibility problem at a target just above a chain's best angle
   (``1 + TARGET_STEP`` times it, :func:`overlap_relax`): ``CHAINS`` chains, each from one of
   the best starts, one after another with equal shares of the hops.  A chain's configuration
   is perturbed (a random jiggle of every point, crowded points moved into the largest empty
   caps, or thrown to random places) and relaxed on the overlap energy
   ``sum max(0, x_i^T x_j - cos theta_t)^2`` (compiled, with a neighbour list, and stopped when
   it stalls rather than after a fixed count: :mod:`numerics.overlap`); a perturbation is kept
   when its energy is below ``1 + CHAIN_THRESHOLD`` times the chain's (threshold accepting,
   :func:`chain_accepts`), and a configuration of zero energy is polished: it beats the chain's
   best.  A chain goes back to
   its best after ``CHAIN_PATIENCE`` hops that do not lower its energy.  Then, on S^2 for
   12 <= N <= ``SYMMETRIC_MAX_N``, symmetric starts (unions of orbits of the icosahedral,
   octahedral and tetrahedral rotation groups, ``SYMMETRIC_STARTS``), drawn from a generator
   of their own, are relaxed and polished like the random ones; so are vacancy starts
   (``VACANCY_STARTS``: the symmetric start for N + 1 points, polished, less one point, then
   polished as it is), and ``SYMMETRIC_CHAINS`` chains run from the best of them all, each with
   one random chain's share.  Then orbit chains (:func:`orbit_chain`): overlap chains inside
   the subspace of configurations symmetric under a small rotation group (C2, D2, D3:
   ``ORBIT_GROUPS``), one for each way N splits into the group's orbits, each climbing to the
   subspace's local maximum at every better packing; its best is polished without the
   symmetry.  Then ``FRESH_CHAINS`` chains from fresh random starts of their own generator.
   These symmetric and fresh phases draw only from their own generators, so the default
   search runs them in a second process (:mod:`numerics.tammes_worker`, ``PROCESSES``) while
   the random starts and chains run, and replays their better packings after: the same search
   bit for bit, sooner.  Last, one chain
   from the best packing at a finer target step (``FINE_STEP``) looks for the packings closer
   above it than the chains' step.  The earlier hops,
   from the best with a Riesz relaxation (``hop_energy="riesz"``), remain an option.
2. **LP polish** (:func:`polish`).  The max-min problem is nonsmooth, and an energy (or any
   smoothing) stops short of the optimum.  We solve it exactly by sequential linear
   programming: move each point in its tangent plane, ``x_i <- normalize(x_i + B_i u_i)``, and
   choose ``u`` by the LP ``min s  s.t.  c_ij + x_j^T B_i u_i + x_i^T B_j u_j <= s`` over the
   near-active pairs, ``|u|_inf <= r``, with a trust region ``r`` that grows and shrinks with the
   ratio of actual to predicted decrease of the largest cosine; a tiny price on ``|u|``
   (``STEP_PRICE``) keeps the points the constraints leave free in place.
3. **Active-set Newton** (:func:`active_set_newton`).  Near the optimum the contacts (the pairs
   at the minimum angle) are known; damped Gauss-Newton (smallest steps along the free
   directions, such as rotations) on the equations ``x_i^T x_j = s`` (contacts),
   ``||x_i|| = 1`` closes the remaining gap to rounding error (about 1e-12 degrees).

Shapes: every configuration is a float64 ``(n, d)`` array with unit rows.  No known optimum
appears in this module; reference values live in ``numerics/data/`` (:mod:`numerics.reference`).
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize
from scipy.sparse import csr_matrix, identity
from scipy.sparse.linalg import spsolve

from .high_dim import uniform_sphere as random_sphere  # (n, d) points uniform on S^{d-1}
from . import tammes_worker
from .overlap import overlap_energy, overlap_lbfgs
from .symmetric_starts import GROUPS, SymmetricSubspace, orbit_layouts, symmetric_start

__all__ = [
    "tammes",
    "tammes_search",
    "TammesResult",
    "min_angle_deg",
    "pair_angles_deg",
    "check_unit_rows",
    "random_sphere",
    "riesz_relax",
    "overlap_energy",
    "overlap_relax",
    "chain_accepts",
    "vacancy_start",
    "symmetric_climb",
    "orbit_chain",
    "polish",
    "active_set_newton",
    "contact_graph",
    "one_blas_thread",
]


# ---------------------------------------------------------------------------
# validation and elementary geometry
# ---------------------------------------------------------------------------

def check_unit_rows(points, name: str = "points", *, atol: float = 1e-9) -> np.ndarray:
    """Return ``points`` as a float64 ``(n, d)`` array after checking that every row has norm 1.

    Raises ``ValueError`` naming the first offending row; never normalizes.
    """
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-dimensional (n, d) array, got shape {x.shape}")
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"{name} must have at least one row and one column, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        row = int(np.argwhere(~np.isfinite(x))[0, 0])
        raise ValueError(f"{name} row {row} has a non-finite entry")
    norms = np.linalg.norm(x, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1.0) > atol)
    if bad.size:
        raise ValueError(f"{name} row {int(bad[0])} has norm {norms[bad[0]]:.12g}, expected a unit vector")
    return x


def _check_n_d(n, d) -> tuple[int, int]:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"n must be an integer, got {n!r}")
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise ValueError(f"d must be an integer, got {d!r}")
    if n < 2:
        raise ValueError(f"need n >= 2 points, got n = {n}")
    if d < 2:
        raise ValueError(f"need dimension d >= 2 (points on S^(d-1)), got d = {d}")
    return int(n), int(d)


def one_blas_thread(fn):
    """Run ``fn`` with one BLAS thread when ``threadpoolctl`` is installed.

    These solvers make many small dense calls (L-BFGS, Gram matrices); on a busy machine a
    threaded BLAS spends far more time synchronizing than computing (10-30x slower here).
    """
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # optional: the results are the same, only slower
            return fn(*args, **kwargs)
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapped


def _gram(x: np.ndarray) -> np.ndarray:
    """``x x^T`` without BLAS threads (einsum): on a shared machine threaded BLAS on these
    thin matrices is slower by orders of magnitude."""
    return np.einsum("id,jd->ij", x, x)


def _pair_angle(xi: np.ndarray, xj: np.ndarray) -> np.ndarray:
    """Angle (radians) between unit rows, accurate near 0 and pi: 2 atan2(|x-y|, |x+y|)."""
    return 2.0 * np.arctan2(np.linalg.norm(xi - xj, axis=-1), np.linalg.norm(xi + xj, axis=-1))


def pair_angles_deg(points) -> np.ndarray:
    """All pairwise angles in degrees, ``(n, n)``, with ``inf`` on the diagonal."""
    x = check_unit_rows(points)
    a = np.degrees(_pair_angle(x[:, None, :], x[None, :, :]))
    np.fill_diagonal(a, np.inf)
    return a


def _max_cos(x: np.ndarray) -> float:
    c = _gram(x)
    np.fill_diagonal(c, -np.inf)
    return float(c.max())


def min_angle_deg(points) -> float:
    """Smallest pairwise angle (degrees) of unit rows ``(n, d)``, ``n >= 2``.

    The pairs are ranked by cosine, then the closest ones are measured with the
    ``2 atan2(|x-y|, |x+y|)`` formula, which keeps full precision at every angle
    (``arccos`` loses half the digits near 0 and 180 degrees).
    """
    x = check_unit_rows(points)
    if x.shape[0] < 2:
        raise ValueError("min_angle_deg needs at least two points")
    c = _gram(x)
    np.fill_diagonal(c, -np.inf)
    cmax = c.max()
    i, j = np.nonzero(c >= cmax - 1e-9)
    return float(np.degrees(_pair_angle(x[i], x[j]).min()))


def _min_angle_rad(x: np.ndarray) -> float:
    c = _gram(x)
    np.fill_diagonal(c, -np.inf)
    i, j = np.nonzero(c >= c.max() - 1e-9)
    return float(_pair_angle(x[i], x[j]).min())


def contact_graph(points, tol_deg: float = 1e-6) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, within ``tol_deg`` of the minimum angle: ``(m, 2)`` int array."""
    a = pair_angles_deg(points)
    i, j = np.nonzero(np.triu(a <= a.min() + tol_deg, 1))
    return np.stack([i, j], axis=1)


# ---------------------------------------------------------------------------
# stage 1: Riesz energy relaxation
# ---------------------------------------------------------------------------

def riesz_relax(x, s: float, *, maxiter: int = 3000, gtol: float = 1e-10,
                deadline: float | None = None) -> np.ndarray:
    """Minimize ``sum_{i<j} (r0 / ||x_i - x_j||)^s`` over unit rows by L-BFGS; ``(n, d) -> (n, d)``.

    ``r0`` is the closest distance at the start (a constant scale that keeps large ``s``
    in floating-point range).  Rows are parametrized as ``y_i / ||y_i||``.
    """
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    iu = np.triu_indices(n, 1)
    c0 = _gram(x)
    r2_0 = max(float((2.0 - 2.0 * c0[iu]).min()), 1e-12)
    half = s / 2.0

    last = [x.ravel()]  # the latest iterate L-BFGS accepted: what a passed deadline returns

    def fg(flat):
        # checked at every evaluation, not only per iteration: one line search can evaluate
        # many times, and on a slow machine that overran a budget of 5 s by 11 s (n = 2000)
        if deadline is not None and time.perf_counter() > deadline:
            raise _DeadlinePassed
        with np.errstate(over="ignore", invalid="ignore"):  # inf energy: L-BFGS backtracks
            return _fg(flat)

    def _fg(flat):
        y = flat.reshape(n, d)
        nr = np.linalg.norm(y, axis=1, keepdims=True)
        z = y / nr
        c = _gram(z)
        r2 = np.maximum(2.0 - 2.0 * c, 1e-300) / r2_0
        np.fill_diagonal(r2, np.inf)
        e = r2 ** (-half)
        f = 0.5 * e.sum()
        # dE/dc_ij = s * e_ij / (r2_ij * r2_0)  (each unordered pair once)
        w = (s / r2_0) * e / r2
        gz = np.einsum("ij,jd->id", w, z)
        gz -= np.sum(gz * z, axis=1, keepdims=True) * z
        return f, (gz / nr).ravel()

    def keep_iterate(intermediate_result):
        last[0] = intermediate_result.x.copy()

    try:
        res = minimize(fg, x.ravel(), jac=True, method="L-BFGS-B", callback=keep_iterate,
                       options={"maxiter": maxiter, "gtol": gtol, "ftol": 1e-15})
        y = res.x.reshape(n, d)
    except _DeadlinePassed:
        y = np.array(last[0]).reshape(n, d)
    return y / np.linalg.norm(y, axis=1, keepdims=True)


class _DeadlinePassed(Exception):
    """Raised inside an energy evaluation once the search's deadline has passed."""


def _relax_schedule(x: np.ndarray, schedule, deadline: float | None = None) -> np.ndarray:
    for s in schedule:
        if deadline is not None and time.perf_counter() > deadline:
            break
        x = riesz_relax(x, s, deadline=deadline)
    return x


# ---------------------------------------------------------------------------
# stage 1b: the feasibility problem at a target angle (the overlap energy)
# ---------------------------------------------------------------------------

def overlap_relax(x, cos_target: float, *, maxiter: int | None = None) -> tuple[np.ndarray, float]:
    """Minimize the overlap energy (:func:`numerics.overlap.overlap_energy`) at the target
    angle; ``(n, d) -> ((n, d), E)``.

    A minimum of zero energy is a packing at the target angle; positive local minima rank the
    near-packings by how much they still overlap.  L-BFGS, rows parametrized as
    ``y_i / ||y_i||``, compiled with a neighbour list (:func:`numerics.overlap.overlap_lbfgs`).
    """
    y, e, _ = overlap_lbfgs(check_unit_rows(x), cos_target, maxiter=maxiter)
    return y, e


# ---------------------------------------------------------------------------
# stage 2: sequential LP with a trust region
# ---------------------------------------------------------------------------

def _tangent_bases(x: np.ndarray) -> np.ndarray:
    """``(n, d, d-1)``: orthonormal bases of the tangent planes, from Householder reflections."""
    n, d = x.shape
    w = x.copy()
    sign = np.where(x[:, 0] >= 0, 1.0, -1.0)
    w[:, 0] += sign
    ww = np.sum(w * w, axis=1)
    h = np.eye(d)[None, :, :] - 2.0 * w[:, :, None] * w[:, None, :] / ww[:, None, None]
    return h[:, :, 1:]


#: The L1 price on the polish's step, per coordinate, against a unit fall of the scaled largest
#: cosine.  It pins the directions the constraints leave free, but it must stay below the
#: gain of a step near the optimum: at 1e-3 the LP found no step worth its price while the
#: contact stresses were still out of balance by 1e-5 to 1e-4, and the polish stopped short
#: of the KKT point (34 of 35 packings of an N = 130 search; their angles rose 1.2e-3 deg on
#: average at 1e-6, and the polish took two thirds of the time).
STEP_PRICE = 1e-6


def polish(x, *, max_iter: int = 500, r0: float | None = None, tol: float = 1e-14,
           time_limit: float | None = None) -> np.ndarray:
    """Sequential-LP ascent of the smallest angle; ``(n, d) -> (n, d)`` unit rows.

    Each iteration solves (HiGHS) ``min_{u, s} s`` subject to
    ``c_ij + x_j^T B_i u_i + x_i^T B_j u_j <= s`` for all pairs whose angle is within the reach
    of a step, and ``|u|_inf <= r``; the step is kept when the true largest cosine falls.
    """
    x = np.array(x, dtype=np.float64)
    n, d = x.shape
    t0 = time.perf_counter()
    cmax = _max_cos(x)
    r = r0 if r0 is not None else 0.1 * math.acos(max(-1.0, min(1.0, cmax)))
    r = max(r, 1e-6)
    k = d - 1
    for _ in range(max_iter):
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
        c = _gram(x)
        np.fill_diagonal(c, -np.inf)
        theta_min = math.acos(max(-1.0, min(1.0, cmax)))
        reach = 2.5 * r * math.sqrt(k) + 1e-9
        cut = math.cos(min(math.pi, theta_min + reach))
        i, j = np.nonzero(np.triu(c >= cut, 1))
        m = i.size
        b = _tangent_bases(x)
        gi = np.einsum("mdk,md->mk", b[i], x[j])  # d c_ij / d u_i
        gj = np.einsum("mdk,md->mk", b[j], x[i])
        # u = p - q with 0 <= p, q <= r; a tiny L1 price on |u| pins the directions the
        # constraints leave free (rigid rotations, rattlers) at zero instead of at the box.
        nk = n * k
        ci = i[:, None] * k + np.arange(k)
        cj = j[:, None] * k + np.arange(k)
        rows = np.repeat(np.arange(m), 4 * k + 1)
        cols = np.concatenate([ci, cj, ci + nk, cj + nk, np.full((m, 1), 2 * nk)], axis=1).ravel()
        vals = np.concatenate([gi, gj, -gi, -gj, -np.ones((m, 1))], axis=1).ravel()
        a_ub = csr_matrix((vals, (rows, cols)), shape=(m, 2 * nk + 1))
        cost = np.full(2 * nk + 1, STEP_PRICE / nk)
        cost[-1] = 1.0
        bounds = np.zeros((2 * nk + 1, 2))
        bounds[:-1, 1] = 1.0
        bounds[-1] = (-np.inf, np.inf)
        # scaled LP (unknowns u / r and (s - cmax) / r), so that the solver's absolute
        # feasibility tolerance (1e-7) is relative to the step, not to the cosines
        # the time limit reaches into HiGHS: one LP of a rough configuration of 2000 points
        # takes seconds, and a search within a budget must not overrun it by that much
        options = {} if time_limit is None else {
            "time_limit": max(0.01, time_limit - (time.perf_counter() - t0))}
        res = linprog(cost, A_ub=a_ub, b_ub=-(c[i, j] - cmax) / r, bounds=bounds,
                      method="highs-ipm" if m * k > 20000 else "highs-ds", options=options)
        if res.status != 0:
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                break
            r *= 0.25
            if r < 1e-14:
                break
            continue
        res.x[-1] = cmax + r * res.x[-1]
        res_u = r * (res.x[:nk] - res.x[nk:2 * nk])
        predicted = cmax - res.x[-1]
        if predicted <= tol:
            break
        u = res_u.reshape(n, k)
        y = x + np.einsum("ndk,nk->nd", b, u)
        y /= np.linalg.norm(y, axis=1, keepdims=True)
        cnew = _max_cos(y)
        actual = cmax - cnew
        rho = actual / predicted
        if actual > 0:
            x, cmax = y, cnew
            if rho > 0.75 and np.abs(u).max() > 0.9 * r:
                r *= 2.0
            elif rho < 0.25:
                r *= 0.5
        else:
            r *= 0.25
        if r < 1e-14:
            break
    return x


# ---------------------------------------------------------------------------
# stage 3: Newton on the active set
# ---------------------------------------------------------------------------

def active_set_newton(x, *, tol_rad: float | None = None, iters: int = 8) -> np.ndarray:
    """Solve ``x_i^T x_j = s`` on the contact pairs, ``||x_i|| = 1``, by Gauss-Newton.

    The contacts are the pairs within ``tol_rad`` of the minimum angle.  By default several
    cuts are tried: below the widest gap in the sorted pair angles up to ``min + 0.05`` rad,
    and ``min + 1e-6``, ``min + 1e-4`` rad.  Returns the best refined configuration when it
    improves the smallest angle, else ``x`` unchanged.
    """
    x = np.array(x, dtype=np.float64)
    best_a = _min_angle_rad(x)
    c = _gram(x)
    np.fill_diagonal(c, -np.inf)
    window = 0.05
    iu, ju = np.nonzero(np.triu(c >= math.cos(min(math.pi, best_a + window)), 1))
    ang = _pair_angle(x[iu], x[ju])
    if tol_rad is not None:
        cuts = [best_a + tol_rad]
    else:
        srt = np.append(np.sort(ang), best_a + window)
        k = int(np.argmax(np.diff(srt)))
        cuts = sorted({0.5 * (srt[k] + srt[k + 1]), best_a + 1e-6, best_a + 1e-4})
    best = x
    for cut in cuts:
        keep = ang <= cut
        if not keep.any():
            continue
        z = _newton_on(x, iu[keep], ju[keep], iters)
        a = _min_angle_rad(z)
        if a > best_a:
            best, best_a = z, a
    return best


def _newton_on(x: np.ndarray, i: np.ndarray, j: np.ndarray, iters: int) -> np.ndarray:
    n, d = x.shape
    m = i.size
    c = _gram(x)
    s = float(np.mean(c[i, j]))
    z = x.copy()
    ar = np.arange(m)
    rows = np.concatenate([np.repeat(ar, d), np.repeat(ar, d), ar,
                           m + np.repeat(np.arange(n), d)])
    cols = np.concatenate([(i[:, None] * d + np.arange(d)).ravel(), (j[:, None] * d + np.arange(d)).ravel(),
                           np.full(m, n * d), np.arange(n * d)])
    for _ in range(iters):
        res = np.concatenate([np.sum(z[i] * z[j], axis=1) - s, 0.5 * (np.sum(z * z, axis=1) - 1.0)])
        if np.abs(res).max() < 1e-15:
            break
        vals = np.concatenate([z[j].ravel(), z[i].ravel(), -np.ones(m), z.ravel()])
        jac = csr_matrix((vals, (rows, cols)), shape=(m + n, n * d + 1))
        # damped normal equations: the tiny damping picks the smallest step along the
        # directions the equations leave free (rotations), like a minimum-norm solve
        # (sparse LU: no BLAS threads, which matters on a busy machine)
        jtj = (jac.T @ jac).tocsc()
        lam = 1e-12 * jtj.diagonal().sum() / jtj.shape[0]
        step = spsolve(jtj + lam * identity(jtj.shape[0], format="csc"), -(jac.T @ res))
        z = z + step[:-1].reshape(n, d)
        s = s + step[-1]
    if not np.all(np.isfinite(z)):
        return x
    return z / np.linalg.norm(z, axis=1, keepdims=True)


# ---------------------------------------------------------------------------
# basin-hopping moves
# ---------------------------------------------------------------------------

def largest_holes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The empty caps of a configuration, largest first: ``(centres (h, d), angular radii (h,))``.

    Each facet of the convex hull of the points spans a cap with no point inside (Delaunay on
    the sphere); its centre is the facet's outward normal and its radius ``arccos`` of the
    facet's distance to the origin.  The largest is where a point fits best.
    """
    from scipy.spatial import ConvexHull

    hull = ConvexHull(x)
    normals, offsets = hull.equations[:, :-1], hull.equations[:, -1]
    order = np.argsort(offsets)[::-1]  # offset = -distance: nearest facets (largest caps) first
    return normals[order], np.arccos(np.clip(-offsets[order], -1.0, 1.0))


def relocate_crowded(x: np.ndarray, k: int, best_rad: float, rng: np.random.Generator) -> np.ndarray:
    """Remove ``k`` points of the crowded region (drawn with probability growing with their
    number of contacts) and put each one back at the centre of the largest empty cap."""
    n = len(x)
    c = _gram(x)
    np.fill_diagonal(c, -np.inf)
    deg = np.sum(c >= math.cos(best_rad + 1e-8), axis=1) + 0.5
    idx = rng.choice(n, size=k, replace=False, p=deg / deg.sum())
    y = x[np.setdiff1d(np.arange(n), idx)]
    for _ in range(k):
        try:
            hole = largest_holes(y)[0][0]
        except Exception:  # noqa: BLE001 - a degenerate hull (points on one great circle): throw instead
            hole = rng.standard_normal(x.shape[1])
        y = np.vstack([y, hole / np.linalg.norm(hole)])
    return y


# ---------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------

@dataclass
class TammesResult:
    """The best configuration found: ``points`` ``(n, d)``, its ``angle_deg``, and search statistics."""

    points: np.ndarray
    angle_deg: float
    starts: int
    hops: int
    seconds: float
    history: list  # (seconds, best angle in degrees) each time the best improved (with two
    # processes, each process's improvements that the search kept, merged by time)
    #: why the hops ended: "hops" (all done), "no progress in K hops" (every overlap chain stopped
    #: early, after K hops without a better packing of its own), "budget" or "target"
    stopped: str = "hops"


def _finish(x: np.ndarray, *, time_limit: float | None = None) -> np.ndarray:
    """Polish a relaxed configuration: Newton on the contacts, SLP, Newton again."""
    x = active_set_newton(x)
    x = polish(x, time_limit=time_limit)
    return active_set_newton(x)


#: The portfolio of relaxations cycled through by the restarts: an empty schedule hands the
#: random start straight to the polish (the max-min landscape itself); small exponents find
#: the configurations that are optimal for many energies at once (600-cell, E8, and
#: sometimes the 24-cell); large ones approximate the max-min problem.
PORTFOLIO = ((None,), (), (1.0,), (None, 12.0, 48.0), (12.0, 80.0))


def _schedule(k: int, d: int, schedule, n: int = 0) -> tuple:
    # for many points a start polished straight from random costs many LP steps: skip it
    portfolio = PORTFOLIO if n <= 40 else tuple(p for p in PORTFOLIO if p)
    sch = portfolio[k % len(portfolio)] if schedule is None else tuple(schedule)
    return tuple(float(d) if s is None else s for s in sch)


#: The default number of attempts (starts plus hops) is ``ATTEMPT_WORK / (n (d - 1))^1.5``,
#: clipped to ``[ATTEMPTS_MIN, ATTEMPTS_MAX]``: one attempt (a relaxation and the polish) costs
#: roughly ``(n (d - 1))^1.5`` on this CPU, so the default search takes about the same time for
#: every size, and its count, not the clock, makes it deterministic.
ATTEMPT_WORK = 150_000.0
ATTEMPTS_MIN, ATTEMPTS_MAX = 3, 240

#: The basin-hopping moves, drawn with equal probability (see the hop loop of tammes_search).
MOVES = ("jiggle", "relocate", "throw")

#: The largest dimension in which the "relocate" move computes a convex hull (beyond, it throws).
HULL_MAX_DIM = 4

#: What a hop relaxes: ``"overlap"`` (the feasibility chain, :func:`overlap_relax`) or
#: ``"riesz"`` (the earlier hops: perturb the best, one Riesz relaxation, polish).
HOP_ENERGIES = ("overlap", "riesz")
#: The hops of the default search, for every size: the overlap chains.  Small problems
#: (``n (d - 1) <= 90``) used to hop with Riesz relaxations, because the chain missed the
#: 24-cell's narrow basin on one seed of two; with the polish that reaches KKT points
#: (``STEP_PRICE``) and ``TARGET_STEP`` the chains reached every best known packing for
#: N = 3..45 (seed 0, at most 16 s each) where the Riesz hops missed N = 35 on seeds 0-2, and
#: the 24-cell on seeds 0-2 in 5 s instead of 17 s.
DEFAULT_HOP_ENERGY = "overlap"

#: Overlap hops of the default search: ``HOP_WORK / (n (d - 1))``, at most ``HOPS_MAX``, shared by
#: the chains; one hop costs roughly ``n (d - 1)`` on this CPU (a compiled relaxation takes 5 ms
#: at N = 60 and 30 ms at N = 130 on S^2; a better packing adds a polish of about 0.3 s), so the
#: hops take about the same time for every size.  A chain stops early after two thirds of its
#: share pass without a better packing, and returns to its best packing after
#: ``CHAIN_PATIENCE`` hops that lower neither its energy nor its best angle.
HOP_WORK = 250_000.0
HOPS_MAX = 3_000
CHAIN_PATIENCE = 40
#: Threshold accepting: the chain moves to a hop whose overlap energy is below
#: ``1 + CHAIN_THRESHOLD`` times its own; a chain that only descends (0) sinks into the funnel
#: of its first best.  Against 0, a threshold of 1 lowered the median gap to the best known
#: packing on every seed measured (N = 46..130, seed 0: 3.8e-4 against 9.9e-4 degrees; every
#: sixth N, seeds 1-2: 1.1e-3 against 1.7e-3), smaller at 41 runs and larger at 31, but reached
#: about as many (68 against 71 of 129 at seed 0, 8 against 7 of 30 at seeds 1-2).  0.3 and 3
#: did worse than 1 on a first sample of 22 runs.
CHAIN_THRESHOLD = 1.0
#: Overlap chains of the default search, each from its own start (the best ``CHAINS`` starts);
#: they share the hops equally.  A single chain sinks into the funnel of its start: with the
#: same hops, 4 chains reached 13 of 30 best known packings against 9 for one (N = 46, 52, ...,
#: 130, seeds 1-2; median gap 5.2e-5 against 8.7e-5 degrees, smaller at 14 runs and larger at
#: 2), in 1.3 times the time (they stop early less often).  With the polish that reaches KKT
#: points, ``TARGET_STEP`` 1e-6 and the stall rule of the relaxation the difference is small: 27
#: of 30 against 25 (smaller gap at 4 runs, larger at 2), in 1.3 times the median time.
CHAINS = 4
#: An overlap energy below this is a packing at the target (up to rounding): it is polished.
FEASIBLE_ENERGY = 1e-14
#: The target of the feasibility problem, relative to the chain's best angle:
#: ``theta_t = (1 + TARGET_STEP) theta``.  The chain finds only packings better than its target,
#: so the step must stay below the relative gaps between neighbouring local maxima, which are
#: often 1e-6 to 1e-5 (8.6e-5 deg at N = 46, 3e-6 of the angle).  Against 1e-4 (with the polish
#: that reaches KKT points, ``STEP_PRICE``), 1e-6 reached 25 of 30 best known packings against
#: 18 (N = 46, 52, ..., 130, seeds 1-2); 1e-5 reached 10 and 1e-7 13 of the 15 of seed 1, where
#: 1e-6 reached 14.  With the stall rule of the relaxation: 27 of 30 against 13.
TARGET_STEP = 1e-6


#: On S^2 (``d = 3``, 12 <= N <= ``SYMMETRIC_MAX_N``), after the chains from the random starts,
#: the search makes starts that are unions of orbits of rotation groups, in the order given
#: (:func:`numerics.symmetric_starts.symmetric_start`), and runs ``SYMMETRIC_CHAINS`` more
#: chains from the best of them, each with one random chain's share of the hops.  They draw
#: from their own generator (``SYMMETRIC_STREAM``), so everything before them is the search
#: without them, bit for bit: they can only add packings, at the cost of their time.  Many
#: best known packings are (nearly) unions of orbits, and alone one icosahedral start reaches
#: the best known N = 120 (two generic orbits) in 3 s.  Measured at seed 0 on the 14 N that the
#: search without them missed (76, 85, 90, 102, 103, 110, 111, 118-121, 125, 127, 128), these
#: four starts and one chain reached 102, 103, 110, 111 and 120, in 4.4 to 8.8 s more per N;
#: a second chain reached none more and cost about 5 s more.  Before, the symmetric starts
#: were the first starts and competed with the random ones for the chains: that gained 8 of
#: the 14 and lost 6 others at seed 0, and lost 2 of 30 on seeds 1-2 (N = 46, 52, ..., 130).
SYMMETRIC_STARTS: tuple = ("icosahedral", "icosahedral", "octahedral", "tetrahedral")
#: Symmetric starts are made only up to this N: the frontier measured here ends at N = 130, and
#: the exact ties of a union of orbits whose relaxation a budget cut short make the active-set
#: Newton slow (when the four starts came first, a search within a budget of 2 s ran 2.0 s at
#: N = 300, 7.2 s at N = 1000 and 47 s at N = 2000; within a budget they now come only when
#: ``hops`` ran out before it).
SYMMETRIC_MAX_N = 300
#: Chains from the best symmetric starts, each with one random chain's share of the hops.
SYMMETRIC_CHAINS = 1
#: The symmetric starts and chains draw from ``default_rng((seed, SYMMETRIC_STREAM))``.
SYMMETRIC_STREAM = 1
#: Last, one chain from the best packing at the finer target step ``FINE_STEP``: the chains
#: look only for packings better than their best by at least ``TARGET_STEP`` of its angle
#: (2.5e-5 degrees at N = 73), so a neighbouring packing closer above than that is out of their
#: sight, though well beyond the bench's 1e-5 degrees.  It makes ``FINE_HOPS`` hops, with no
#: patience stop; it runs in the default search (no ``hops``, no ``budget``), from its own
#: generator (``FINE_STREAM``), so it only adds.  Measured on the runs that ended just short of
#: the best known packing: N = 73 seed 4 (1.6e-5 degrees short), 85 seed 2 (1.4e-5), 90 seed 4
#: (2.2e-5) and 127 seed 0 (5.4e-5): 40 hops at 1e-7 reached 85 and 90 and brought 127 to
#: 1.3e-5; 40 hops at 1e-8 reached 73 only.  On the bench's hard N (19 N, seeds 0-5,
#: ``bench/tammes.py --part hard``), the search without this chain reached 45 of 114; with it,
#: stopped after 40 hops without a better packing, 48; with all 120 hops, 52 (also 73 at seeds 2
#: and 4, 109 at seed 5, 127 at seed 0; a smaller gap than with the patience stop at 17 runs,
#: a larger at none).  The vectorized update of the relaxation's memory
#: (``numerics.overlap._axpy``, the same result bit for bit) pays for the 80 more hops: per run
#: the time changed by -4.8 to +3.9 s, median -0.5 s (35.6 s against 36.1 s); the longest run
#: took 56.0 s (N = 127, seed 3; two bench processes on the two cores).
FINE_STEP = 1e-7
FINE_HOPS = 120
#: The fine chain draws from ``default_rng((seed, FINE_STREAM))``.
FINE_STREAM = 2
#: Vacancy starts, made with the symmetric starts (same N, same dimension) and ranked with them
#: for the symmetric chain: the symmetric start of the named group for N + 1 points, relaxed
#: with ``VACANCY_SCHEDULE`` and polished, with one random point removed, then polished again.
#: The second polish takes it as it is: a Riesz relaxation would spread the N points evenly and
#: fill the hole the missing point leaves, away from the packing (at N = 119 the s = 3
#: relaxation took it from 19.3240 to 19.2501 degrees, below the random starts' 19.3023).  The
#: best known N = 120 is two generic icosahedral orbits, which the icosahedral start for 120
#: finds; minus a point, its basin holds a packing of 119 that every random chain missed (30
#: chains over seeds 0-5 ended near 19.3023 degrees).  In the bench's frontier and hard part
#: (``bench/tammes.py``) the default search with it reached 119 at seeds 0-5 (19.325899 degrees,
#: above the table) and changed no other packing: at seed 0 it became the symmetric chain's
#: start at 7 more N, all reached as before, and the time per N changed by -3.5 to +2.8 s
#: (median -0.5 s; two bench processes on the two cores, both runs).  121 from the icosahedral
#: 122, 125 from the octahedral 126 and other N +- k did not get closer in a first trial.  They
#: draw from ``default_rng((seed, VACANCY_STREAM))``, so the symmetric starts are the former
#: ones bit for bit; the search changes only where a vacancy start is the best symmetric start.
VACANCY_STARTS: tuple = ("icosahedral",)
VACANCY_SCHEDULE = (1.0,)
VACANCY_STREAM = 3


def vacancy_start(n: int, rng: np.random.Generator, group: str = "icosahedral",
                  deadline: float | None = None, polish_limit=lambda: None) -> np.ndarray:
    """A vacancy start (see ``VACANCY_STARTS``): the symmetric start of ``group`` for ``n + 1``
    points on S^2, relaxed with ``VACANCY_SCHEDULE`` and polished, less one point drawn from
    ``rng``; ``-> (n, 3)``, for the polish as it is.  ``polish_limit()``: seconds for the polish;
    past ``deadline`` the N + 1 configuration is not polished."""
    x = _relax_schedule(symmetric_start(n + 1, rng, group), VACANCY_SCHEDULE, deadline)
    if deadline is None or time.perf_counter() < deadline:  # the Newton steps do not stop at it
        x = _finish(x, time_limit=polish_limit())
    return np.delete(x, int(rng.integers(n + 1)), axis=0)


def _takes_symmetric_starts(n: int, d: int) -> bool:
    """Whether a search of ``n`` points on S^{d-1} makes its symmetric starts (see above)."""
    return d == 3 and 12 <= n <= SYMMETRIC_MAX_N


def default_attempts(n: int, d: int, hop_energy: str | None = None) -> tuple[int, int]:
    """``(starts, hops)`` of the default search from random starts.  Of the attempts
    ``ATTEMPT_WORK / (n (d - 1))^1.5`` clipped to ``[ATTEMPTS_MIN, ATTEMPTS_MAX]``, the starts
    are a quarter with Riesz hops (at least 2), and a twelfth with the overlap chains (at least
    2, and at least ``CHAINS`` where a quarter of the attempts affords them); the overlap hops
    are ``HOP_WORK / (n (d - 1))`` (at most ``HOPS_MAX``); with Riesz hops
    (``hop_energy="riesz"``; None is ``DEFAULT_HOP_ENERGY``) the hops are the rest of the
    attempts."""
    total = int(min(ATTEMPTS_MAX, max(ATTEMPTS_MIN, ATTEMPT_WORK / (n * (d - 1)) ** 1.5)))
    if (DEFAULT_HOP_ENERGY if hop_energy is None else hop_energy) == "riesz":
        starts = max(2, total // 4)
        return starts, total - starts
    # the chains find better packings than fresh starts do (measured at N = 46..113 on S^2: a
    # third of the starts and more hops reached 2 of 8 best known packings against 1 of 8);
    # a start for each of the CHAINS chains where a quarter of the attempts affords them (not
    # for E8, where a start takes 13 s)
    starts = max(2, min(CHAINS, total // 4), total // 12)
    return starts, int(min(HOPS_MAX, max(1, HOP_WORK / (n * (d - 1)))))


def chain_accepts(e_new: float, e_chain: float, threshold: float = CHAIN_THRESHOLD) -> bool:
    """Whether the overlap chain moves to a hop of energy ``e_new`` from one of ``e_chain``:
    threshold accepting, ``e_new < (1 + threshold) e_chain``.  With ``threshold = 0`` the chain
    only descends (monotonic basin hopping)."""
    return e_new < (1.0 + threshold) * e_chain


def _perturb(y: np.ndarray, move: str, best_rad: float, rng: np.random.Generator) -> np.ndarray:
    """One basin-hopping move on a configuration ``(n, d)``; returns unit rows."""
    n, d = y.shape
    y = y.copy()
    if move == "relocate" and (n <= d + 1 or d > HULL_MAX_DIM):
        # no hull to find holes in, or one too costly: the convex hull of 240 points in R^8
        # took 6.6 s a hop against 0.1 s for the other moves
        move = "throw"
    if move == "jiggle":  # jiggle every point
        scale = best_rad * rng.uniform(0.05, 0.4)
        y = y + scale * rng.standard_normal(y.shape) / math.sqrt(d - 1)
    elif move == "relocate":  # move a few crowded points into the largest holes
        y = relocate_crowded(y, int(rng.integers(1, max(2, n // 15) + 1)), best_rad, rng)
    else:  # throw a few of the most crowded points to random places
        c = _gram(y)
        np.fill_diagonal(c, -np.inf)
        deg = np.sum(c >= math.cos(best_rad + 1e-6), axis=1) + 0.5
        k = int(rng.integers(1, max(2, n // 10) + 1))
        idx = rng.choice(n, size=k, replace=False, p=deg / deg.sum())
        y[idx] = rng.standard_normal((k, d))
    return y / np.linalg.norm(y, axis=1, keepdims=True)


def _restart_chain(packing: np.ndarray, angle_deg: float,
                   step: float = TARGET_STEP) -> tuple[float, np.ndarray, float]:
    """An overlap chain from a packing: ``(cos theta_t, relaxed configuration, its energy)`` at
    the target ``theta_t = (1 + step)`` times the packing's angle."""
    cos_t = math.cos(math.radians(angle_deg) * (1.0 + step))
    return (cos_t, *overlap_relax(packing, cos_t))


# ---------------------------------------------------------------------------
# stage 1c: chains inside a symmetric subspace (orbit chains)
# ---------------------------------------------------------------------------

#: On S^2, where the symmetric starts are made, after the symmetric phase and before the fine
#: chain of the default search: ``ORBIT_CHAINS`` orbit chains (:func:`orbit_chain`) of
#: ``ORBIT_HOPS`` hops for every layout (:func:`numerics.symmetric_starts.orbit_layouts`) of N
#: under each group of ``ORBIT_GROUPS``, the smallest rotation groups.  A symmetric start alone
#: is a random start: the chains break its symmetry at once, and D2, D3 and C2 starts with a
#: 150-hop chain did not reach the best known 128, 90 and 76 (whose rotation groups these are,
#: with 32 and 15 generic orbits, and 37 and the two poles); nor did 60 D2 starts, relaxed and
#: polished, reach 128 (their Riesz minima are few, about ten distinct packings).  Inside the
#: subspace the landscape is small: 8 orbit chains of 60 hops each (one generator) reached 128
#: at 5, 90 at 7 and 76 at 2, in 1.7, 0.6 and 0.7 s a chain (two processes on the two cores).
#: With no hops (the start climbed and polished) none of 12 reached 128 or 76 (but 5 of 6 reached
#: 90); with 30 hops 2 of
#: 8 reached 128, with 80 6 of 8 (these three with a former "relocate" move that reordered rows
#: and so blended representatives); a second chain per layout mostly repeated the first's
#: packing, so the hops go to one.  Each hop costs about one random chain's hop plus the climbs;
#: even N have up to six layouts.
ORBIT_GROUPS: tuple = ("C2", "D2", "D3")
#: Orbit chains per layout, and the hops of each.
ORBIT_CHAINS = 1
ORBIT_HOPS = 60
#: The climb (:func:`symmetric_climb`) raises its target by a relative step that starts at
#: ``CLIMB_STEPS[0]``, doubles after a success and falls to a quarter after a failure, down to
#: ``CLIMB_STEPS[1]``; then it tries the chain's own step until that fails.
CLIMB_STEPS = (1e-3, 1e-6)
#: Iterations of the Riesz s = 1 relaxation of an orbit chain's random start (it only spreads
#: the orbits; the climb follows).
ORBIT_RIESZ_ITERS = 150
#: The orbit chains draw from ``default_rng((seed, ORBIT_STREAM))``.
ORBIT_STREAM = 4
#: Fresh chains: after the orbit chains, ``FRESH_CHAINS`` more overlap chains, each with one
#: random chain's share of the hops, from the best of ``FRESH_CHAINS`` times one random chain's
#: share of random starts (``max(1, starts // chains)`` each), drawn from a generator of their
#: own (``FRESH_STREAM``): more of the random phase, in the second process's time.  That
#: process's phases take about half the random phase's time (measured at seed 0, two processes: N = 40 2.6 s against 6.9 s,
#: 85 6.6 against 13.7, 121 12.1 against 32.8, 130 21.1 against 40.5), and one chain about a
#: quarter of it, so one fresh chain fits beside the random phase at every N.  Single chains
#: from one random start (seeds 1000-1007, one random chain's hops) reached the best known
#: N = 85 at 2 of 8, 118 at none (0.0078 to 0.032 degrees short), and came within 1.4e-4
#: degrees of 121 at one (the whole search never came closer than 1.9e-3 at seeds 0-5).  In the
#: bench (``bench/tammes.py``, one bench process, the search in two): at seed 0 the same angle at
#: 128 of 129 N (127 came 1.5e-6 degrees closer), still 126 reached; on the hard N at seeds 1-5
#: the same gap at 91 of 95 runs, smaller at 4 (82 seed 1 and 103 seed 4 now reached, 115 seeds
#: 1 and 3 closer), larger at none.  Side by side at seed 0 it cost nothing measurable (N = 40,
#: 85, 124: 0.98, 1.01 and 1.01 times the time without it).  In the default search (no ``hops``,
#: no ``budget``) only, where the symmetric phases run.  Its starts take the schedules of the
#: portfolio (``PORTFOLIO``) from the first, like the random starts: at N >= 68, where it has
#: one start, always the first.
FRESH_CHAINS = 1
#: The fresh starts and chains draw from ``default_rng((seed, FRESH_STREAM))``.
FRESH_STREAM = 5
#: Processes of the default search (at most the machine's cores): with 2 the symmetric phases
#: run in a second one (:mod:`numerics.tammes_worker`), beside the random phase.
PROCESSES = 2


def symmetric_climb(x: np.ndarray, angle_deg: float, space, step: float = TARGET_STEP,
                    deadline: float | None = None) -> tuple[np.ndarray, float]:
    """Raise the smallest angle of ``x`` ``(n, 3)``, a configuration of the symmetric subspace
    ``space`` (:class:`numerics.symmetric_starts.SymmetricSubspace`) with angle ``angle_deg``:
    relax the overlap energy at a target ``(1 + s)`` times the angle and project onto the
    subspace; a packing above the angle is kept and ``s`` doubles, otherwise it falls to a
    quarter, from ``CLIMB_STEPS[0]`` down to ``CLIMB_STEPS[1]``; then the same at ``s = step``
    (the chain's) until it fails, so that the chain's first relaxation from the result is not a
    packing.  Past ``deadline`` it stops.  ``-> (configuration of the subspace, its angle)``.

    The overlap energy of a symmetric configuration is invariant under the group, so its
    gradient, and the relaxation, keep the symmetry up to rounding, which the projection removes."""
    s, last = CLIMB_STEPS
    while deadline is None or time.perf_counter() < deadline:
        y, e = overlap_relax(x, math.cos(math.radians(angle_deg) * (1.0 + s)))
        y = space.project(y)
        a = min_angle_deg(y) if e < FEASIBLE_ENERGY else -1.0
        if a > angle_deg:
            x, angle_deg = y, a
            s = step if s == step else 2.0 * s
        elif s == step:
            break
        else:
            s = s / 4.0 if s / 4.0 >= last else step
    return x, angle_deg


def _orbit_perturb(space, x: np.ndarray, move: str, best_rad: float,
                   rng: np.random.Generator) -> np.ndarray:
    """One basin-hopping move inside the symmetric subspace ``space``; ``(n, 3) -> (n, 3)``.

    ``"jiggle"`` jiggles every point (:func:`_perturb`) and projects.  ``"throw"`` and
    ``"relocate"`` move whole generic orbits, the crowded ones more likely (as :func:`_perturb`
    moves points): thrown to a random place, or put at the centre of the largest empty cap of
    the configuration without them; the special orbits stay.  (A move of single points would
    shift a representative by a ``1/|G|`` share, and :func:`relocate_crowded` reorders rows.)"""
    if move == "jiggle":
        return space.project(_perturb(x, move, best_rad, rng))
    order, a = len(space.rotations), space.a
    reps = x[:a].copy()  # the identity's block: x[j] = G_0 r_j = r_j
    c = _gram(x)
    np.fill_diagonal(c, -np.inf)
    deg = (np.sum(c >= math.cos(best_rad + 1e-6), axis=1)[:order * a].reshape(order, a).sum(axis=0)
           + 0.5)
    k = min(a, int(rng.integers(1, max(2, a // (15 if move == "relocate" else 10)) + 1)))
    idx = rng.choice(a, size=k, replace=False, p=deg / deg.sum())
    if move == "relocate":
        keep = np.setdiff1d(np.arange(a), idx)
        for j in idx:
            rest = space.build(reps[keep])  # the other orbits, with the special ones
            try:
                hole = largest_holes(rest)[0][0]
            except Exception:  # noqa: BLE001 - a degenerate hull: throw instead
                hole = rng.standard_normal(3)
            reps[j] = hole / np.linalg.norm(hole)
            keep = np.append(keep, j)
    else:
        thrown = rng.standard_normal((k, 3))
        reps[idx] = thrown / np.linalg.norm(thrown, axis=1, keepdims=True)
    return space.build(reps)


def orbit_chain(space, rng: np.random.Generator, hops: int | None = None, moves: tuple = MOVES,
                deadline: float | None = None, polish_limit=lambda: None,
                step: float = TARGET_STEP, on_hop=None) -> tuple[np.ndarray, int]:
    """An overlap chain inside the symmetric subspace ``space``; ``-> ((n, 3), hops made)``, its
    best symmetric packing, polished without the symmetry (:func:`_finish`).

    From a random configuration of the subspace, relaxed with a Riesz s = 1 energy and climbed
    (:func:`symmetric_climb`), each of ``hops`` hops (None: ``ORBIT_HOPS``) moves the chain
    inside the subspace (:func:`_orbit_perturb`), relaxes the overlap energy at ``1 + step``
    times the chain's best angle, and projects: a packing is climbed and becomes the chain's
    best; otherwise threshold accepting (:func:`chain_accepts`, on the energy before the
    projection, which moves the configuration by rounding only), and back to the best after
    ``CHAIN_PATIENCE`` hops that do not lower the energy.  ``on_hop()`` is called after every
    hop.  Past ``deadline`` it stops hopping and returns its best unpolished."""
    hops = ORBIT_HOPS if hops is None else hops
    x = space.random(rng)
    if ORBIT_RIESZ_ITERS:
        x = space.project(riesz_relax(x, 1.0, maxiter=ORBIT_RIESZ_ITERS, deadline=deadline))
    def home_of(packing, angle_deg):  # where the chain returns to, in the subspace
        cos_t, chain, energy = _restart_chain(packing, angle_deg, step)
        return cos_t, space.project(chain), energy

    best, best_a = symmetric_climb(x, min_angle_deg(x), space, step, deadline)
    home = home_of(best, best_a)
    cos_t, chain, energy = home
    stalled = done = 0
    for _ in range(hops):
        if deadline is not None and time.perf_counter() > deadline:
            break
        done += 1
        move = moves[int(rng.random() * len(moves))]
        y, e = overlap_relax(_orbit_perturb(space, chain, move, math.radians(best_a), rng), cos_t)
        y = space.project(y)
        a = min_angle_deg(y) if e < FEASIBLE_ENERGY else -1.0
        if a > best_a:
            best, best_a = symmetric_climb(y, a, space, step, deadline)
            home = home_of(best, best_a)
            cos_t, chain, energy = home
            stalled = 0
        else:
            stalled = 0 if e < energy else stalled + 1
            if chain_accepts(e, energy):
                chain, energy = y, e
            if stalled >= CHAIN_PATIENCE:
                stalled = 0
                cos_t, chain, energy = home
        if on_hop:
            on_hop()
    if deadline is not None and time.perf_counter() > deadline:
        return best, done
    return _finish(best, time_limit=polish_limit()), done


def _running_best(history: list) -> list:
    """The ``(seconds, angle)`` entries of ``history`` that beat every earlier one, in time order
    (the two processes' histories merged into one)."""
    out = []
    for t, a in sorted(history, key=lambda e: e[0]):
        if not out or a > out[-1][1] + 1e-12:
            out.append((t, a))
    return out


@one_blas_thread
def tammes_search(n: int, d: int = 3, *, seed: int = 0, restarts: int | None = None,
                  budget: float | None = None, target_deg: float | None = None,
                  hops: int | None = None, schedule=None,
                  polish_time: float | None = None, progress=None, moves: tuple = MOVES,
                  hop_energy: str | None = None, chains: int | None = None,
                  target_step: float = TARGET_STEP, symmetric_starts: tuple | None = None,
                  symmetric_chains: int | None = None, fine_hops: int | None = None,
                  vacancy_starts: tuple | None = None, orbit_groups: tuple | None = None,
                  orbit_chains: int | None = None, fresh_chains: int | None = None,
                  processes: int | None = None, _worker: dict | None = None) -> TammesResult:
    """Multi-start search plus basin hopping for Tammes' problem; see the module docstring.

    ``restarts``: number of random starts (default: :func:`default_attempts`; with a ``budget``
    and no ``restarts``, starts continue until half the budget is spent).  ``budget``: seconds for the whole
    search; what the starts leave goes to basin hopping from the best configuration.
    ``target_deg``: stop as soon as this angle is reached (for benchmarks that measure the
    time to a known value; the solver itself never sees reference values otherwise).
    ``hops``: number of basin-hopping steps, shared equally by the random starts' overlap
    chains (default: :func:`default_attempts` without a budget, unlimited within one, where the
    chains share the time left after the starts).
    ``schedule``: a fixed tuple of Riesz exponents for every start instead of the portfolio
    (but the vacancy starts, which keep ``VACANCY_SCHEDULE``).
    ``moves``: the basin-hopping moves to draw from, with equal probability: ``"jiggle"`` (every
    point), ``"relocate"`` (:func:`relocate_crowded`), ``"throw"`` (crowded points to random
    places).  ``hop_energy``: ``"overlap"`` (the feasibility chain at a target just above the best
    angle, see the module docstring), ``"riesz"`` (each hop perturbs the best and relaxes a Riesz
    energy), or None for ``DEFAULT_HOP_ENERGY``.  ``chains``: the
    number of overlap chains (default ``CHAINS``; from the best starts, at most one per start).
    ``target_step``: a chain's target angle relative to its best, minus one (``TARGET_STEP``).
    ``symmetric_starts``: the rotation groups of the symmetric starts on S^2, made after the
    random chains from their own generator (names of :data:`numerics.symmetric_starts.GROUPS`;
    None is ``SYMMETRIC_STARTS``, ``()`` none: the vacancy starts, if any, then make the
    symmetric phase alone); used only with the overlap hops, where ``d = 3``
    and ``12 <= n <= SYMMETRIC_MAX_N``, ignored elsewhere; within a budget they get only the
    time the random chains leave (none unless ``hops`` ran out first).  ``symmetric_chains``:
    chains from the best symmetric and vacancy starts, each with one random chain's share of the hops
    (None is ``SYMMETRIC_CHAINS``; 0 keeps the symmetric starts' packings only).
    ``vacancy_starts``: the groups of the vacancy starts (the symmetric start for ``n + 1``
    points, relaxed and polished, less one point, see ``VACANCY_STARTS``), made after the
    symmetric starts from their own generator and ranked with them; None is
    ``VACANCY_STARTS``, ``()`` none; made where the symmetric starts are.  ``orbit_groups``: the
    groups whose symmetric subspaces the orbit chains search (:func:`orbit_chain`), after the
    symmetric phase from their own generator (``ORBIT_STREAM``); None is ``ORBIT_GROUPS``,
    ``()`` none; run where the symmetric starts are.  ``orbit_chains``: the orbit chains per
    layout of N (:func:`numerics.symmetric_starts.orbit_layouts`); None is ``ORBIT_CHAINS`` in
    the default search (no ``hops``, no ``budget``) and 0 otherwise; each is counted as a start,
    its ``ORBIT_HOPS`` hops as hops; they keep their own Riesz relaxation
    (``ORBIT_RIESZ_ITERS``) whatever the ``schedule``.  ``fresh_chains``: the chains after the
    orbit chains from fresh random starts of their own generator (``FRESH_CHAINS``): for each
    chain ``max(1, starts // chains)`` starts (the first with the first schedule of the
    portfolio, and so on), the chains from the best of them all, each with one random chain's
    share of the hops; None is ``FRESH_CHAINS`` in the default search and 0 otherwise; run
    where the symmetric starts are; within a budget, like the symmetric phases, only if
    ``hops`` ran out before it.  ``fine_hops``:
    the hops of the last chain, from the best packing at the finer step ``FINE_STEP`` (it has no
    patience stop: it runs all of them); None is ``FINE_HOPS`` in
    the default search (no ``hops``, no ``budget``) and 0 otherwise; it runs with the overlap
    hops only.  ``restarts`` and ``hops`` count the random starts and hops (not the fresh ones);
    the result's counts include the symmetric, vacancy, orbit, fresh and fine ones.
    ``processes``: 2 runs the symmetric phases (the symmetric and vacancy starts and their chain,
    the orbit chains, and the fresh chains) in a second process (:mod:`numerics.tammes_worker`)
    while this one makes the random phase, then replays their better packings in their order:
    the same result and counts bit for bit, sooner (progress then reports the symmetric phases at once, when
    they are replayed, not after each of their starts and hops).  Only where nothing reads the
    clock (no ``budget``, no ``target_deg``, no ``polish_time``), with the overlap hops.  None
    is ``PROCESSES`` (at most the cores this process may use) in the default search (no
    ``hops``, no ``budget``) and 1 otherwise.
    ``_worker``: internal, the second process's call (it runs the symmetric phases only).
    ``polish_time``: seconds for each sequential-LP polish (default: none; its iteration cap
    bounds it, so results do not depend on the machine's speed).  ``progress``: called as
    ``progress(stage, done, total, best_deg)`` after every start
    (``stage = "starts"``) and hop (``"hops"``) of this process; ``total`` is None within a budget.
    Deterministic for a given seed when ``budget`` is None.  With a ``budget``, the relaxations
    and the polish stop at it too; the last active-set Newton step is not interrupted, so the
    search overruns it by a few seconds at most (measured: 1.6 s for N = 500, 0.6 s for N = 2000
    on S^2).
    """
    n, d = _check_n_d(n, d)
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))
                               or not (math.isfinite(budget) and budget > 0)):
        raise ValueError(f"budget must be a positive number of seconds, got {budget!r}")
    if not moves or set(moves) - set(MOVES):
        raise ValueError(f"moves must be a non-empty tuple of {MOVES}, got {moves!r}")
    if hop_energy is not None and hop_energy not in HOP_ENERGIES:
        raise ValueError(f"hop_energy must be None or one of {HOP_ENERGIES}, got {hop_energy!r}")
    hop_energy = DEFAULT_HOP_ENERGY if hop_energy is None else hop_energy
    symmetric_starts = SYMMETRIC_STARTS if symmetric_starts is None else symmetric_starts
    vacancy_starts = VACANCY_STARTS if vacancy_starts is None else vacancy_starts
    orbit_groups = ORBIT_GROUPS if orbit_groups is None else orbit_groups
    for name, value in (("symmetric_starts", symmetric_starts), ("vacancy_starts", vacancy_starts),
                        ("orbit_groups", orbit_groups)):
        if (not isinstance(value, (tuple, list))
                or not all(isinstance(g, str) and g in GROUPS for g in value)):
            raise ValueError(f"{name} must be a tuple of names from {sorted(GROUPS)}, got {value!r}")
    for name, value in (("restarts", restarts), ("hops", hops), ("chains", chains),
                        ("symmetric_chains", symmetric_chains), ("fine_hops", fine_hops),
                        ("orbit_chains", orbit_chains), ("fresh_chains", fresh_chains),
                        ("processes", processes)):
        nonneg = name in ("hops", "symmetric_chains", "fine_hops", "orbit_chains", "fresh_chains")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                  or value < (0 if nonneg else 1)):
            kind = "non-negative" if nonneg else "positive"
            raise ValueError(f"{name} must be a {kind} integer, "
                             f"got {value!r}")
    if processes is not None and processes not in (1, 2):
        raise ValueError(f"processes must be 1 or 2, got {processes!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if (isinstance(target_step, bool) or not isinstance(target_step, (int, float))
            or not (math.isfinite(target_step) and 0 < target_step < 1)):
        raise ValueError(f"target_step must be a number in (0, 1), got {target_step!r}")
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    deadline = None if budget is None else t0 + budget

    def polish_limit():
        if deadline is None:
            return polish_time
        left = max(0.0, deadline - time.perf_counter())
        return left if polish_time is None else min(polish_time, left)

    default_starts, default_hops = default_attempts(n, d, hop_energy)
    max_starts = (default_starts if budget is None else 10**9) if restarts is None else int(restarts)
    best, best_a = None, -1.0
    history = []
    max_hops = (default_hops if budget is None else 10**9) if hops is None else int(hops)
    starts = n_hops = 0
    pool = []  # (angle in degrees, configuration) of every start, for the chains

    def elapsed():
        return time.perf_counter() - t0

    def reached():
        return target_deg is not None and best_a >= target_deg - 1e-9

    # the second process's packings above every angle it found before: a superset of those
    # the one-process search keeps (only above its best by 1e-12), for the replay
    events = []  # (time.perf_counter(), configuration)
    seen_a = -math.inf

    def consider(y) -> float:
        """Keep ``y`` if it beats the best; returns its angle in degrees."""
        nonlocal best, best_a, seen_a
        a = math.degrees(_min_angle_rad(y))
        if _worker is not None and a > seen_a:
            seen_a = a
            events.append((time.perf_counter(), y))
        if a > best_a + 1e-12:
            best, best_a = y, a
            history.append((round(elapsed(), 4), a))
        return a

    def take_start(x, sch: tuple, into: list, total):
        """Relax the start ``x`` with the Riesz schedule ``sch``, polish it, keep it in ``into``."""
        nonlocal starts
        y = _relax_schedule(x, sch, deadline)
        y = _finish(y, time_limit=polish_limit())
        into.append((consider(y), y))
        starts += 1
        if progress:
            progress("starts", starts, total, best_a)

    if n == 2:  # an antipodal pair is optimal in every dimension
        x = random_sphere(1, d, rng)
        consider(np.vstack([x, -x]))
        return TammesResult(best, best_a, 1, 0, elapsed(), history)

    # the symmetric phases depend only on their own generators (see numerics.tammes_worker):
    # where nothing stops the search early they can run in a second process meanwhile
    on_s2 = _takes_symmetric_starts(n, d)
    groups = tuple(symmetric_starts) if on_s2 else ()
    vacancies = tuple(vacancy_starts) if on_s2 else ()
    layouts = [(g, a, t) for g in (tuple(orbit_groups) if on_s2 else ()) for a, t in orbit_layouts(n, g)]
    n_orbit = ((ORBIT_CHAINS if hops is None and budget is None else 0) if orbit_chains is None
               else orbit_chains)
    n_fresh = (((FRESH_CHAINS if hops is None and budget is None else 0) if fresh_chains is None
                else fresh_chains) if on_s2 else 0)
    procs = ((min(PROCESSES, tammes_worker.usable_cores()) if hops is None and budget is None else 1)
             if processes is None else processes)
    worker = None
    if (procs > 1 and _worker is None and budget is None and target_deg is None and polish_time is None
            and hop_energy == "overlap" and ((groups or vacancies) or (layouts and n_orbit) or n_fresh)):
        worker = tammes_worker.start(n, seed, dict(
            restarts=restarts, hops=hops, schedule=schedule, polish_time=polish_time, moves=moves,
            hop_energy=hop_energy, chains=chains, target_step=target_step,
            symmetric_starts=symmetric_starts, symmetric_chains=symmetric_chains,
            vacancy_starts=vacancy_starts, orbit_groups=orbit_groups, orbit_chains=orbit_chains,
            fresh_chains=fresh_chains))
    try:  # the second process is ended if this one gives up before it has its result
        while _worker is None and starts < max_starts and not reached():  # (the worker has none)
            if budget is not None and starts > 0 and elapsed() > (budget if restarts else budget / 2):
                break
            take_start(random_sphere(n, d, rng), _schedule(starts, d, schedule, n), pool,
                       None if budget is not None and restarts is None else max_starts)
        hops_planned = max_hops  # the progress total: set anew when the symmetric and fine chains begin

        def hop_report():
            if progress:
                progress("hops", n_hops, None if budget is not None and hops is None else hops_planned, best_a)

        def stop_reason() -> str:
            """Why the hops end now: "" while none of the limits holds."""
            if reached():
                return "target"
            if budget is not None and elapsed() >= budget:
                return "budget"
            return "hops" if n_hops >= max_hops else ""

        def hops_left():
            return not stop_reason()

        if hop_energy == "riesz":
            while hops_left():
                n_hops += 1
                y = _perturb(best, moves[int(rng.random() * len(moves))], math.radians(best_a), rng)
                sch = _schedule(int(rng.integers(len(PORTFOLIO))), d, schedule, n)
                y = _relax_schedule(y, sch[-1:] if sch else (), deadline)
                consider(_finish(y, time_limit=polish_limit()))
                hop_report()
            # the loop ends only when one of the limits holds: stop_reason() names it
            return TammesResult(best, best_a, starts, n_hops, elapsed(), history, stop_reason())

        # the feasibility chains: basin hopping with threshold accepting on the overlap energy at a
        # target angle just above the chain's best; a zero-energy configuration is a better packing
        # (polished at once).  Each chain starts from its own start, the best ``CHAINS`` of them:
        # one chain sinks into the funnel of its first packing, and several see more of the landscape.
        def spent() -> bool:
            """Whether the target is reached or the budget spent (the limits other than the hops)."""
            return stop_reason() in ("target", "budget")

        def chain_patience(share):
            """Hops without a better packing of its own after which a chain of the default search
            stops early (two thirds of its share, at least ``CHAIN_PATIENCE``); None: never."""
            return max(CHAIN_PATIENCE, 2 * share // 3) if hops is None and budget is None else None

        def run_chain(own_a, own, share, patience, until, chain_rng, hop_limit, step=target_step):
            """One overlap chain from the packing ``own``, drawing its moves from ``chain_rng``, at
            targets ``1 + step`` times its best angle; returns whether it stopped early."""
            nonlocal n_hops
            done = since_best = stalled = 0
            # where the chain returns to: relaxed once per packing
            home = _restart_chain(own, own_a, step)
            cos_t, chain, energy = home
            while (not spent() and n_hops < hop_limit
                   and done < share and (until is None or elapsed() < until)
                   and (patience is None or since_best < patience)):
                n_hops += 1
                done += 1
                move = moves[int(chain_rng.random() * len(moves))]
                y = _perturb(chain, move, math.radians(own_a), chain_rng)
                y, e = overlap_relax(y, cos_t)
                packing = _finish(y, time_limit=polish_limit()) if e < FEASIBLE_ENERGY else None
                a = -1.0 if packing is None else consider(packing)
                if a > own_a + 1e-12:  # a better packing than this chain's
                    own_a, own = a, packing
                    since_best = stalled = 0
                    home = _restart_chain(own, own_a, step)
                    cos_t, chain, energy = home
                else:
                    since_best += 1
                    stalled = 0 if e < energy else stalled + 1
                    if chain_accepts(e, energy):
                        chain, energy = y, e
                    if stalled >= CHAIN_PATIENCE:  # back to the chain's best packing
                        stalled = 0
                        cos_t, chain, energy = home
                hop_report()
            return patience is not None and since_best >= patience

        pool.sort(key=lambda p: -p[0])
        # the random chains (the worker's symmetric chain needs only their number and shares)
        k = min(CHAINS if chains is None else chains, len(pool) if _worker is None else max_starts)
        t_chains = elapsed()
        ran = early = 0  # chains run, and those that stopped early (no progress in their patience)
        patience = None
        for c in range(k if _worker is None else 0):
            share = max_hops // k + (c < max_hops % k)
            if share == 0 or not hops_left():
                break
            patience = chain_patience(share)
            until = None if budget is None else t_chains + (c + 1) * (budget - t_chains) / k
            early += run_chain(*pool[c], share, patience, until, rng, max_hops)
            ran += 1
        found = None if worker is None else tammes_worker.collect(worker)
    except BaseException:
        if worker is not None:
            tammes_worker.stop(worker)
        raise
    if found is not None:
        # the second process made the symmetric phases meanwhile: its packings, in their order,
        # are kept or not as they would have been here; the history merges the two clocks
        merged = list(history)
        for t, y in found["events"]:
            before = best_a
            a = consider(y)
            if best_a != before:
                merged.append((round(t - t0, 4), a))
        history[:] = _running_best(merged)
        starts += found["starts"]
        n_hops += found["hops"]
        ran += found["ran"]
        early += found["early"]
        if progress:
            progress("starts", starts, starts, best_a)
            progress("hops", n_hops, n_hops, best_a)
    def chains_from_best(spool: list, count: int, gen: np.random.Generator):
        """``count`` chains from the best packings of ``spool`` ((angle, configuration) pairs),
        each with one random chain's share of the hops, drawing from ``gen``."""
        nonlocal hops_planned, early, ran
        spool.sort(key=lambda p: -p[0])
        share = max_hops // k
        count = min(count, len(spool))
        hops_planned = n_hops + count * share  # the hops done and those of these chains
        for c in range(count if share else 0):
            if spent():
                break
            # the limit n_hops + share is the chain's share (the random chains' is max_hops)
            early += run_chain(*spool[c], share, chain_patience(share), None, gen, n_hops + share)
            ran += 1

    # the symmetric and vacancy starts and their chains come after the random ones, from
    # generators of their own, so that everything before them is the search without them, bit
    # for bit.  Within a budget the random chains share all of it, unless ``hops`` runs out first.
    if worker is None and (groups or vacancies) and not spent() and (budget is None or hops is not None):
        srng = np.random.default_rng((seed, SYMMETRIC_STREAM))
        planned = None if budget is not None else starts + len(groups) + len(vacancies)
        spool = []
        for i, group in enumerate(groups):
            if spent():
                break
            take_start(symmetric_start(n, srng, group), _schedule(i, d, schedule, n), spool, planned)
        vrng = np.random.default_rng((seed, VACANCY_STREAM))
        for group in vacancies:
            if spent():
                break
            # no relaxation: it would fill the hole the missing point leaves (VACANCY_STARTS)
            take_start(vacancy_start(n, vrng, group, deadline, polish_limit), (), spool, planned)
        chains_from_best(spool, SYMMETRIC_CHAINS if symmetric_chains is None else symmetric_chains, srng)
    # the orbit chains (see ORBIT_GROUPS), from their own generator, after the symmetric phase
    if worker is None and layouts and n_orbit and not spent():
        orng = np.random.default_rng((seed, ORBIT_STREAM))
        planned = None if budget is not None else starts + len(layouts) * n_orbit
        hops_planned = n_hops + len(layouts) * n_orbit * ORBIT_HOPS

        def orbit_hop():
            nonlocal n_hops
            n_hops += 1
            hop_report()

        for group, a, taken in layouts:
            for _ in range(n_orbit):
                if spent():
                    break
                y, _ = orbit_chain(SymmetricSubspace(group, a, taken), orng, moves=moves, deadline=deadline,
                                   polish_limit=polish_limit, step=target_step, on_hop=orbit_hop)
                consider(y)
                starts += 1
                if progress:
                    progress("starts", starts, planned, best_a)
    # the fresh chains (see FRESH_CHAINS): more of the random phase, from their own generator
    if worker is None and n_fresh and not spent():  # (the Riesz hops have returned)
        frng = np.random.default_rng((seed, FRESH_STREAM))
        # a chain's share of the starts for each chain, the chains from the best of them all
        n_starts = n_fresh * max(1, (max_starts if budget is None else len(pool)) // k)
        fpool = []
        planned = None if budget is not None else starts + n_starts
        for i in range(n_starts):
            if spent():
                break
            take_start(random_sphere(n, d, frng), _schedule(i, d, schedule, n), fpool, planned)
        chains_from_best(fpool, n_fresh, frng)
    if _worker is not None:  # the second process: its part is done
        _worker.update(events=events, starts=starts, hops=n_hops, ran=ran, early=early)
        return TammesResult(best, best_a, starts, n_hops, elapsed(), history)
    # the fine chain, from the best packing (see FINE_STEP); not counted in ``ran`` and
    # ``early``, which say how the chains that search ended
    fine = (FINE_HOPS if hops is None and budget is None else 0) if fine_hops is None else fine_hops
    if fine and not spent():
        hops_planned = n_hops + fine
        run_chain(best_a, best, fine, None, None, np.random.default_rng((seed, FINE_STREAM)),
                  n_hops + fine, FINE_STEP)
    reason = stop_reason()
    if reason in ("", "hops"):
        # "no progress in K hops" when every chain stopped early, "hops" when one used its share
        reason = f"no progress in {patience} hops" if ran and early == ran else "hops"
    return TammesResult(best, best_a, starts, n_hops, elapsed(), history, reason)


def tammes(n: int, d: int = 3, *, seed: int = 0, restarts: int | None = None,
           budget: float | None = None, hops: int | None = None, moves: tuple = MOVES,
           hop_energy: str | None = None, symmetric_starts: tuple | None = None,
           symmetric_chains: int | None = None, fine_hops: int | None = None,
           vacancy_starts: tuple | None = None, orbit_groups: tuple | None = None,
           orbit_chains: int | None = None, fresh_chains: int | None = None,
           processes: int | None = None) -> np.ndarray:
    """``(n, d)`` unit vectors maximizing the smallest pairwise angle (best found).

    Multi-start Riesz relaxation + basin hopping, then exact LP / active-set polish; see
    :func:`tammes_search` for the arguments and :func:`min_angle_deg` to measure the result.
    """
    return tammes_search(n, d, seed=seed, restarts=restarts, budget=budget, hops=hops, moves=moves,
                         hop_energy=hop_energy, symmetric_starts=symmetric_starts,
                         symmetric_chains=symmetric_chains, fine_hops=fine_hops,
                         vacancy_starts=vacancy_starts, orbit_groups=orbit_groups,
                         orbit_chains=orbit_chains, fresh_chains=fresh_chains,
                         processes=processes).points
