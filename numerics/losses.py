"""Contrastive losses of Homework 4, one function per equation.

Every loss takes torch tensors and returns a differentiable 0-dim tensor.  The stable
versions go through ``logsumexp`` and ``softplus`` (never an explicit ``exp`` of a logit); the ``*_naive`` versions beside them
evaluate the fraction with an explicit ``exp`` exactly as the equations are written, and
exist only to show where that overflows.

Shapes
------
* ``contrastive_loss(fx, fy)``            Eq. (1), one draw: ``fx, fy`` are ``(N, d)``.
* ``dual_encoder_loss(f1x, f2x)``         Eq. (8), one draw: ``f1x, f2x`` are ``(N, d)``.
* ``info_nce(z, z_pos, tau)``             Eq. (14) with the batch trick: ``z, z_pos`` are ``(b, d)``.
* ``diagonal_cross_entropy(logits)``      the common core: ``logits`` is ``(N, N)``, the target of
                                          row ``i`` is column ``i``.

Bad input (shape mismatch, fewer than two rows, non-finite values, ``tau <= 0``) raises
``ValueError``.  No function normalizes its input: Eq. (1) assumes unit rows, but the
algebra of the loss does not need them, and Q5 studies exactly what happens without them.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "diagonal_cross_entropy",
    "diagonal_cross_entropy_naive",
    "contrastive_loss",
    "contrastive_loss_naive",
    "dual_encoder_loss",
    "dual_encoder_loss_naive",
    "info_nce",
    "info_nce_naive",
    "logits_of",
]


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

def _as_tensor(x, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x)
        except Exception as exc:  # pragma: no cover - message path
            raise ValueError(f"{name} must be a tensor or array, got {type(x).__name__}") from exc
    if not (x.is_floating_point()):
        raise ValueError(f"{name} must have a floating dtype, got {x.dtype}")
    return x


def _check_finite(x: torch.Tensor, name: str) -> None:
    finite = torch.isfinite(x.detach())
    if not bool(finite.all()):
        bad = torch.nonzero(~finite)[0].tolist()
        raise ValueError(f"{name} has a non-finite value at index {tuple(bad)}")


def _check_pair(a, b, name_a: str, name_b: str) -> tuple[torch.Tensor, torch.Tensor]:
    a = _as_tensor(a, name_a)
    b = _as_tensor(b, name_b)
    if a.ndim != 2:
        raise ValueError(f"{name_a} must be 2-dimensional (N, d), got shape {tuple(a.shape)}")
    if b.ndim != 2:
        raise ValueError(f"{name_b} must be 2-dimensional (N, d), got shape {tuple(b.shape)}")
    if a.shape != b.shape:
        raise ValueError(
            f"shape mismatch: {name_a} has shape {tuple(a.shape)} but {name_b} has shape {tuple(b.shape)}"
        )
    if a.shape[0] < 2:
        raise ValueError(f"need N >= 2 rows (one positive and at least one negative), got N = {a.shape[0]}")
    if a.shape[1] < 1:
        raise ValueError(f"need feature dimension d >= 1, got d = {a.shape[1]}")
    if a.dtype != b.dtype:
        raise ValueError(f"dtype mismatch: {name_a} is {a.dtype} but {name_b} is {b.dtype}")
    _check_finite(a, name_a)
    _check_finite(b, name_b)
    return a, b


def _check_logits(logits) -> torch.Tensor:
    logits = _as_tensor(logits, "logits")
    if logits.ndim != 2 or logits.shape[0] != logits.shape[1]:
        raise ValueError(f"logits must be a square (N, N) matrix, got shape {tuple(logits.shape)}")
    if logits.shape[0] < 2:
        raise ValueError(f"need N >= 2 rows (one positive and at least one negative), got N = {logits.shape[0]}")
    _check_finite(logits, "logits")
    return logits


def check_tau(tau):
    """A positive finite temperature; a scalar tensor is returned as it is (it may be learned)."""
    if isinstance(tau, torch.Tensor):
        if tau.numel() != 1:
            raise ValueError(f"tau must be a scalar, got shape {tuple(tau.shape)}")
        value = float(tau.detach())
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"tau must be a positive finite number, got tau = {value}")
        return tau.reshape(())
    try:
        tau = float(tau)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"tau must be a positive number, got {tau!r}") from exc
    if not math.isfinite(tau) or tau <= 0:
        raise ValueError(f"tau must be a positive finite number, got tau = {tau}")
    return tau


# ---------------------------------------------------------------------------
# the common core: cross-entropy with the diagonal as target
# ---------------------------------------------------------------------------

def diagonal_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Mean over rows i of ``-log softmax(logits[i])[i]`` (stable).

    ``logits``: ``(N, N)``; row ``i`` is a classification question whose target class is ``i``.
    Returns a 0-dim tensor.  Computed as ``softplus(logsumexp_{j != i}(logits[i, j] - logits[i, i]))``,
    which equals ``logsumexp(logits[i]) - logits[i, i]`` and keeps relative precision for tiny losses.
    """
    logits = _check_logits(logits)
    return _diag_ce(logits)


def _finite_logits(logits: torch.Tensor, cause: str) -> torch.Tensor:
    """The logits of finite inputs can still overflow (a tiny temperature, huge features): that
    is an error naming the cause, not a NaN loss."""
    if not bool(torch.isfinite(logits).all()):
        raise ValueError(f"the logits overflow to infinity: {cause}")
    return logits


def _diag_ce(logits: torch.Tensor) -> torch.Tensor:
    # -log softmax(l_i)[i] = log(1 + sum_{j != i} e^{l_ij - l_ii}) = softplus(z_i) with
    # z_i = logsumexp_{j != i}(l_ij - l_ii).  Unlike logsumexp(l_i) - l_ii, this keeps full
    # relative precision when the loss is tiny (large margins), and it never overflows.
    n = logits.shape[0]
    gaps = logits - torch.diagonal(logits)[:, None]
    off = ~torch.eye(n, dtype=torch.bool, device=logits.device)
    z = torch.logsumexp(gaps.masked_fill(~off, float("-inf")), dim=1)
    return torch.nn.functional.softplus(z, beta=1.0, threshold=40.0).mean()


def diagonal_cross_entropy_naive(logits: torch.Tensor) -> torch.Tensor:
    """Same as :func:`diagonal_cross_entropy` but with an explicit ``exp`` (overflows).

    ``-log( exp(l_ii) / sum_j exp(l_ij) )`` evaluated literally, ``logits``: ``(N, N)``.
    """
    logits = _check_logits(logits)
    return _diag_ce_naive(logits)


def _diag_ce_naive(logits: torch.Tensor) -> torch.Tensor:
    e = torch.exp(logits)
    return -torch.log(torch.diagonal(e) / e.sum(dim=1)).mean()


def logits_of(fx: torch.Tensor, fy: torch.Tensor) -> torch.Tensor:
    """The logit matrix ``fx @ fy.T`` of Eq. (1)/(8): entry ``[i, j] = fx[i]^T fy[j]``; ``(N, N)``."""
    fx, fy = _check_pair(fx, fy, "fx", "fy")
    return fx @ fy.T


# ---------------------------------------------------------------------------
# Eq. (1): contrastive loss, one draw
# ---------------------------------------------------------------------------

def contrastive_loss(fx: torch.Tensor, fy: torch.Tensor) -> torch.Tensor:
    """Eq. (1) for one draw ``x_i ~ p_i``, ``y_j ~ p_j`` (i, j = 1..N).

    ``fx[i] = f(x_i)`` and ``fy[j] = f(y_j)``, both ``(N, d)``.  Returns the 0-dim tensor
    ``(1/N) sum_i -log( e^{fx_i . fy_i} / sum_j e^{fx_i . fy_j} )``, i.e. the mean over i of
    ``-log softmax(fx fy^T)[i, i]``.  The expectation in Eq. (1) is the mean of this over draws.
    """
    fx, fy = _check_pair(fx, fy, "fx", "fy")
    return _diag_ce(_finite_logits(fx @ fy.T, "the features' scale is too large for the dtype"))


def contrastive_loss_naive(fx: torch.Tensor, fy: torch.Tensor) -> torch.Tensor:
    """Eq. (1) for one draw with an explicit ``exp`` (overflows for large logits); ``(N, d)`` inputs."""
    fx, fy = _check_pair(fx, fy, "fx", "fy")
    return _diag_ce_naive(fx @ fy.T)


# ---------------------------------------------------------------------------
# Eq. (8): dual-encoder contrastive loss, one draw
# ---------------------------------------------------------------------------

def dual_encoder_loss(f1x: torch.Tensor, f2x: torch.Tensor) -> torch.Tensor:
    """Eq. (8) for one draw ``(x_j^(1), x_j^(2)) ~ p_j`` (j = 1..N).

    ``f1x[i] = f_1(x_i^(1))`` and ``f2x[j] = f_2(x_j^(2))``, both ``(N, d)``.  Returns the
    0-dim tensor ``(1/N) sum_i -log softmax(f1x f2x^T)[i, i]``.
    """
    f1x, f2x = _check_pair(f1x, f2x, "f1x", "f2x")
    return _diag_ce(_finite_logits(f1x @ f2x.T, "the features' scale is too large for the dtype"))


def dual_encoder_loss_naive(f1x: torch.Tensor, f2x: torch.Tensor) -> torch.Tensor:
    """Eq. (8) for one draw with an explicit ``exp`` (overflows for large logits); ``(N, d)`` inputs."""
    f1x, f2x = _check_pair(f1x, f2x, "f1x", "f2x")
    return _diag_ce_naive(f1x @ f2x.T)


# ---------------------------------------------------------------------------
# Eq. (14): InfoNCE with temperature and in-batch negatives
# ---------------------------------------------------------------------------

def info_nce(z: torch.Tensor, z_pos: torch.Tensor, tau: float = 0.07) -> torch.Tensor:
    """Eq. (14) with the batch trick of Eq. (15).

    ``z[i] = f(x[i])`` and ``z_pos[i] = f(x+[i])``, both ``(b, d)`` (unit rows in the homework's
    use; not enforced).  Logits are ``z @ z_pos.T / tau`` (``(b, b)``); the positive of row i
    is ``z_pos[i]`` and its ``b - 1`` negatives are ``z_pos[j]``, j != i.  Returns the 0-dim mean
    over i of ``-log softmax(logits[i])[i]``.  ``tau > 0`` is the temperature.
    """
    tau = check_tau(tau)
    z, z_pos = _check_pair(z, z_pos, "z", "z_pos")
    return _diag_ce(_finite_logits((z @ z_pos.T) / tau, f"tau = {float(tau):g} is too small for the features' "
                                   "scale and dtype"))


def info_nce_naive(z: torch.Tensor, z_pos: torch.Tensor, tau: float = 0.07) -> torch.Tensor:
    """Eq. (14) with an explicit ``exp`` (overflows once ``z_i . z_j / tau`` passes the dtype's
    ``log(max)``: about 88.72 in float32, 709.78 in float64); ``(b, d)`` inputs."""
    tau = check_tau(tau)
    z, z_pos = _check_pair(z, z_pos, "z", "z_pos")
    return _diag_ce_naive((z @ z_pos.T) / tau)
