"""The overlap energy of Tammes' feasibility problem, compiled: a neighbour list and L-BFGS.

Terms.  For a target angle ``theta_t`` (``cos_t = cos theta_t``) and rows ``y`` ``(n, d)``, let
``z_i = y_i / ||y_i||`` and ``c_ij = z_i^T z_j``.  The overlap energy is

    E(y) = sum_{i<j} v_ij^2,   v_ij = max(0, (c_ij - cos_t) / (1 - cos_t)),

zero exactly when every pair is at least ``theta_t`` apart (a packing at the target).  Its
gradient is ``dE/dy_i = (I - z_i z_i^T) g_i / ||y_i||`` with ``g_i = 2/(1 - cos_t) sum_j v_ij z_j``.

Why compiled.  The basin hops of :func:`numerics.tammes.tammes_search` are about a thousand
L-BFGS iterations each, on a few hundred variables; through scipy most of an iteration is
interpreter overhead (``bench/tammes.py --part relax``).  The search spends the hops this
buys on several chains (``numerics.tammes.CHAINS``).

Stages.

1. **Neighbour list** (:func:`_energy_grad`).  Only pairs closer than ``(1 + skin) theta_t``
   can overlap until some point has moved by ``skin theta_t / 2``, so the list is rebuilt
   (over all pairs) only then.  The sum runs over the listed pairs in the order of the full double
   loop, so the energy is bit for bit that of the full loop.
2. **L-BFGS** (:func:`overlap_lbfgs`).  Two-loop recursion with ``m`` pairs, a backtracking
   (Armijo) line search from the unit step, the first step scaled to move the largest
   coordinate by ``1e-3``; pairs with ``s^T y <= 0`` are not stored.  It stops at zero energy,
   at a gradient below ``1e-16``, when a step lowers the energy by at most ``1e-22`` (the
   tolerances of the scipy relaxation it replaces: a feasible chain must reach zero), when the
   line search fails, after ``maxiter`` iterations, or when it stalls: the last
   ``STALL_WINDOW`` iterations lowered the energy by at most ``STALL_RTOL`` of itself.  A descent
   to zero keeps falling by a fixed fraction and is not cut; a positive minimum is, once its
   energy is known to a fraction ``STALL_RTOL`` per window, enough to rank it.

The reference (last section): :func:`overlap_energy` in numpy over all pairs, and
:func:`overlap_relax_scipy`, the same minimization by scipy's L-BFGS-B (the relaxation this
module replaced); the tests hold the compiled code to them, and ``bench/tammes.py --part relax``
times them side by side.

Deterministic: on one machine the same input gives the same output bit for bit (no threads,
no fastmath).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy.optimize import minimize

__all__ = [
    "overlap_energy",
    "overlap_energy_grad",
    "overlap_energy_grad_numpy",
    "overlap_lbfgs",
    "overlap_relax_scipy",
]

#: The neighbour list's skin, relative to the target angle.
SKIN = 0.3
#: The L-BFGS stops after ``MAXITER`` iterations, or when the last ``STALL_WINDOW`` iterations
#: lowered the energy by at most ``STALL_RTOL`` of itself (stalled at a positive minimum).  Near
#: jamming the energy falls slowly: with a cap of 2000 iterations and no stall rule, 28% of the
#: hops of an N = 120 search hit the cap, and a sixth of those reached zero energy (a better
#: packing) within 20000 iterations.  On a third of that search's hops (365), the cap of 2000
#: found 18 packings in 7.7 s, 20000 iterations found 27 in 10.5 s, and this rule 27 in 7.9 s
#: (at N = 86, seed 0: 13 against 14, in 6.5 s against 8.5 s).  The search with this rule
#: reached 115 of the 129 best known packings N = 2..130 at seed 0 against 107 with the cap
#: of 2000, and 27 of 30 against 25 at N = 46, 52, ..., 130, seeds 1-2 (``bench/tammes.py``).
MAXITER = 10_000
STALL_WINDOW = 100
STALL_RTOL = 1e-3


# ---------------------------------------------------------------------------
# stage 1: the energy over a neighbour list
# ---------------------------------------------------------------------------

@numba.njit(cache=True)
def _normalize(y, z, nr):
    n, d = y.shape
    for i in range(n):
        s = 0.0
        for k in range(d):
            s += y[i, k] * y[i, k]
        nr[i] = math.sqrt(s)
        for k in range(d):
            z[i, k] = y[i, k] / nr[i]


@numba.njit(cache=True)
def _build_list(z, cos_list, pairs):
    """Pairs ``i < j`` with ``c_ij > cos_list``, in row order, ended by ``-1``; grows ``pairs``."""
    n, d = z.shape
    m = 0
    for i in range(n):
        for j in range(i + 1, n):
            c = 0.0
            for k in range(d):
                c += z[i, k] * z[j, k]
            if c > cos_list:
                if m + 1 >= pairs.shape[0]:
                    pairs = np.concatenate((pairs, np.full_like(pairs, -1)))
                pairs[m, 0] = i
                pairs[m, 1] = j
                m += 1
    pairs[m, 0] = -1
    return pairs


@numba.njit(cache=True)
def _energy_grad(y, cos_t, g, pairs, z_built, cos_list, moved2, z, nr, gz):
    """``E(y)``; writes ``dE/dy`` into ``g`` ``(n, d)``.  Returns ``(E, pairs)`` (the list may
    have been rebuilt, at the positions ``z_built``)."""
    n, d = y.shape
    w = 1.0 / (1.0 - cos_t)
    _normalize(y, z, nr)
    rebuild = False
    for i in range(n):
        s = 0.0
        for k in range(d):
            s += (z[i, k] - z_built[i, k]) ** 2
        if s > moved2:
            rebuild = True
            break
    if rebuild:
        pairs = _build_list(z, cos_list, pairs)
        z_built[:, :] = z
    gz[:, :] = 0.0
    e = 0.0
    p = 0
    while pairs[p, 0] >= 0:
        i = pairs[p, 0]
        j = pairs[p, 1]
        p += 1
        c = 0.0
        for k in range(d):
            c += z[i, k] * z[j, k]
        if c > cos_t:
            v = (c - cos_t) * w
            e += v * v
            f = 2.0 * w * v
            for k in range(d):
                gz[i, k] += f * z[j, k]
                gz[j, k] += f * z[i, k]
    for i in range(n):
        r = 0.0
        for k in range(d):
            r += gz[i, k] * z[i, k]
        for k in range(d):
            g[i, k] = (gz[i, k] - r * z[i, k]) / nr[i]
    return e, pairs


@numba.njit(cache=True)
def _list_params(cos_t, skin):
    theta = math.acos(cos_t)
    # the list holds the pairs within (1 + skin) theta_t; a point that moved by a chord below
    # 0.45 skin theta_t moved by an arc below skin theta_t / 2 (an arc exceeds its chord by a
    # factor below 1.1 here), so a pair left out is still beyond theta_t
    return math.cos(min(math.pi, theta + skin * theta)), (0.45 * skin * theta) ** 2


def overlap_energy_grad(y: np.ndarray, cos_t: float) -> tuple[float, np.ndarray]:
    """``(E(y), dE/dy)`` for rows ``y`` ``(n, d)`` (not necessarily unit), by the compiled kernel."""
    y = np.ascontiguousarray(y, dtype=np.float64)
    n = y.shape[0]
    g = np.empty_like(y)
    cos_list, moved2 = _list_params(cos_t, SKIN)
    pairs = np.full((8 * n + 2, 2), -1, np.int64)
    e, _ = _energy_grad(y, cos_t, g, pairs, np.full_like(y, np.inf), cos_list, moved2,
                        np.empty_like(y), np.empty(n), np.empty_like(y))
    return e, g


# ---------------------------------------------------------------------------
# stage 2: L-BFGS
# ---------------------------------------------------------------------------

@numba.njit(cache=True)
def _dot(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        for k in range(a.shape[1]):
            s += a[i, k] * b[i, k]
    return s


@numba.njit(cache=True)
def _axpy(a, x, y):
    """``y += a x`` in place (array expressions would allocate a temporary each iteration).
    Over the flat rows (contiguous): one loop vectorizes, where a loop over the ``d`` columns
    inside one over the rows did not; an L-BFGS iteration took 9.8 us against 13.2 at N = 100 and
    12.2 against 16.3 at N = 125 on S^2 (the same jiggled packings, in one process), with the
    same result, element by element."""
    x = x.reshape(x.size)  # a view: reshape refuses a non-contiguous array instead of copying
    y = y.reshape(y.size)
    for t in range(x.shape[0]):
        y[t] += a * x[t]


@numba.njit(cache=True)
def _lbfgs(x0, cos_t, maxiter, m, skin, window, rtol):
    n, d = x0.shape
    recent = np.zeros(window + 1)  # the energies of the last window + 1 iterations (a ring)
    cos_list, moved2 = _list_params(cos_t, skin)
    pairs = np.full((8 * n + 2, 2), -1, np.int64)
    z_built = np.full_like(x0, np.inf)  # infinitely far: the first call builds the list
    z = np.empty_like(x0)
    nr = np.empty(n)
    gz = np.empty_like(x0)
    x = x0.copy()
    g = np.empty_like(x0)
    f, pairs = _energy_grad(x, cos_t, g, pairs, z_built, cos_list, moved2, z, nr, gz)
    s_mem = np.zeros((m, n, d))
    y_mem = np.zeros((m, n, d))
    rho = np.zeros(m)
    alpha = np.zeros(m)
    q = np.empty_like(x0)
    xn = np.empty_like(x0)
    gn = np.empty_like(x0)
    head = 0
    stored = 0
    it = 0
    while it < maxiter and f > 0.0:
        gmax = 0.0
        for i in range(n):
            for k in range(d):
                gmax = max(gmax, abs(g[i, k]))
        if gmax <= 1e-16:
            break
        # two-loop recursion: q = H g
        q[:, :] = g
        for t in range(stored):
            b = (head - 1 - t) % m
            alpha[b] = rho[b] * _dot(s_mem[b], q)
            _axpy(-alpha[b], y_mem[b], q)
        if stored > 0:
            b = (head - 1) % m
            gamma = _dot(s_mem[b], y_mem[b]) / _dot(y_mem[b], y_mem[b])
        else:
            gamma = 1e-3 / gmax
        q *= gamma
        for t in range(stored - 1, -1, -1):
            b = (head - 1 - t) % m
            beta = rho[b] * _dot(y_mem[b], q)
            _axpy(alpha[b] - beta, s_mem[b], q)
        slope = -_dot(g, q)
        if slope >= 0.0:  # not a descent direction: forget the memory, steepest descent
            stored = 0
            q[:, :] = g * (1e-3 / gmax)
            slope = -_dot(g, q)
        # backtracking line search along -q
        step = 1.0
        ok = False
        fn = f
        for _ in range(40):
            xn[:, :] = x
            _axpy(-step, q, xn)
            fn, pairs = _energy_grad(xn, cos_t, gn, pairs, z_built, cos_list, moved2, z, nr, gz)
            if fn <= f + 1e-4 * step * slope:
                ok = True
                break
            step *= 0.5
        if not ok:
            break
        s_mem[head] = xn
        _axpy(-1.0, x, s_mem[head])
        y_mem[head] = gn
        _axpy(-1.0, g, y_mem[head])
        sy = _dot(s_mem[head], y_mem[head])
        if sy > 0.0:
            rho[head] = 1.0 / sy
            head = (head + 1) % m
            stored = min(stored + 1, m)
        decrease = f - fn
        x[:, :] = xn
        g[:, :] = gn
        f = fn
        it += 1
        if decrease <= 1e-22:
            break
        # stalled: the last window iterations lowered the energy by at most rtol of itself
        recent[it % (window + 1)] = f
        if it > window and recent[(it - window) % (window + 1)] - f <= rtol * f:
            break
    _normalize(x, z, nr)
    return z, f, it


def overlap_lbfgs(x: np.ndarray, cos_t: float, *, maxiter: int | None = None, memory: int = 10,
                  skin: float = SKIN, stall_window: int | None = None,
                  stall_rtol: float | None = None) -> tuple[np.ndarray, float, int]:
    """Minimize the overlap energy from rows ``x`` ``(n, d)``; returns the unit rows ``(n, d)``,
    the energy and the number of L-BFGS iterations.  ``skin``: the neighbour list's margin,
    relative to the target angle (any positive value gives the same result; it sets only how
    often the list is rebuilt).  ``maxiter``, ``stall_window``, ``stall_rtol``: the iteration cap
    and the stall rule (stop when ``stall_window`` iterations lowered the energy by at most
    ``stall_rtol`` of itself; ``stall_rtol = 0`` never stalls); None reads ``MAXITER``,
    ``STALL_WINDOW`` and ``STALL_RTOL`` at the call."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    maxiter = MAXITER if maxiter is None else maxiter
    stall_window = STALL_WINDOW if stall_window is None else stall_window
    stall_rtol = STALL_RTOL if stall_rtol is None else stall_rtol
    if not (-1.0 < cos_t < 1.0):
        raise ValueError(f"cos_t must lie in (-1, 1), got {cos_t!r}")
    if not skin > 0:
        raise ValueError(f"skin must be positive, got {skin!r}")
    if memory < 1 or maxiter < 0:
        raise ValueError(f"need memory >= 1 and maxiter >= 0, got {memory!r} and {maxiter!r}")
    if stall_window < 1 or not (stall_rtol >= 0 and math.isfinite(stall_rtol)):
        raise ValueError(f"need stall_window >= 1 and a finite stall_rtol >= 0, got {stall_window!r} "
                         f"and {stall_rtol!r}")
    z, e, it = _lbfgs(x, float(cos_t), int(maxiter), int(memory), float(skin), int(stall_window),
                      float(stall_rtol))
    return z, float(e), int(it)


# ---------------------------------------------------------------------------
# reference: numpy over all pairs, and scipy's L-BFGS-B
# ---------------------------------------------------------------------------

def overlap_energy(x: np.ndarray, cos_target: float) -> tuple[float, np.ndarray]:
    """The overlap energy at the target angle ``theta_t`` and its Euclidean gradient.

    ``E(x) = sum_{i<j} v_ij^2`` with ``v_ij = max(0, (x_i^T x_j - cos theta_t) / (1 - cos theta_t))``
    for unit rows ``x`` ``(n, d)``; returns ``(E, dE/dx (n, d))``.  ``E`` is zero exactly when
    every pair is at least ``theta_t`` apart, and continuously differentiable.
    """
    w = 1.0 / (1.0 - cos_target)
    c = x @ x.T
    np.fill_diagonal(c, -2.0)  # below every cosine: a point never overlaps itself
    v = np.maximum(0.0, (c - cos_target) * w)
    # each unordered pair appears twice in v: E = 1/2 sum_{i != j}, dE/dx_i = 2 w sum_j v_ij x_j
    return 0.5 * float(np.sum(v * v)), (2.0 * w) * (v @ x)


def overlap_energy_grad_numpy(y: np.ndarray, cos_t: float) -> tuple[float, np.ndarray]:
    """:func:`overlap_energy_grad` in numpy over all pairs: :func:`overlap_energy` of
    ``z = y / ||y||`` with the chain rule through the normalization."""
    nr = np.linalg.norm(y, axis=1, keepdims=True)
    z = y / nr
    e, gz = overlap_energy(z, cos_t)
    gz = gz - np.sum(gz * z, axis=1, keepdims=True) * z
    return e, gz / nr


def overlap_relax_scipy(x: np.ndarray, cos_t: float, *,
                        maxiter: int = 2000) -> tuple[np.ndarray, float]:
    """:func:`overlap_lbfgs` by scipy's L-BFGS-B on :func:`overlap_energy` (rows parametrized as
    ``y_i / ||y_i||``, the same tolerances); ``(n, d) -> ((n, d), E)``."""
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape

    def fg(flat):
        e, g = overlap_energy_grad_numpy(flat.reshape(n, d), cos_t)
        return e, g.ravel()

    res = minimize(fg, x.ravel(), jac=True, method="L-BFGS-B",
                   options={"maxiter": maxiter, "gtol": 1e-16, "ftol": 1e-22})
    y = res.x.reshape(n, d)
    return y / np.linalg.norm(y, axis=1, keepdims=True), float(res.fun)
