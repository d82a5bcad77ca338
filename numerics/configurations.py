"""Optimal encoder tables for the contrastive loss, Eq. (1), with finite supports (Eq. 2).

With finite supports an encoder is a table: one feature ``f(s) in S^{d-1}`` for every
support point ``s``.  Group ``i`` draws ``x_i, y_i ~ p_i`` over its support ``S_i``; a support
point shared by two groups (Eq. 5) has one feature, used by both.

The expected loss is exact: the expectation over ``x_i`` and the ``N`` draws ``y_1..y_N`` is
a finite sum over every combination of support points (so supports must stay small),

    L(f) = (1/N) sum_i E[ -f(x_i)^T f(y_i)/tau + log sum_j exp(f(x_i)^T f(y_j)/tau) ],

with an optional temperature ``tau`` (the homework's Eq. 1 is ``tau = 1``).  The table is
optimized in float64 by L-BFGS over ``f(s) = z_s / ||z_s||`` with torch gradients, from
several random starts; the objective is ``log L`` (same minimizers), computed through
``softplus(logsumexp_{j != i}(l_j - l_i))`` so that it stays exact when ``L`` is far below
machine epsilon, as it is for small ``tau``.

Shapes: a table is ``(M, d)`` (``M`` distinct support points); single-point supports give
``(N, d)``.  Supports are given as a list of ``N`` non-empty lists of point ids in
``0..M-1`` (ids may repeat across groups: overlapping supports), with optional
probabilities of the same shapes (uniform by default).
"""

from __future__ import annotations

import contextlib
import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import minimize

from .losses import check_tau as _losses_check_tau
from .tammes import one_blas_thread, random_sphere

__all__ = [
    "expected_loss",
    "expected_loss_torch",
    "simplex_loss",
    "optimal_configuration",
    "optimize_table",
    "TableResult",
    "diameters",
    "margins",
    "overlap_supports",
    "overlap_study",
    "one_torch_thread",
]

#: The largest number of (y_1, ..., y_N) combinations the exact expectation enumerates.
MAX_COMBINATIONS = 200_000


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

def _check_tau(tau) -> float:
    """A positive, finite temperature as a float (the check of :mod:`numerics.losses`)."""
    return float(_losses_check_tau(tau))


def _check_n_d(n, d) -> tuple[int, int]:
    for name, v, lo in (("n", n, 2), ("d", d, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {v!r}")
        if v < lo:
            raise ValueError(f"need {name} >= {lo}, got {name} = {v}")
    return int(n), int(d)


def _check_supports(supports, probs=None) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """``(ids per group, probabilities per group, M)``; raises ValueError on bad input."""
    if supports is None or len(supports) < 2:
        raise ValueError(f"need at least 2 groups (supports), got {0 if supports is None else len(supports)}")
    ids = []
    for i, s in enumerate(supports):
        a = np.asarray(s)
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"support {i} is empty or not a flat list of point ids")
        if not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"support {i} must hold integer point ids, got dtype {a.dtype}")
        if np.any(a < 0):
            raise ValueError(f"support {i} has a negative point id {int(a[a < 0][0])}")
        if np.unique(a).size != a.size:
            raise ValueError(f"support {i} lists a point twice")
        ids.append(a.astype(np.int64))
    m = int(max(a.max() for a in ids)) + 1
    used = np.zeros(m, bool)
    for a in ids:
        used[a] = True
    if not used.all():
        raise ValueError(f"point id {int(np.flatnonzero(~used)[0])} belongs to no support; ids must be 0..M-1")
    if probs is None:
        ps = [np.full(a.size, 1.0 / a.size) for a in ids]
    else:
        if len(probs) != len(ids):
            raise ValueError(f"got {len(probs)} probability vectors for {len(ids)} supports")
        ps = []
        for i, (a, p) in enumerate(zip(ids, probs)):
            p = np.asarray(p, dtype=np.float64)
            if p.shape != a.shape:
                raise ValueError(f"probabilities of support {i} have shape {p.shape}, expected {a.shape}")
            if not np.all(np.isfinite(p)) or np.any(p <= 0):
                raise ValueError(f"probabilities of support {i} must be finite and > 0 (Eq. 2)")
            if abs(p.sum() - 1.0) > 1e-9:
                raise ValueError(f"probabilities of support {i} sum to {p.sum():.12g}, not 1")
            ps.append(p)
    combos = math.prod(a.size for a in ids)
    if combos > MAX_COMBINATIONS:
        raise ValueError(f"the exact expectation needs {combos} combinations of (y_1..y_N), "
                         f"more than {MAX_COMBINATIONS}: use fewer or smaller supports")
    return ids, ps, m


# ---------------------------------------------------------------------------
# the exact expected loss
# ---------------------------------------------------------------------------

def _combinations(ids, ps):
    """``(K, N)`` point ids of every (y_1..y_N) and their ``(K,)`` probabilities."""
    grid = np.array(list(itertools.product(*ids)), dtype=np.int64).reshape(-1, len(ids))
    w = np.array([math.prod(t) for t in itertools.product(*ps)])
    return grid, w


def _prepare(supports, probs) -> tuple:
    """Validated supports with the enumeration of (y_1..y_N) as tensors (computed once)."""
    ids, ps, m = _check_supports(supports, probs)
    grid, w = _combinations(ids, ps)
    return (m, [torch.as_tensor(a) for a in ids], [torch.as_tensor(p) for p in ps],
            torch.as_tensor(grid), torch.as_tensor(w))


def _loss_prepared(f: torch.Tensor, prep: tuple, tau: float) -> torch.Tensor:
    m, ids, ps, grid, w = prep
    fy = f[grid]  # (K, N, d)
    w = w.to(f.dtype)
    total = f.new_zeros(())
    for i, (a, p) in enumerate(zip(ids, ps)):
        logits = torch.einsum("md,knd->mkn", f[a], fy) / tau  # (m_i, K, N)
        # -log softmax_i = log(1 + sum_{j != i} exp(l_j - l_i)) = softplus(LSE_{j != i}(l_j - l_i)):
        # exact even when the loss is far below machine epsilon (small tau)
        rel = logits - logits[:, :, i:i + 1]
        rel = torch.cat([rel[:, :, :i], rel[:, :, i + 1:]], dim=2)
        per = torch.nn.functional.softplus(torch.logsumexp(rel, dim=2), threshold=30.0)  # (m_i, K)
        total = total + torch.einsum("m,mk,k->", p.to(f.dtype), per, w)
    return total / len(ids)


def expected_loss_torch(f: torch.Tensor, supports, probs=None, *, tau: float = 1.0) -> torch.Tensor:
    """Exact Eq. (1) for the table ``f`` ``(M, d)`` (rows used as given, unit or not); 0-dim."""
    tau = _check_tau(tau)
    prep = _prepare(supports, probs)
    if f.ndim != 2 or f.shape[0] != prep[0]:
        raise ValueError(f"table must have shape (M, d) = ({prep[0]}, d), got {tuple(f.shape)}")
    return _loss_prepared(f, prep, tau)


def expected_loss(points, supports=None, probs=None, *, tau: float = 1.0) -> float:
    """Exact Eq. (1) of a table ``(M, d)``; ``supports=None`` means single-point supports
    (group ``i`` is point ``i``), where it equals ``contrastive_loss(f / tau, f)``."""
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"points must be an (M, d) array, got shape {x.shape}")
    if supports is None:
        supports = [[i] for i in range(x.shape[0])]
    with torch.no_grad():
        return float(expected_loss_torch(torch.as_tensor(x), supports, probs, tau=tau))


def simplex_loss(n: int, *, tau: float = 1.0) -> float:
    """Closed form of Eq. (1) at the regular simplex (``n <= d + 1``, single-point supports):
    ``log(1 + (n - 1) exp(-n / ((n - 1) tau)))``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"need an integer n >= 2, got {n!r}")
    tau = _check_tau(tau)
    return math.log1p((n - 1) * math.exp(-n / ((n - 1) * tau)))


# ---------------------------------------------------------------------------
# optimization
# ---------------------------------------------------------------------------

@dataclass
class TableResult:
    """An optimized table ``points`` ``(M, d)`` with its exact ``loss`` and the per-start losses."""

    points: np.ndarray
    loss: float
    start_losses: list


def _optimize_from(x0: np.ndarray, prep: tuple, tau: float, maxiter: int) -> tuple[np.ndarray, float]:
    m, d = x0.shape

    def fg(flat):
        z = torch.tensor(flat.reshape(m, d), dtype=torch.float64, requires_grad=True)
        f = z / z.norm(dim=1, keepdim=True)
        # log L has the minimizers of L and stays well scaled when L is tiny (small tau)
        loss = torch.log(_loss_prepared(f, prep, tau))
        loss.backward()
        return float(loss.detach()), z.grad.numpy().ravel().copy()

    res = minimize(fg, x0.ravel(), jac=True, method="L-BFGS-B",
                   options={"maxiter": maxiter, "gtol": 1e-13, "ftol": 1e-16, "maxcor": 30})
    z = res.x.reshape(m, d)
    x = z / np.linalg.norm(z, axis=1, keepdims=True)
    with torch.no_grad():
        return x, float(_loss_prepared(torch.as_tensor(x), prep, tau))


@contextlib.contextmanager
def one_torch_thread():
    """Run torch on one intra-op thread (restored afterwards).  These tensors are tiny: on a
    busy machine torch's thread pool costs ~100x the arithmetic."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@one_blas_thread
def optimize_table(supports, d: int, *, probs=None, tau: float = 1.0, seed: int = 0,
                   restarts: int = 4, maxiter: int = 3000, init=None) -> TableResult:
    """Minimize Eq. (1) over the encoder table (one unit feature per support point).

    ``supports``: ``N`` lists of point ids (see the module docstring); ``probs``: optional
    probabilities; ``restarts`` random starts (plus ``init`` ``(M, d)`` when given); the table
    with the lowest exact loss is returned.
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 2:
        raise ValueError(f"need an integer dimension d >= 2, got {d!r}")
    tau = _check_tau(tau)
    prep = _prepare(supports, probs)
    m = prep[0]
    if isinstance(restarts, bool) or int(restarts) < 1:
        raise ValueError(f"restarts must be a positive integer, got {restarts!r}")
    rng = np.random.default_rng(seed)
    starts = [random_sphere(m, d, rng) for _ in range(int(restarts))]
    if init is not None:
        init = np.asarray(init, dtype=np.float64)
        if init.shape != (m, d):
            raise ValueError(f"init must have shape ({m}, {d}), got {init.shape}")
        starts.insert(0, init)
    best, best_loss, losses = None, math.inf, []
    with one_torch_thread():
        for x0 in starts:
            x, loss = _optimize_from(x0, prep, tau, maxiter)
            losses.append(loss)
            if loss < best_loss:
                best, best_loss = x, loss
    return TableResult(best, best_loss, losses)


def optimal_configuration(n: int, d: int, *, tau: float = 1.0, seed: int = 0,
                          restarts: int = 4, init=None) -> tuple[np.ndarray, float]:
    """``(points (n, d), loss)``: the best table found for ``n`` groups with single-point
    supports, minimizing Eq. (1) (with temperature ``tau``) on S^{d-1}."""
    n, d = _check_n_d(n, d)
    res = optimize_table([[i] for i in range(n)], d, tau=tau, seed=seed, restarts=restarts, init=init)
    return res.points, res.loss


# ---------------------------------------------------------------------------
# geometry of a table: Eq. (3) and Eq. (4)
# ---------------------------------------------------------------------------

def diameters(points, supports) -> np.ndarray:
    """Eq. (3): ``(N,)`` ``max_{s,t in S_i} ||f(s) - f(t)||``."""
    x = np.asarray(points, dtype=np.float64)
    ids, _, _ = _check_supports(supports)
    return np.array([np.linalg.norm(x[a][:, None] - x[a][None], axis=-1).max() for a in ids])


def margins(points, supports) -> np.ndarray:
    """Eq. (4): ``(N, N)`` ``min_{s in S_i, t in S_j} ||f(s) - f(t)||`` (diagonal ``nan``)."""
    x = np.asarray(points, dtype=np.float64)
    ids, _, _ = _check_supports(supports)
    n = len(ids)
    out = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                out[i, j] = np.linalg.norm(x[ids[i]][:, None] - x[ids[j]][None], axis=-1).min()
    return out


# ---------------------------------------------------------------------------
# overlapping supports (Eq. 5)
# ---------------------------------------------------------------------------

def overlap_supports(n_groups: int, m: int, k: int) -> list[list[int]]:
    """Supports of ``n_groups`` groups of ``m`` points each, where groups 0 and 1 share ``k``
    points (``k = 0``: disjoint, ``k = m``: identical) and all other groups are disjoint.

    Ids: group 0 is ``0..m-1``; group 1 is its last ``k`` ids plus ``m - k`` new ones.
    """
    if n_groups < 2 or m < 1 or not 0 <= k <= m:
        raise ValueError(f"need n_groups >= 2, m >= 1 and 0 <= k <= m; got {n_groups}, {m}, {k}")
    groups = [list(range(m))]
    nxt = m
    groups.append(list(range(m - k, m)) + list(range(nxt, nxt + m - k)))
    nxt += m - k
    for _ in range(n_groups - 2):
        groups.append(list(range(nxt, nxt + m)))
        nxt += m
    return groups


def overlap_study(*, n_groups: int = 4, m: int = 4, d: int = 3, tau: float = 1.0, seed: int = 0,
                  restarts: int = 3) -> dict:
    """Optimize the table for every overlap ``k = 0..m`` of groups 0 and 1; measure the
    geometry.  Returns JSON-able results (one row per ``k``):

    * ``private_distance``: ``||mean f(S_0 \\ S_1) - mean f(S_1 \\ S_0)||`` (nan when identical);
    * ``mean_distance``: ``||mean_{S_0} f - mean_{S_1} f||`` between the groups' mean features;
    * ``shared_to_0``, ``shared_to_1``: distance from the shared points' mean feature to each
      group's private mean; ``diameters``; ``margin_01``; ``margin_other``: the smallest margin
      between any other pair of groups; ``loss``.
    """
    rows = []
    for k in range(m + 1):
        sup = overlap_supports(n_groups, m, k)
        res = optimize_table(sup, d, tau=tau, seed=seed + k, restarts=restarts)
        x = res.points
        s0, s1 = set(sup[0]), set(sup[1])
        shared = sorted(s0 & s1)
        p0, p1 = sorted(s0 - s1), sorted(s1 - s0)
        mean = lambda ids: x[ids].mean(axis=0) if ids else np.full(d, np.nan)  # noqa: E731
        c0, c1, cs = mean(p0), mean(p1), mean(shared)
        g0, g1 = x[sup[0]].mean(axis=0), x[sup[1]].mean(axis=0)
        mg = margins(x, sup)
        other = [mg[i, j] for i in range(n_groups) for j in range(n_groups)
                 if i != j and {i, j} != {0, 1}]
        rows.append({
            "k": k, "overlap": k / m, "loss": res.loss,
            "private_distance": float(np.linalg.norm(c0 - c1)) if p0 and p1 else float("nan"),
            "mean_distance": float(np.linalg.norm(g0 - g1)),
            "shared_to_0": float(np.linalg.norm(cs - c0)) if shared and p0 else float("nan"),
            "shared_to_1": float(np.linalg.norm(cs - c1)) if shared and p1 else float("nan"),
            "diameters": diameters(x, sup).tolist(),
            "margin_01": float(mg[0, 1]),
            "margin_other": float(min(other)) if other else float("nan"),
            "points": x.tolist(), "supports": sup,
        })
    return {"n_groups": n_groups, "m": m, "d": d, "tau": tau, "rows": rows}
