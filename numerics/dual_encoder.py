"""Cross-entropy classification as dual-encoder contrastive learning (Eqs. (8)-(10)).

A classifier ``g(x) = W [g_feature(x) :: 1]`` (``W``: ``(C, d_feature + 1)``, bias last) is read
as two encoders,

    f_1(x) = [g_feature(x) :: 1]  in R^{d_feature + 1},      f_2(c) = W_c  (row c of W),

with ``N = C`` positive-pair distributions ``p_i = Uniform{(x_k, i) : y_k = i}`` on X x {1..C}.
In a draw, ``x_j^(2) = j`` always, so row i of Eq. (8) depends on ``x_i^(1)`` only.

Shapes: data ``x`` is ``(K, in_dim)``, labels ``y`` are ``(K,)`` integers in ``0..C-1``.
"""

from __future__ import annotations

import itertools

import torch

from .losses import dual_encoder_loss

__all__ = ["Classifier", "f1", "f2", "class_indices", "dual_objective", "dual_objective_enumerated",
           "ce_objective", "per_sample_terms", "ce_correct", "dual_correct", "dual_accuracy_enumerated",
           "balanced_dataset"]


class Classifier(torch.nn.Module):
    """``g(x) = W [g_feature(x) :: 1]``: an MLP feature map and a final linear layer with bias."""

    def __init__(self, in_dim: int, hidden: int, d_feature: int, n_classes: int, *, generator=None,
                 dtype=torch.float64):
        super().__init__()
        self.feature = torch.nn.Sequential(torch.nn.Linear(in_dim, hidden, dtype=dtype), torch.nn.Tanh(),
                                           torch.nn.Linear(hidden, d_feature, dtype=dtype), torch.nn.Tanh())
        self.last = torch.nn.Linear(d_feature, n_classes, dtype=dtype)
        if generator is not None:
            with torch.no_grad():
                for p in self.parameters():
                    p.copy_(torch.randn(p.shape, generator=generator, dtype=dtype))

    @property
    def W(self) -> torch.Tensor:
        """``(C, d_feature + 1)``: the last layer's weight with its bias as the last column."""
        return torch.cat([self.last.weight, self.last.bias[:, None]], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.last(self.feature(x))


def f1(model: Classifier, x: torch.Tensor) -> torch.Tensor:
    """``f_1(x) = [g_feature(x) :: 1]``: ``(K, d_feature + 1)``."""
    h = model.feature(x)
    return torch.cat([h, torch.ones(h.shape[0], 1, dtype=h.dtype)], dim=1)


def f2(model: Classifier, c: torch.Tensor) -> torch.Tensor:
    """``f_2(c) = W_c``: ``(len(c), d_feature + 1)``."""
    return model.W[c]


def class_indices(y: torch.Tensor, n_classes: int) -> list[torch.Tensor]:
    """Indices of each class; every class must be present (p_i must exist)."""
    idx = [torch.nonzero(y == c).flatten() for c in range(n_classes)]
    empty = [c for c, ix in enumerate(idx) if ix.numel() == 0]
    if empty:
        raise ValueError(f"class(es) {empty} have no sample: p_i = Uniform{{x_k : y_k = i}} is undefined")
    return idx


def ce_objective(model: Classifier, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eq. (9): the mean over the dataset of ``-log softmax(g(x_k))[y_k]``."""
    return torch.nn.functional.cross_entropy(model(x), y)


def dual_objective(model: Classifier, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Eq. (8) under the mapping, exactly: ``(1/N) sum_i E_{p_i}[row i]``.

    Row i depends on ``x_i^(1)`` only, so the expectation over all draws is the mean over
    ``i`` of the class-``i`` mean.  Class-balanced data (m per class) are paired into m draws
    (draw r takes the r-th sample of each class) and each draw goes through
    :func:`numerics.losses.dual_encoder_loss`; otherwise per-class means are used.
    """
    idx = class_indices(y, n_classes)
    sizes = {ix.numel() for ix in idx}
    W = model.W
    if len(sizes) == 1:
        m = sizes.pop()
        draws = [dual_encoder_loss(f1(model, x[torch.stack([ix[r] for ix in idx])]), W) for r in range(m)]
        return torch.stack(draws).mean()
    terms = per_sample_terms(model, x, y)
    return torch.stack([terms[ix].mean() for ix in idx]).mean()


def dual_objective_enumerated(model: Classifier, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Eq. (8) under the mapping by brute force: the mean of :func:`dual_encoder_loss` over every
    draw (one sample per class, all ``prod_i n_i`` combinations).  For small data only."""
    idx = class_indices(y, n_classes)
    W = model.W
    feats = f1(model, x)
    losses = [dual_encoder_loss(feats[torch.stack(list(combo))], W) for combo in itertools.product(*idx)]
    return torch.stack(losses).mean()


def per_sample_terms(model: Classifier, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Row ``y_k`` of Eq. (8) with ``x_{y_k}^(1) = x_k``: ``-log softmax_j(f_1(x_k)^T f_2(j))[y_k]``; ``(K,)``."""
    logits = f1(model, x) @ model.W.T  # (K, C): [k, j] = f_1(x_k)^T f_2(j)
    return -torch.log_softmax(logits, dim=1).gather(1, y[:, None]).squeeze(1)


def ce_correct(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eq. (10): ``argmax_c g(x)[c] = y`` with a unique argmax; ``logits`` ``(K, C)`` -> bool ``(K,)``."""
    top = logits.max(dim=1).values
    n_top = (logits == top[:, None]).sum(dim=1)
    return (n_top == 1) & (logits.argmax(dim=1) == y)


def dual_correct(feats: torch.Tensor, W: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Question 4's rule for row ``i = y`` of Eq. (8): the target logit ``f_1(x)^T f_2(y)`` is
    strictly larger than every other ``f_1(x)^T f_2(j)``; ``feats`` ``(K, d)``, ``W`` ``(C, d)``."""
    out = []
    for k in range(feats.shape[0]):
        target = int(y[k])
        pos = feats[k] @ W[target]
        out.append(all(bool(pos > feats[k] @ W[j]) for j in range(W.shape[0]) if j != target))
    return torch.tensor(out, dtype=torch.bool)


def dual_accuracy_enumerated(feats: torch.Tensor, W: torch.Tensor, y: torch.Tensor, n_classes: int) -> float:
    """Question 4's accuracy of Eq. (8): the fraction of (draw, i) questions answered correctly,
    over every draw (one sample per class)."""
    idx = class_indices(y, n_classes)
    ok = dual_correct(feats, W, y)
    total = correct = 0
    for combo in itertools.product(*idx):
        for i, k in enumerate(combo):
            total += 1
            correct += bool(ok[k])
    return correct / total


def balanced_dataset(n_classes: int, per_class: int, in_dim: int, *, generator=None, counts=None,
                     dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Random inputs with labels: ``per_class`` of each class, or ``counts[c]`` of class c."""
    counts = [per_class] * n_classes if counts is None else list(counts)
    y = torch.cat([torch.full((n,), c, dtype=torch.long) for c, n in enumerate(counts)])
    x = torch.randn(len(y), in_dim, generator=generator, dtype=dtype) + 0.5 * y[:, None].to(dtype)
    return x, y
