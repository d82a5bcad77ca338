"""Feature geometry on the sphere: diameter, margin and the exact perfect-accuracy decision.

A *configuration* ``groups`` is a sequence of ``N >= 2`` arrays of shape ``(m_i, d)`` with unit
rows: group ``i`` is the set of features ``f(S_i)`` of the support ``S_i`` of ``p_i`` (Eq. 2).

The classification task of Eq. (1) (Question 2): for a group ``i``, an anchor ``x`` in group
``i`` and one point ``y_j`` from every group ``j`` (``y_i`` from group ``i`` itself), the logits
are ``x^T y_j`` for ``j = 1..N`` and the target is ``i``.  The prediction is *correct* when the
target logit is the unique largest one; a tie is a failure.  ``f`` has *perfect accuracy* when
every choice ``(i, x, y_1, ..., y_N)`` is correct.

Exact decomposition (proved in the answer key, question 4a)::

    every choice with anchor x in group i is correct
      <=>  min_{y in S_i} x^T y  >  max_{j != i} max_{z in S_j} x^T z.

The choices of ``y_1..y_N`` range over a product set, so the worst ``y_i`` and the worst
negative can be chosen together.  Deciding perfect accuracy therefore costs one Gram matrix,
``O(M^2 d)`` for ``M = sum m_i`` points, instead of ``sum_i m_i prod_j m_j`` enumerated choices.

Arithmetic
----------
* **Exact mode.**  When no coordinate is a float (all are ``fractions.Fraction`` or integers),
  everything is computed with ``Fraction``: unit rows are checked as ``sum x_k^2 == 1`` and ties
  are decided exactly.  Rational points on the circle come from Pythagorean triples
  (:mod:`numerics.rational_circle`).
* **Float mode.**  Otherwise coordinates are float64.  A row is a unit row when
  ``| ||x||^2 - 1 | <= UNIT_TOL``; a choice is correct when its target logit exceeds every other
  logit by more than ``tol`` (default :data:`TIE_TOL`), so gaps within ``tol`` count as ties.

Bad input (a non-unit row, mixed dimensions, an empty group, fewer than two groups, a
non-finite value) raises ``ValueError`` naming the group and the row.
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

#: Float mode: a row ``x`` is a unit row when ``| ||x||^2 - 1 | <= UNIT_TOL``.
UNIT_TOL = 1e-9
#: Float mode: logit gaps ``<= TIE_TOL`` count as ties (failures).  Rounding error of a dot
#: product of unit vectors in float64 is below ``d * 1.2e-16``, far below this.
TIE_TOL = 1e-9


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """A validated configuration.

    ``groups[i]`` is a float64 ``(m_i, d)`` array (float mode) or an object array of
    ``Fraction`` (exact mode); ``points`` stacks all groups ``(M, d)``; ``labels`` ``(M,)``
    gives each point's group; ``starts`` ``(N,)`` the first row of each group in ``points``.
    """

    groups: tuple
    exact: bool
    d: int

    @property
    def N(self) -> int:
        return len(self.groups)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(g) for g in self.groups)

    @property
    def points(self) -> np.ndarray:
        return np.concatenate(self.groups, axis=0)

    @property
    def labels(self) -> np.ndarray:
        return np.repeat(np.arange(self.N), self.sizes)

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(int)

    def local(self, a: int) -> tuple[int, int]:
        """Global row ``a`` of :attr:`points` as ``(group, row within group)``."""
        i = int(np.searchsorted(np.cumsum(self.sizes), a, side="right"))
        return i, int(a - self.starts[i])


def _is_exact_scalar(v) -> bool:
    return isinstance(v, (Fraction, numbers.Integral)) and not isinstance(v, (bool, np.bool_))


def validate(groups: Sequence[Any], *, unit_tol: float = UNIT_TOL) -> Config:
    """Check a configuration and return it as a :class:`Config`.

    Exact mode when no coordinate is a float; float mode otherwise.  Raises ``ValueError``
    naming the group and row for a non-unit row, mixed dimensions, an empty group, fewer than
    two groups or a non-finite value.
    """
    if isinstance(unit_tol, bool) or not isinstance(unit_tol, numbers.Real) or not 0 <= unit_tol < 1:
        raise ValueError(f"unit_tol must be a number in [0, 1), got {unit_tol!r}")
    if isinstance(groups, np.ndarray) and groups.ndim == 3:
        groups = list(groups)
    try:
        groups = list(groups)
    except TypeError:
        raise ValueError(f"a configuration is a sequence of (m_i, d) arrays, got {type(groups).__name__}")
    if len(groups) < 2:
        raise ValueError(f"a configuration needs at least 2 groups, got {len(groups)}")
    if all(isinstance(g, np.ndarray) and g.dtype.kind == "f" for g in groups):
        return _validate_float_arrays(groups, unit_tol)
    rows_per_group = []
    exact = True
    d = None
    for i, g in enumerate(groups):
        if isinstance(g, np.ndarray):
            if g.ndim != 2:
                raise ValueError(f"group {i} must be a 2-D (m_i, d) array, got shape {g.shape}")
            rows = list(g)
        else:
            try:
                rows = list(g)
            except TypeError:
                raise ValueError(f"group {i} must be a sequence of rows, got {type(g).__name__}")
        if len(rows) == 0:
            raise ValueError(f"group {i} is empty; every group needs at least one point")
        parsed = []
        for r, row in enumerate(rows):
            try:
                vals = list(row)
            except TypeError:
                raise ValueError(f"group {i} row {r} is not a vector: {row!r}")
            if d is None:
                d = len(vals)
                if d == 0:
                    raise ValueError(f"group {i} row {r} has dimension 0")
            elif len(vals) != d:
                raise ValueError(f"group {i} row {r} has dimension {len(vals)}, expected {d} "
                                 f"(all rows must share one dimension)")
            for k, v in enumerate(vals):
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, Fraction)):
                    raise ValueError(f"group {i} row {r} coordinate {k} is not a real number: {v!r}")
                if not _is_exact_scalar(v):
                    exact = False
                    if not math.isfinite(float(v)):
                        raise ValueError(f"group {i} row {r} coordinate {k} is not finite: {v!r}")
            parsed.append(vals)
        rows_per_group.append(parsed)

    out = []
    for i, rows in enumerate(rows_per_group):
        if exact:
            arr = np.empty((len(rows), d), dtype=object)
            for r, vals in enumerate(rows):
                fr = [Fraction(int(v)) if isinstance(v, numbers.Integral) else v for v in vals]
                n2 = sum(v * v for v in fr)
                if n2 != 1:
                    raise ValueError(f"group {i} row {r} is not a unit row: ||x||^2 = {n2} exactly, not 1")
                arr[r, :] = fr
        else:
            arr = np.empty((len(rows), d), dtype=np.float64)
            for r, vals in enumerate(rows):
                for k, v in enumerate(vals):
                    try:  # an exact coordinate beside floats is read as a float, if it is one
                        arr[r, k] = float(v)
                    except OverflowError:
                        raise ValueError(f"group {i} row {r} coordinate {k} is too large for float64 "
                                         f"arithmetic (other coordinates are floats): {v}") from None
            _check_unit_float_rows(i, arr, unit_tol)
        out.append(arr)
    return Config(tuple(out), exact, int(d))


def _check_unit_float_rows(i: int, arr: np.ndarray, unit_tol: float) -> None:
    """Raise naming the first row of group ``i`` with | ||x||^2 - 1 | > ``unit_tol``."""
    n2 = np.einsum("rk,rk->r", arr, arr)
    bad = np.flatnonzero(np.abs(n2 - 1.0) > unit_tol)
    if bad.size:
        r = int(bad[0])
        raise ValueError(f"group {i} row {r} is not a unit row: ||x|| = {math.sqrt(n2[r]):.12g} "
                         f"(tolerance | ||x||^2 - 1 | <= {unit_tol:g}); rows are never normalized "
                         f"silently")


def _validate_float_arrays(groups, unit_tol) -> Config:
    """Fast path of :func:`validate` for float numpy arrays."""
    d = None
    out = []
    for i, g in enumerate(groups):
        if g.ndim != 2:
            raise ValueError(f"group {i} must be a 2-D (m_i, d) array, got shape {g.shape}")
        if g.shape[0] == 0:
            raise ValueError(f"group {i} is empty; every group needs at least one point")
        if d is None:
            d = g.shape[1]
            if d == 0:
                raise ValueError(f"group {i} row 0 has dimension 0")
        elif g.shape[1] != d:
            raise ValueError(f"group {i} row 0 has dimension {g.shape[1]}, expected {d} "
                             f"(all rows must share one dimension)")
        g = np.asarray(g, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(g).all(axis=1))
        if bad.size:
            raise ValueError(f"group {i} row {int(bad[0])} has a non-finite value: {g[bad[0]].tolist()}")
        _check_unit_float_rows(i, g, unit_tol)
        out.append(g)
    return Config(tuple(out), False, int(d))


def _config(groups) -> Config:
    return groups if isinstance(groups, Config) else validate(groups)


# --------------------------------------------------------------------------------------------
# Diameter and margin, Eqs. (3) and (4)
# --------------------------------------------------------------------------------------------

def _sqdist_block(a: np.ndarray, b: np.ndarray, exact: bool) -> np.ndarray:
    """Squared distances ``(len(a), len(b))``, by direct differences (no cancellation)."""
    if exact:
        out = np.empty((len(a), len(b)), dtype=object)
        for s in range(len(a)):
            for t in range(len(b)):
                out[s, t] = sum((p - q) * (p - q) for p, q in zip(a[s], b[t]))
        return out
    diff = a[:, None, :] - b[None, :, :]
    return np.einsum("stk,stk->st", diff, diff)


def _argmax2(block: np.ndarray, *, largest: bool) -> tuple[int, int]:
    flat = list(block.ravel())
    idx = max(range(len(flat)), key=flat.__getitem__) if largest else min(range(len(flat)), key=flat.__getitem__)
    return divmod(idx, block.shape[1])


def diameter(groups, *, squared: bool = False) -> np.ndarray:
    """Eq. (3): ``diameter_i = max_{s,t in S_i} ||f(s) - f(t)||_2``, shape ``(N,)``.

    Float64 array.  With ``squared=True`` the squared diameters; in exact mode these are
    exact ``Fraction`` values (object array).
    """
    cfg = _config(groups)
    vals = [_sqdist_block(g, g, cfg.exact).max() for g in cfg.groups]
    return _finish(vals, cfg.exact, squared)


def margin(groups, *, squared: bool = False) -> np.ndarray:
    """Eq. (4): ``margin_{i->j} = min_{s in S_i, t in S_j} ||f(s) - f(t)||_2``, shape ``(N, N)``.

    Symmetric; the diagonal is unused and holds NaN (``None`` for exact squared values).
    Float64 array, or with ``squared=True`` the squared margins (exact ``Fraction`` in exact mode).
    """
    cfg = _config(groups)
    N = cfg.N
    out = np.empty((N, N), dtype=object)
    for i in range(N):
        out[i, i] = None
        for j in range(i + 1, N):
            out[i, j] = out[j, i] = _sqdist_block(cfg.groups[i], cfg.groups[j], cfg.exact).min()
    if cfg.exact and squared:
        return out
    res = np.full((N, N), np.nan)
    for i in range(N):
        for j in range(N):
            if i != j:
                v = float(out[i, j])
                res[i, j] = v if squared else math.sqrt(max(v, 0.0))
    return res


def _finish(vals, exact, squared):
    if exact and squared:
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        return arr
    v = np.array([float(x) for x in vals])
    return v if squared else np.sqrt(np.maximum(v, 0.0))


def diameter_witnesses(groups) -> list[tuple[int, int]]:
    """For each group, a pair of row indices ``(s, t)`` attaining its diameter."""
    cfg = _config(groups)
    return [_argmax2(_sqdist_block(g, g, cfg.exact), largest=True) for g in cfg.groups]


def margin_witnesses(groups) -> dict[tuple[int, int], tuple[int, int]]:
    """For each pair ``i < j``, row indices ``(s, t)``, s in group i and t in group j, attaining
    ``margin_{i->j}``."""
    cfg = _config(groups)
    out = {}
    for i in range(cfg.N):
        for j in range(i + 1, cfg.N):
            out[(i, j)] = _argmax2(_sqdist_block(cfg.groups[i], cfg.groups[j], cfg.exact), largest=False)
    return out


# Conditions of the form "diameter < margin", compared exactly through squared values.

def diameter_below_every_margin(groups) -> bool:
    """``for all i != j: diameter_i < margin_{i->j}``."""
    cfg = _config(groups)
    D, M = diameter(cfg, squared=True), margin(cfg, squared=True)
    return all(D[i] < M[i, j] for i in range(cfg.N) for j in range(cfg.N) if i != j)


def diameter_below_some_margin(groups) -> bool:
    """``for all i there is j != i with diameter_i < margin_{i->j}``."""
    cfg = _config(groups)
    D, M = diameter(cfg, squared=True), margin(cfg, squared=True)
    return all(any(D[i] < M[i, j] for j in range(cfg.N) if j != i) for i in range(cfg.N))


def some_diameter_below_all_margins(groups) -> bool:
    """``there is i* with diameter_{i*} < min_{i != j} margin_{i->j}``."""
    cfg = _config(groups)
    D, M = diameter(cfg, squared=True), margin(cfg, squared=True)
    m = min(M[i, j] for i in range(cfg.N) for j in range(cfg.N) if i != j)
    return any(D[i] < m for i in range(cfg.N))


# --------------------------------------------------------------------------------------------
# The decision
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """Result of :func:`decide`.

    For every point ``a`` (global row of the stacked ``(M, d)`` points, group ``labels[a]``):
    ``min_pos[a] = min_{y in own group} x_a^T y`` (argmin ``pos_arg[a]``, a row in the own group),
    ``max_neg[a] = max_{j != i, z in S_j} x_a^T z`` (attained in group ``neg_group[a]`` at row
    ``neg_arg[a]``), and ``gap[a] = min_pos[a] - max_neg[a]``.  The anchor ``a`` is safe when
    ``gap[a] > tol`` (``tol = 0`` in exact mode).
    """

    perfect: bool
    failure: tuple | None
    gap: np.ndarray
    min_pos: np.ndarray
    max_neg: np.ndarray
    pos_arg: np.ndarray
    neg_group: np.ndarray
    neg_arg: np.ndarray
    tol: float
    exact: bool
    worst: int


def _dots_exact(cfg: Config) -> np.ndarray:
    P = cfg.points
    M = len(P)
    G = np.empty((M, M), dtype=object)
    for a in range(M):
        for b in range(a, M):
            G[a, b] = G[b, a] = sum(p * q for p, q in zip(P[a], P[b]))
    return G


def decide(groups, *, tol: float = TIE_TOL, chunk: int = 2048) -> Decision:
    """The exact decomposition: per anchor, the smallest positive logit against the largest
    negative logit.  ``O(M^2 d)`` time, ``O(chunk * M)`` memory.

    Returns a :class:`Decision`; ``failure`` is ``(i, x, ys)`` for the worst anchor when it fails
    (see :func:`find_failure`).  ``tol`` is ignored in exact mode (ties decided exactly).
    """
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < math.inf:
        raise ValueError(f"tol must be a finite non-negative number, got {tol!r}")
    cfg = _config(groups)
    N, sizes, starts = cfg.N, np.array(cfg.sizes), cfg.starts
    labels = cfg.labels
    M = len(labels)
    if cfg.exact:
        tol_eff = 0
        G = _dots_exact(cfg)
        min_pos = np.empty(M, dtype=object)
        max_neg = np.empty(M, dtype=object)
        pos_arg = np.zeros(M, dtype=int)
        neg_group = np.zeros(M, dtype=int)
        neg_arg = np.zeros(M, dtype=int)
        for a in range(M):
            i = labels[a]
            own = range(starts[i], starts[i] + sizes[i])
            b = min(own, key=lambda b: G[a, b])
            min_pos[a], pos_arg[a] = G[a, b], b - starts[i]
            others = [b for b in range(M) if labels[b] != i]
            b = max(others, key=lambda b: G[a, b])
            max_neg[a] = G[a, b]
            neg_group[a], neg_arg[a] = labels[b], b - starts[labels[b]]
        gap = np.empty(M, dtype=object)
        gap[:] = [p - n for p, n in zip(min_pos, max_neg)]
        worst = min(range(M), key=lambda a: gap[a])
    else:
        tol_eff = float(tol)
        P = cfg.points
        min_pos = np.empty(M)
        max_neg = np.empty(M)
        pos_arg = np.empty(M, dtype=int)
        neg_group = np.empty(M, dtype=int)
        neg_arg = np.empty(M, dtype=int)
        for i in range(N):
            s_i, e_i = int(starts[i]), int(starts[i] + sizes[i])
            for lo in range(s_i, e_i, chunk):
                hi = min(e_i, lo + chunk)
                G = P[lo:hi] @ P.T                                    # (c, M) logits
                own = G[:, s_i:e_i]
                pos_arg[lo:hi] = np.argmin(own, axis=1)
                min_pos[lo:hi] = own[np.arange(hi - lo), pos_arg[lo:hi]]
                own[...] = -np.inf                                    # negatives only
                b = np.argmax(G, axis=1)
                max_neg[lo:hi] = G[np.arange(hi - lo), b]
                neg_group[lo:hi] = labels[b]
                neg_arg[lo:hi] = b - starts[labels[b]]
        gap = min_pos - max_neg
        worst = int(np.argmin(gap))
    perfect = bool(gap[worst] > tol_eff)
    failure = None
    if not perfect:
        failure = _failure_for(cfg, worst, pos_arg, neg_group, neg_arg, labels, starts)
    return Decision(perfect, failure, gap, min_pos, max_neg, pos_arg, neg_group, neg_arg,
                    tol_eff, cfg.exact, worst)


def _failure_for(cfg, a, pos_arg, neg_group, neg_arg, labels, starts):
    """The failing choice for anchor ``a``: the farthest positive ``y_i``, the closest negative
    in group ``j*``; every other ``y_j`` is its group's point with the largest logit."""
    i = int(labels[a])
    x = int(a - starts[i])
    xa = cfg.groups[i][x]
    ys = []
    for j in range(cfg.N):
        if j == i:
            ys.append(int(pos_arg[a]))
        elif j == neg_group[a]:
            ys.append(int(neg_arg[a]))
        elif cfg.exact:
            dots = [sum(p * q for p, q in zip(xa, z)) for z in cfg.groups[j]]
            ys.append(int(max(range(len(dots)), key=dots.__getitem__)))
        else:
            ys.append(int(np.argmax(cfg.groups[j] @ xa)))
    return (i, x, tuple(ys))


def perfect_accuracy(groups, *, tol: float = TIE_TOL) -> bool:
    """Whether every choice of ``i``, ``x_i in S_i`` and ``y_j in S_j`` (all ``j``) has the
    target ``i`` as the unique largest logit (Question 4; a tie is a failure)."""
    return decide(groups, tol=tol).perfect


def find_failure(groups, *, tol: float = TIE_TOL):
    """A failing choice ``(i, x, ys)`` or ``None``: ``i`` the target group, ``x`` the anchor's
    row in group ``i``, ``ys`` a length-``N`` tuple with ``ys[j]`` the row of ``y_j`` in group
    ``j``.  The choice returned is the worst one (smallest target-minus-best-other logit gap)."""
    return decide(groups, tol=tol).failure


# --------------------------------------------------------------------------------------------
# Brute-force reference
# --------------------------------------------------------------------------------------------

def logits(groups, i: int, x: int, ys: Sequence[int]) -> list:
    """The logits ``[x^T y_1, ..., x^T y_N]`` (Eq. 1) of one choice, by explicit sums."""
    cfg = _config(groups)
    xa = cfg.groups[i][x]
    out = []
    for j, r in enumerate(ys):
        z = cfg.groups[j][r]
        if cfg.exact:
            out.append(sum(p * q for p, q in zip(xa, z)))
        else:
            out.append(math.fsum(float(p) * float(q) for p, q in zip(xa, z)))
    return out


def is_correct(groups, i: int, x: int, ys: Sequence[int], *, tol: float = TIE_TOL) -> bool:
    """Whether the choice ``(i, x, ys)`` is predicted correctly: ``z_i - z_j > tol`` for every
    ``j != i`` (``tol = 0`` in exact mode)."""
    cfg = _config(groups)
    if len(ys) != cfg.N:
        raise ValueError(f"ys must give one row per group ({cfg.N}), got {len(ys)}")
    z = logits(cfg, i, x, ys)
    t = 0 if cfg.exact else tol
    return all(z[i] - z[j] > t for j in range(cfg.N) if j != i)


def count_choices(sizes: Sequence[int]) -> int:
    """Number of choices ``sum_i m_i prod_j m_j`` that brute force enumerates."""
    return sum(sizes) * math.prod(sizes)


def find_failure_bruteforce(groups, *, tol: float = TIE_TOL):
    """Enumerate every choice; return the first failing ``(i, x, ys)`` in lexicographic order,
    or ``None``.  Cost ``sum_i m_i prod_j m_j`` choices: the reference for small cases only."""
    cfg = _config(groups)
    for i in range(cfg.N):
        for x in range(cfg.sizes[i]):
            for ys in itertools.product(*(range(m) for m in cfg.sizes)):
                if not is_correct(cfg, i, x, ys, tol=tol):
                    return (i, x, tuple(ys))
    return None


def perfect_accuracy_bruteforce(groups, *, tol: float = TIE_TOL) -> bool:
    """Brute-force reference for :func:`perfect_accuracy`."""
    return find_failure_bruteforce(groups, tol=tol) is None
