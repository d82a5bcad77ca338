"""How distances on ``S^{d-1}`` behave as the dimension ``d`` grows (Question 4d).

Two studies:

* :func:`random_distance_stats`: pairwise distances of ``n`` independent uniform points on
  ``S^{d-1}`` (a random, untrained encoder).  For uniform ``u, v``, ``u^T v`` has mean 0 and
  variance ``1/d``, so ``||u - v|| = sqrt(2 - 2u^T v)`` concentrates at ``sqrt(2)`` with standard
  deviation ``~ 1/sqrt(2d)``; the smallest and largest distances (the margin and the diameter
  of a random grouping) close in on each other.
* :func:`best_margin`: the largest achievable minimum distance of ``N`` points on ``S^{d-1}``
  (Tammes' problem), maximized with SLSQP from random starts, next to the proven values of
  :func:`margin_bound`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def uniform_sphere(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` independent uniform points on ``S^{d-1}``, shape ``(n, d)``."""
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def pairwise_distances(X: np.ndarray) -> np.ndarray:
    """Distances ``||x_a - x_b||`` for ``a < b`` (condensed, length ``n(n-1)/2``), by direct
    differences."""
    from scipy.spatial.distance import pdist

    return pdist(np.asarray(X, dtype=np.float64))


def random_distance_stats(dims: Sequence[int], *, n: int = 200, groups: int = 4,
                          per_group: int = 8, seed: int = 0, bins: int = 60) -> dict:
    """Distance statistics of random unit vectors for each ``d`` in ``dims``.

    Per ``d``: mean, std, 1% / 50% / 99% quantiles, min and max of the ``n(n-1)/2`` pairwise
    distances of ``n`` uniform points, ``std * sqrt(2d)`` (-> 1), a histogram on ``[0, 2]``, and
    for a random grouping (``groups`` groups of ``per_group`` uniform points) the largest
    diameter and the smallest margin (Eqs. 3-4) and their ratio.
    """
    from .geometry import diameter, margin

    rng = np.random.default_rng(seed)
    edges = np.linspace(0.0, 2.0, bins + 1)
    out = {"dims": list(map(int, dims)), "n": n, "edges": edges.tolist(), "per_d": []}
    for d in dims:
        X = uniform_sphere(n, d, rng)
        dist = pairwise_distances(X)
        hist, _ = np.histogram(dist, bins=edges, density=True)
        cfg = [uniform_sphere(per_group, d, rng) for _ in range(groups)]
        diam, marg = diameter(cfg), margin(cfg)
        q = np.quantile(dist, [0.01, 0.5, 0.99])
        out["per_d"].append({
            "d": int(d), "mean": float(dist.mean()), "std": float(dist.std()),
            "std_sqrt_2d": float(dist.std() * math.sqrt(2 * d)),
            "q01": float(q[0]), "median": float(q[1]), "q99": float(q[2]),
            "min": float(dist.min()), "max": float(dist.max()), "hist": hist.tolist(),
            "random_max_diameter": float(diam.max()), "random_min_margin": float(np.nanmin(marg)),
            "random_margin_over_diameter": float(np.nanmin(marg) / diam.max()),
        })
    return out


def margin_bound(N: int, d: int) -> tuple[float, bool]:
    """A proven upper bound on the best minimum distance of ``N >= 2`` points on ``S^{d-1}``,
    and whether it is known to be attained.

    * ``d = 2``: ``2 sin(pi / N)`` (the regular ``N``-gon; attained).
    * ``N <= d + 1``: ``sqrt(2N / (N - 1))``, the simplex bound from
      ``0 <= ||sum x_a||^2 = N + sum_{a != b} x_a^T x_b`` (attained by the regular simplex).
    * ``N >= d + 2``: ``sqrt(2)`` (Rankin 1955: more than ``d + 1`` points cannot all be at
      angles above 90 degrees); attained by ``N <= 2d`` vertices of the cross-polytope.
    """
    if N < 2 or d < 1:
        raise ValueError(f"margin_bound needs N >= 2 and d >= 1, got N={N}, d={d}")
    if d == 1:
        return (2.0 if N == 2 else 0.0), True
    if d == 2:
        return 2 * math.sin(math.pi / N), True
    if N <= d + 1:
        return math.sqrt(2 * N / (N - 1)), True
    return math.sqrt(2.0), N <= 2 * d


def _min_distance(X: np.ndarray) -> float:
    return float(pairwise_distances(X).min())


def best_margin(N: int, d: int, *, restarts: int = 8, seed: int = 0, maxiter: int = 400) -> dict:
    """Maximize ``min_{a<b} ||x_a - x_b||`` over ``N`` points on ``S^{d-1}``.

    SLSQP on ``max t  s.t.  ||x_a - x_b||^2 >= t, ||x_a||^2 = 1`` from ``restarts`` random
    starts.  Returns ``{"margin", "points" (N, d), "restarts", "all"}``; the final points are
    renormalized and ``margin`` is measured on them (so it is feasible by construction).
    """
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    iu = np.triu_indices(N, 1)

    def unpack(v):
        return v[:-1].reshape(N, d), v[-1]

    def cons_ineq(v):
        X, t = unpack(v)
        diff = X[iu[0]] - X[iu[1]]
        return np.einsum("pk,pk->p", diff, diff) - t

    def cons_ineq_jac(v):
        X, _ = unpack(v)
        P = len(iu[0])
        J = np.zeros((P, N * d + 1))
        diff = 2 * (X[iu[0]] - X[iu[1]])
        rows = np.arange(P)
        for k in range(d):
            J[rows, iu[0] * d + k] = diff[:, k]
            J[rows, iu[1] * d + k] = -diff[:, k]
        J[:, -1] = -1.0
        return J

    def cons_eq(v):
        X, _ = unpack(v)
        return np.einsum("ak,ak->a", X, X) - 1.0

    def cons_eq_jac(v):
        X, _ = unpack(v)
        J = np.zeros((N, N * d + 1))
        for a in range(N):
            J[a, a * d:(a + 1) * d] = 2 * X[a]
        return J

    results = []
    best = None
    for _ in range(restarts):
        X0 = uniform_sphere(N, d, rng)
        v0 = np.concatenate([X0.ravel(), [_min_distance(X0) ** 2]])
        res = minimize(lambda v: -v[-1], v0, jac=lambda v: np.concatenate([np.zeros(N * d), [-1.0]]),
                       method="SLSQP",
                       constraints=[{"type": "ineq", "fun": cons_ineq, "jac": cons_ineq_jac},
                                    {"type": "eq", "fun": cons_eq, "jac": cons_eq_jac}],
                       options={"maxiter": maxiter, "ftol": 1e-12})
        X, _ = unpack(res.x)
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
        m = _min_distance(X)
        results.append(m)
        if best is None or m > best[0]:
            best = (m, X)
    return {"N": N, "d": d, "margin": best[0], "points": best[1].tolist(), "restarts": restarts,
            "all": results}


def best_margin_vs_d(N: int, dims: Sequence[int], *, restarts: int = 8, seed: int = 0) -> dict:
    """:func:`best_margin` for each ``d`` in ``dims``, with :func:`margin_bound` beside it."""
    rows = []
    for d in dims:
        r = best_margin(N, d, restarts=restarts, seed=seed + d)
        bound, attained = margin_bound(N, d)
        rows.append({"d": int(d), "margin": r["margin"], "bound": bound, "bound_attained": attained,
                     "restart_margins": r["all"]})
    return {"N": N, "rows": rows}
