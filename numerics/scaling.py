"""Normalization and scale in the contrastive loss of Eq. (1).

* configurations: the regular simplex, and groups of points (finite supports S_i, Eq. (2));
* the exact expectation of Eq. (1) over all draws for finite, equal-size, uniform supports;
* the loss of a configuration scaled by r, stable (log-softmax) and naive (explicit exp);
* the dtype's overflow point of the naive form, and how gradients vanish as the loss saturates;
* gradient descent on an unnormalized encoder table (norms grow while the loss falls).

Shapes: a configuration of groups is a ``(N, m, d)`` tensor (N groups, m points each, d dims).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from .losses import diagonal_cross_entropy, diagonal_cross_entropy_naive

__all__ = [
    "simplex", "all_draw_logits", "expected_loss", "accuracy", "min_margin", "scaled_losses",
    "overflow_logit", "naive_vs_stable", "gradient_vs_scale", "fit_exponential_rate",
    "optimize_table", "SPHERE", "FREE",
]

SPHERE, FREE = "sphere", "free"


def simplex(n: int, d: int | None = None) -> np.ndarray:
    """``(n, d)`` float64 unit rows with pairwise dot products ``-1/(n-1)`` (needs ``d >= n-1``)."""
    if n < 2:
        raise ValueError(f"a simplex needs n >= 2 points, got n = {n}")
    d = n - 1 if d is None else d
    if d < n - 1:
        raise ValueError(f"a regular simplex of {n} points needs d >= {n - 1}, got d = {d}")
    e = np.eye(n) - 1.0 / n  # rows sum to zero: they span an (n-1)-dim subspace
    q, _ = np.linalg.qr(e.T)  # orthonormal basis of R^n; first n-1 columns span the rows
    coords = e @ q[:, : n - 1]
    coords /= np.linalg.norm(coords, axis=1, keepdims=True)
    out = np.zeros((n, d))
    out[:, : n - 1] = coords
    return out


def _check_groups(groups: torch.Tensor) -> torch.Tensor:
    if not isinstance(groups, torch.Tensor):
        groups = torch.as_tensor(np.asarray(groups, dtype=np.float64))
    if groups.ndim != 3:
        raise ValueError(f"groups must be an (N, m, d) tensor, got shape {tuple(groups.shape)}")
    if groups.shape[0] < 2:
        raise ValueError(f"need N >= 2 groups, got N = {groups.shape[0]}")
    if not bool(torch.isfinite(groups.detach()).all()):
        raise ValueError("groups has non-finite values")
    return groups


def all_draw_logits(groups: torch.Tensor) -> torch.Tensor:
    """Logits of every classification question of Eq. (1) with finite uniform supports.

    ``groups``: ``(N, m, d)``, group i = the m points of S_i (each drawn with probability 1/m).
    Row i of a question depends on ``x_i`` and on ``(y_1..y_N)``; returns ``(N, m, m^N, N)``:
    ``[i, a, b, j] = f(x_i = S_i[a])^T f(y_j = S_j[combo_b[j]])``.
    """
    groups = _check_groups(groups)
    n, m, _ = groups.shape
    combos = torch.tensor(list(itertools.product(range(m), repeat=n)), dtype=torch.long)  # (m^N, N)
    ys = groups[torch.arange(n)[None, :], combos]  # (m^N, N, d)
    return torch.einsum("iad,bjd->iabj", groups, ys)


def expected_loss(groups: torch.Tensor) -> torch.Tensor:
    """Eq. (1) exactly: the mean over i, x_i in S_i and all (y_1..y_N) of the row loss.

    ``groups``: ``(N, m, d)``.  Differentiable; a 0-dim tensor.
    """
    logits = all_draw_logits(groups)
    n = logits.shape[0]
    pos = logits[torch.arange(n), :, :, torch.arange(n)]  # (N, m, m^N)
    gaps = logits - pos.unsqueeze(-1)
    target = torch.eye(n, dtype=torch.bool)[:, None, None, :]  # [i, ..., j] = (i == j)
    z = torch.logsumexp(gaps.masked_fill(target, float("-inf")), dim=-1)
    # row loss = log(1 + sum_{j != i} e^{gap_ij}) = softplus(z): precise for tiny losses
    return torch.nn.functional.softplus(z, beta=1.0, threshold=40.0).mean()


def accuracy(groups: torch.Tensor) -> float:
    """Fraction of all questions of Eq. (1) whose largest logit is uniquely the target."""
    logits = all_draw_logits(groups).detach()
    n = logits.shape[0]
    pos = logits[torch.arange(n), :, :, torch.arange(n)]
    others = logits.clone()
    others[torch.arange(n), :, :, torch.arange(n)] = -torch.inf
    return float((pos > others.amax(dim=-1)).double().mean())


def min_margin(groups: torch.Tensor) -> float:
    """The smallest ``a_ii - a_ij`` (j != i) over all questions of Eq. (1); > 0 iff perfect accuracy."""
    logits = all_draw_logits(groups).detach()
    n = logits.shape[0]
    pos = logits[torch.arange(n), :, :, torch.arange(n)]
    gaps = pos.unsqueeze(-1) - logits
    gaps[torch.arange(n), :, :, torch.arange(n)] = torch.inf
    return float(gaps.min())


def scaled_losses(points: np.ndarray, scales, *, dtype=torch.float64) -> dict:
    """Eq. (1) of the configuration ``r * points`` (``f(x_i) = f(y_i) = r u_i``) for each r.

    ``points``: ``(N, d)``.  Returns ``{"scale", "stable", "naive"}`` lists (non-finite as nan/inf).
    """
    u = torch.as_tensor(np.asarray(points, dtype=np.float64)).to(dtype)
    stable, naive = [], []
    for r in scales:
        logits = (r * u) @ (r * u).T
        stable.append(float(diagonal_cross_entropy(logits)))
        with np.errstate(all="ignore"):
            naive.append(float(diagonal_cross_entropy_naive(logits)))
    return {"scale": [float(r) for r in scales], "stable": stable, "naive": naive}


def overflow_logit(dtype=torch.float32, n: int = 3, *, hi: float = 1e5, iters: int = 80) -> dict:
    """The largest logit at which the naive Eq. (1) of the scaled n-simplex is still finite.

    Bisection on ``s = r^2`` (the positive logit).  Predicted: ``log(finfo(dtype).max)``
    (88.72 for float32, 709.78 for float64), where ``exp`` overflows.
    """
    u = torch.as_tensor(simplex(n)).to(dtype)

    def finite(s):
        return math.isfinite(float(diagonal_cross_entropy_naive(s * (u @ u.T))))

    lo = 1.0
    if not finite(lo) or finite(hi):
        raise ValueError(f"no overflow bracket in [{lo}, {hi}] for {dtype}")
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if finite(mid) else (lo, mid)
    return {"dtype": str(dtype).replace("torch.", ""), "measured": lo,
            "predicted": math.log(torch.finfo(dtype).max)}


def naive_vs_stable(logit_scales, fx=None, fy=None, *, n: int = 3) -> dict:
    """Stable and naive Eq. (1) of the features ``sqrt(s) fx``, ``sqrt(s) fy`` (logits ``s fx fy^T``)
    in float32 and float64, for each ``s`` in ``logit_scales``.

    ``fx, fy``: ``(N, d)`` unit rows; default: the regular n-simplex for both, whose closed form
    ``log(1 + (n-1) exp(-s n/(n-1)))`` is returned as ``closed_form``.  ``reference`` is the
    float64 stable loss.  Non-finite values are kept (as nan / inf).
    """
    if fx is None:
        fx = fy = simplex(n)
        closed = [math.log1p((n - 1) * math.exp(-s * n / (n - 1))) for s in logit_scales]
    else:
        closed = None
    fx64 = torch.as_tensor(np.asarray(fx, dtype=np.float64))
    fy64 = torch.as_tensor(np.asarray(fy, dtype=np.float64))
    out = {"logit": [float(s) for s in logit_scales]}
    if closed is not None:
        out["closed_form"] = closed
    for dt in (torch.float32, torch.float64):
        gram = fx64.to(dt) @ fy64.to(dt).T
        st, nv = [], []
        for s in logit_scales:
            logits = s * gram
            st.append(float(diagonal_cross_entropy(logits)))
            nv.append(float(diagonal_cross_entropy_naive(logits)))
        name = str(dt).replace("torch.", "")
        out[f"stable_{name}"], out[f"naive_{name}"] = st, nv
    out["reference"] = out["stable_float64"]
    return out


def gradient_vs_scale(logit_scales, n: int = 3, *, seed: int = 0) -> dict:
    """Norm of the gradient of the stable Eq. (1) w.r.t. the features, for a slightly
    perturbed n-simplex (unit rows) scaled so that the positive logit is ``s``.

    Returns per dtype lists ``grad_<dtype>`` and ``loss_<dtype>``.  Theory: for the simplex,
    ``|grad| ~ sqrt(s) exp(-s n/(n-1))``, which underflows to exactly 0 once below the
    dtype's smallest subnormal.
    """
    g = torch.Generator().manual_seed(seed)
    base = torch.as_tensor(simplex(n, n)) + 0.01 * torch.randn(n, n, generator=g, dtype=torch.float64)
    base = base / base.norm(dim=1, keepdim=True)
    out = {"logit": [float(s) for s in logit_scales]}
    for dt in (torch.float32, torch.float64):
        name = str(dt).replace("torch.", "")
        grads, losses = [], []
        for s in logit_scales:
            fx = (math.sqrt(s) * base).to(dt).requires_grad_(True)
            loss = diagonal_cross_entropy(fx @ fx.T)
            (gx,) = torch.autograd.grad(loss, fx)
            grads.append(_safe_norm(gx))
            losses.append(float(loss.detach()))

        out[f"grad_{name}"], out[f"loss_{name}"] = grads, losses
    return out


def _safe_norm(x: torch.Tensor) -> float:
    """Euclidean norm without underflow of the squares (``x^2`` of a tiny gradient is 0)."""
    x = x.detach().double()
    top = float(x.abs().max())
    return 0.0 if top == 0.0 else top * float((x / top).norm())


def fit_exponential_rate(norm_sq, loss) -> dict:
    """Least squares for ``log L = log C - a * rho^2``; returns ``a``, ``C`` and ``r2``."""
    x = np.asarray(norm_sq, dtype=np.float64)
    y = np.log(np.asarray(loss, dtype=np.float64))
    if x.size < 3:
        raise ValueError(f"need at least 3 points to fit a rate, got {x.size}")
    A = np.stack([np.ones_like(x), -x], axis=1)
    (logc, a), *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ np.array([logc, a])
    r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    return {"a": float(a), "C": float(math.exp(logc)), "r2": r2}


def optimize_table(n_groups: int = 4, per_group: int = 2, d: int = 3, *, steps: int = 4000,
                   lr: float = 1.0, seed: int = 0, mode: str = FREE, init_scale: float = 0.3,
                   n_records: int = 60) -> dict:
    """Gradient descent on an encoder table: one free vector per element of each S_i.

    ``mode="free"``: the table itself is the encoder (outputs in R^d, Q5.2);
    ``mode="sphere"``: the encoder is ``w / |w|`` (outputs on S^{d-1}).
    The objective is the exact Eq. (1) over all draws (:func:`expected_loss`), float64.
    Returns the trajectory at ~``n_records`` log-spaced steps: ``step``, ``loss``, ``mean_sq_norm``
    (mean of |f(s)|^2 over the table), ``max_norm``, ``accuracy``, ``min_margin`` (smallest
    ``a_ii - a_ij`` over all questions), ``grad_norm``; and the final ``table``.
    """
    if mode not in (FREE, SPHERE):
        raise ValueError(f"mode must be {FREE!r} or {SPHERE!r}, got {mode!r}")
    if steps < 1 or lr <= 0:
        raise ValueError(f"need steps >= 1 and lr > 0, got steps = {steps}, lr = {lr}")
    g = torch.Generator().manual_seed(seed)
    w = (init_scale * torch.randn(n_groups, per_group, d, generator=g, dtype=torch.float64)).requires_grad_(True)
    record_at = sorted(set(np.unique(np.geomspace(1, steps, n_records).astype(int)).tolist()) | {0, steps})
    traj = {k: [] for k in ("step", "loss", "mean_sq_norm", "max_norm", "accuracy", "grad_norm", "min_margin")}

    def enc():
        return w / w.norm(dim=-1, keepdim=True) if mode == SPHERE else w

    for t in range(steps + 1):
        loss = expected_loss(enc())
        (gw,) = torch.autograd.grad(loss, w)
        if t in record_at:
            f = enc().detach()
            sq = (f ** 2).sum(-1)
            traj["step"].append(t)
            traj["loss"].append(float(loss.detach()))
            traj["mean_sq_norm"].append(float(sq.mean()))
            traj["max_norm"].append(float(sq.max().sqrt()))
            traj["accuracy"].append(accuracy(f))
            traj["min_margin"].append(min_margin(f))
            traj["grad_norm"].append(float(gw.norm()))
        if t < steps:
            with torch.no_grad():
                w -= lr * gw
    traj["table"] = enc().detach().numpy().tolist()
    traj["config"] = {"n_groups": n_groups, "per_group": per_group, "d": d, "steps": steps, "lr": lr,
                      "seed": seed, "mode": mode}
    return traj


def gradient_underflow_logit(dtype=torch.float32, n: int = 3, *, hi: float = 5e3, iters: int = 60) -> dict:
    """The smallest positive logit ``s`` of the scaled n-simplex at which the gradient of the
    stable Eq. (1) w.r.t. the features is exactly 0 in ``dtype`` (bisection).

    Predicted: the off-target softmax weight ``e^{-s n/(n-1)}`` falls below the smallest
    subnormal, i.e. ``s = (n-1)/n * -log(finfo.smallest_subnormal)`` (68.9 for float32 and
    496.3 for float64 at n = 3).
    """
    u = torch.as_tensor(simplex(n)).to(dtype)

    def zero(s):
        fx = (math.sqrt(s) * u).requires_grad_(True)
        (gx,) = torch.autograd.grad(diagonal_cross_entropy(fx @ fx.T), fx)
        return bool((gx == 0).all())

    lo = 1.0
    if zero(lo) or not zero(hi):
        raise ValueError(f"no underflow bracket in [{lo}, {hi}] for {dtype}")
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if zero(mid) else (mid, hi)
    tiny = torch.finfo(dtype).smallest_normal * torch.finfo(dtype).eps  # smallest subnormal
    return {"dtype": str(dtype).replace("torch.", ""), "measured": hi,
            "predicted": (n - 1) / n * -math.log(tiny)}
