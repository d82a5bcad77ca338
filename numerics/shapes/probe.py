"""What a trained encoder learned, measured per factor (Q7c-d, Q8c-d).

- :func:`nn_grid`: the homework's ``nn_visualize``: for 8 query images, the 10 nearest
  neighbours in the same set by squared L2 distance in embedding space, the query first.
- :func:`knn_accuracy`: per-factor 1-nearest-neighbour accuracy of val queries against the
  train gallery, with its chance level (:func:`chance_level`) and the normalized accuracy
  ``(acc - chance) / (1 - chance)``: 0 when the embedding is blind to the factor, 1 when the
  nearest neighbour always shares it.
- :func:`linear_probe_accuracy`: multinomial logistic regression on train embeddings,
  accuracy on val.
- :func:`alignment`, :func:`uniformity`: Wang & Isola (2020), on unit rows.  In ``probes.json``,
  ``alignment`` is a dict over the augmentations A, B, C (pairs of two independent draws of the
  augmentation of 256 val images), so that it measures each encoder's invariance to each
  augmentation; ``uniformity`` is over the val embeddings.  Both use ``f(x) / ||f(x)||`` for the
  autoencoder and the untrained encoder.
- :func:`measure_encoder`: every final measurement of one encoder (the entry of
  ``probes.json`` and its neighbour grids); :class:`CurveProbe`: the cheaper measurement taken
  during training for the learning curves, on fixed subsets.

:mod:`numerics.shapes.experiment` runs the whole experiment with these.

Factors: ``shape`` (3 classes), ``color`` (9), ``location`` (the 3x3 grid cell of the shape's
centre over :data:`numerics.shapes.render.LOCATION_RANGE`).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from ..tammes import check_unit_rows
from . import FACTORS
from .models import Autoencoder, normalize_images
from .train import to_unit_float

__all__ = ["FACTORS", "ENCODERS", "AUGMENTATIONS", "embed", "location_bins", "factor_labels", "pairwise_sq_dists",
           "nearest_neighbours", "nearest_index", "nn_grid", "chance_level", "knn_accuracy", "linear_probe_accuracy",
           "alignment", "uniformity", "check_unit_rows", "normalized_accuracy", "factor_entry", "CurveProbe",
           "measure_encoder"]

ENCODERS = ("random_init", "autoencoder", "contrastive_A", "contrastive_B", "contrastive_C")
AUGMENTATIONS = ("A", "B", "C")
N_QUERIES, N_NEIGHBOURS = 8, 10


# ---------------------------------------------------------------------------
# embeddings and labels
# ---------------------------------------------------------------------------

@torch.no_grad()
def embed(encoder: torch.nn.Module, images: torch.Tensor, *, batch_size: int = 500,
          device: str | torch.device | None = None, augment_fn: Callable | None = None,
          augmentation: str | None = None, generator: torch.Generator | None = None) -> np.ndarray:
    """``f(x)`` for images ``(n, 3, 64, 64)`` (uint8 or float in [0, 1]) -> float32 ``(n, d)``.

    Preprocessing as in training: to [0, 1], optional ``augment_fn(x, augmentation, generator=)``,
    clamp, ``(x - 0.5) / 0.5``.
    """
    if images.ndim != 4 or tuple(images.shape[1:]) != (3, 64, 64):
        raise ValueError(f"images must have shape (n, 3, 64, 64), got {tuple(images.shape)}")
    dev = next(encoder.parameters()).device if device is None else torch.device(device)
    was_training = encoder.training
    encoder.eval()
    out = []
    for s in range(0, images.shape[0], batch_size):
        x = to_unit_float(images[s:s + batch_size]).to(dev)
        if augment_fn is not None:
            x = augment_fn(x, augmentation, generator=generator)
        out.append(encoder(normalize_images(x)).float().cpu())
    encoder.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, getattr(encoder, "d", 0)), np.float32)


def location_bins(x, y, *, bins: int = 3, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """The ``bins x bins`` grid cell (row-major, ``row * bins + col``) of centres ``(x, y)``."""
    if lo is None or hi is None:
        from .render import LOCATION_RANGE

        lo, hi = LOCATION_RANGE if lo is None and hi is None else (lo, hi)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if not hi > lo:
        raise ValueError(f"need hi > lo, got [{lo}, {hi}]")
    col = np.clip(np.floor((x - lo) / (hi - lo) * bins), 0, bins - 1).astype(np.int64)
    row = np.clip(np.floor((y - lo) / (hi - lo) * bins), 0, bins - 1).astype(np.int64)
    return row * bins + col


def factor_labels(factors: dict) -> dict[str, np.ndarray]:
    """``{"shape", "color", "location"}`` integer labels ``(n,)`` from a renderer factor dict."""
    return {"shape": np.asarray(factors["shape"], dtype=np.int64),
            "color": np.asarray(factors["color"], dtype=np.int64),
            "location": location_bins(np.asarray(factors["x"]), np.asarray(factors["y"]))}


# ---------------------------------------------------------------------------
# nearest neighbours
# ---------------------------------------------------------------------------

def pairwise_sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances ``(n, m)`` between rows of ``a (n, d)`` and ``b (m, d)``
    (float64, via ``|a|^2 + |b|^2 - 2 a.b``, clipped at 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need (n, d) and (m, d) arrays, got {a.shape} and {b.shape}")
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def nearest_neighbours(query: np.ndarray, gallery: np.ndarray, k: int, *,
                       exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices ``(q, k)`` of the ``k`` gallery rows nearest each query row (squared L2,
    ties broken by the lower index).  ``exclude[i]``: a gallery index query i may not return."""
    dist = pairwise_sq_dists(query, gallery)
    if not 1 <= k <= dist.shape[1] - (exclude is not None):
        raise ValueError(f"k must be in [1, {dist.shape[1] - (exclude is not None)}], got {k}")
    if exclude is not None:
        dist[np.arange(dist.shape[0]), np.asarray(exclude)] = np.inf
    return np.argsort(dist, axis=1, kind="stable")[:, :k]


def nn_grid(emb: np.ndarray, queries, k: int = N_NEIGHBOURS) -> np.ndarray:
    """The rows of ``nn_visualize``: ``(len(queries), 1 + k)`` indices into ``emb``'s set, the
    query first, then its ``k`` nearest other images of the same set."""
    queries = np.asarray(queries, dtype=np.int64)
    nn = nearest_neighbours(emb[queries], emb, k, exclude=queries)
    return np.concatenate([queries[:, None], nn], axis=1)


def chance_level(labels_query: np.ndarray, labels_gallery: np.ndarray) -> float:
    """1-NN accuracy of an embedding blind to the factor: the probability that a random gallery
    item has the query's label, ``sum_c p_query(c) p_gallery(c)``."""
    lq, lg = np.asarray(labels_query), np.asarray(labels_gallery)
    classes = np.union1d(lq, lg)
    pq = np.array([(lq == c).mean() for c in classes])
    pg = np.array([(lg == c).mean() for c in classes])
    return float(pq @ pg)


def nearest_index(emb_query: np.ndarray, emb_gallery: np.ndarray, *, chunk: int = 512,
                  leave_one_out: bool = False) -> np.ndarray:
    """The index ``(q,)`` of each query's nearest gallery row (squared L2, ties to the lower
    index).  ``leave_one_out``: the queries are the gallery itself, and query i may not return
    row i."""
    if leave_one_out and len(emb_query) != len(emb_gallery):
        raise ValueError("leave_one_out needs the queries to be the gallery")
    out = np.empty(len(emb_query), dtype=np.int64)
    for s in range(0, len(emb_query), chunk):
        rows = np.arange(s, min(s + chunk, len(emb_query)))
        out[rows] = nearest_neighbours(emb_query[rows], emb_gallery, 1, exclude=rows if leave_one_out else None)[:, 0]
    return out


def knn_accuracy(emb_query: np.ndarray, labels_query: np.ndarray, emb_gallery: np.ndarray,
                 labels_gallery: np.ndarray, *, chunk: int = 512, leave_one_out: bool = False,
                 nearest: np.ndarray | None = None) -> float:
    """Fraction of queries whose nearest gallery row (squared L2) has the query's label.

    ``leave_one_out``: the queries are the gallery itself, and query i may not return row i.
    ``nearest``: the :func:`nearest_index` of the queries, when already computed (one search
    serves every factor)."""
    lq, lg = np.asarray(labels_query), np.asarray(labels_gallery)
    if len(lq) != len(emb_query) or len(lg) != len(emb_gallery):
        raise ValueError("labels and embeddings must have the same number of rows")
    if nearest is None:
        nearest = nearest_index(emb_query, emb_gallery, chunk=chunk, leave_one_out=leave_one_out)
    return float((lg[nearest] == lq).mean()) if len(lq) else 0.0


def linear_probe_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                          y_val: np.ndarray, *, weight_decay: float = 1e-3, max_iter: int = 200) -> float:
    """Multinomial logistic regression (L-BFGS, L2 penalty ``weight_decay``) on standardized
    train features ``(n, d)``; returns the accuracy on val.  Deterministic."""
    xt = torch.as_tensor(np.asarray(x_train), dtype=torch.float64)
    xv = torch.as_tensor(np.asarray(x_val), dtype=torch.float64)
    yt = torch.as_tensor(np.asarray(y_train), dtype=torch.int64)
    yv = torch.as_tensor(np.asarray(y_val), dtype=torch.int64)
    mu, sd = xt.mean(0), xt.std(0).clamp_min(1e-8)
    xt, xv = (xt - mu) / sd, (xv - mu) / sd
    n_classes = int(max(yt.max(), yv.max())) + 1
    w = torch.zeros(xt.shape[1], n_classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=max_iter, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-9, tolerance_change=1e-12)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xt @ w + b, yt) + weight_decay * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((xv @ w + b).argmax(1) == yv).double().mean())


# ---------------------------------------------------------------------------
# alignment and uniformity (Wang & Isola 2020)
# ---------------------------------------------------------------------------

#: Embeddings are normalized in float32: their norms are 1 to about 1e-7, checked to 1e-4.
EMBEDDING_ATOL = 1e-4


def alignment(z1, z2, alpha: float = 2.0) -> float:
    """``E ||f(x) - f(x+)||^alpha`` over positive pairs (unit rows ``(n, d)`` each); 0 = invariant."""
    z1, z2 = check_unit_rows(z1, "z1", atol=EMBEDDING_ATOL), check_unit_rows(z2, "z2", atol=EMBEDDING_ATOL)
    if z1.shape != z2.shape:
        raise ValueError(f"shape mismatch: {z1.shape} vs {z2.shape}")
    return float((np.linalg.norm(z1 - z2, axis=1) ** alpha).mean())


def uniformity(z, t: float = 2.0) -> float:
    """``log E_{i<j} exp(-t ||z_i - z_j||^2)`` over distinct pairs of unit rows ``(n, d)``;
    0 when every row is the same point, lower when the rows spread over the sphere."""
    z = check_unit_rows(z, "z", atol=EMBEDDING_ATOL)
    if z.shape[0] < 2:
        raise ValueError("uniformity needs at least 2 rows")
    d = pairwise_sq_dists(z, z)
    iu = np.triu_indices(z.shape[0], 1)
    v = -t * d[iu]
    m = v.max()
    return float(m + np.log(np.exp(v - m).mean()))


def _unit(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


# ---------------------------------------------------------------------------
# measuring one encoder
# ---------------------------------------------------------------------------

def normalized_accuracy(acc: float, chance: float) -> float:
    """``(acc - chance) / (1 - chance)``: 0 for an embedding blind to the factor, 1 when the
    nearest neighbour always shares it."""
    return (acc - chance) / (1.0 - chance)


def factor_entry(emb_train: np.ndarray, labels_train: np.ndarray, emb_val: np.ndarray,
                 labels_val: np.ndarray, *, nearest_val: np.ndarray | None = None,
                 nearest_train: np.ndarray | None = None) -> dict[str, float]:
    """One encoder and factor: ``knn_acc`` (val queries against the train gallery), its
    ``chance`` and ``normalized`` value, ``linear_acc`` (a linear probe trained on train,
    scored on val), and ``train_knn_acc`` / ``train_normalized`` (leave-one-out 1-NN within the
    train gallery: are neighbours grouped on the training images themselves).
    ``nearest_val`` / ``nearest_train``: the two :func:`nearest_index` searches, when already made."""
    acc = knn_accuracy(emb_val, labels_val, emb_train, labels_train, nearest=nearest_val)
    chance = chance_level(labels_val, labels_train)
    acc_tr = knn_accuracy(emb_train, labels_train, emb_train, labels_train, leave_one_out=True,
                          nearest=nearest_train)
    chance_tr = chance_level(labels_train, labels_train)
    return {"knn_acc": acc, "chance": chance, "normalized": normalized_accuracy(acc, chance),
            "linear_acc": linear_probe_accuracy(emb_train, labels_train, emb_val, labels_val),
            "train_knn_acc": acc_tr, "train_normalized": normalized_accuracy(acc_tr, chance_tr)}


def _as_encoder(model: torch.nn.Module) -> torch.nn.Module:
    return model.encoder if isinstance(model, Autoencoder) else model


def _alignments(encoder, images, seed: int, augment_fn) -> dict[str, float]:
    """``alignment`` under each augmentation: two independent draws on ``images``."""
    out = {}
    for aug in AUGMENTATIONS:
        g = torch.Generator(device=next(encoder.parameters()).device).manual_seed(seed + 777)
        z1 = embed(encoder, images, augment_fn=augment_fn, augmentation=aug, generator=g)
        z2 = embed(encoder, images, augment_fn=augment_fn, augmentation=aug, generator=g)
        out[aug] = alignment(_unit(z1), _unit(z2))
    return out


class CurveProbe:
    """The learning-curve measurement: per-factor normalized 1-NN accuracy of ``queries``
    (val images) against ``gallery`` (train images), alignment under A, B and C on
    ``pair_images``, and uniformity of the query embeddings.  Callable on a model (an encoder
    or an :class:`~numerics.shapes.models.Autoencoder`); draws only from its own generators.

    ``gallery``, ``queries``, ``pair_images``: uint8 ``(n, 3, 64, 64)``; ``*_labels``:
    ``{factor: (n,) int}``.
    """

    def __init__(self, gallery, gallery_labels: dict, queries, query_labels: dict, pair_images, *,
                 seed: int = 0, augment_fn: Callable | None = None):
        if augment_fn is None:
            from .augment import augment as augment_fn
        self.gallery, self.queries, self.pair_images = gallery, queries, pair_images
        self.gallery_labels, self.query_labels = gallery_labels, query_labels
        self.chance = {f: chance_level(query_labels[f], gallery_labels[f]) for f in FACTORS}
        self.seed, self.augment_fn = seed, augment_fn

    @torch.no_grad()
    def __call__(self, model: torch.nn.Module) -> dict:
        enc = _as_encoder(model)
        eg, eq = embed(enc, self.gallery), embed(enc, self.queries)
        nearest = nearest_index(eq, eg)
        norm = {f: normalized_accuracy(knn_accuracy(eq, self.query_labels[f], eg, self.gallery_labels[f],
                                                    nearest=nearest), self.chance[f]) for f in FACTORS}
        return {"normalized": norm, "alignment": _alignments(enc, self.pair_images, self.seed, self.augment_fn),
                "uniformity": uniformity(_unit(eq)), "gallery": len(self.gallery), "queries": len(self.queries)}


@torch.no_grad()
def measure_encoder(encoder: torch.nn.Module, images: dict, labels: dict, *, queries: dict,
                    pair_images: torch.Tensor, seed: int = 0,
                    augment_fn: Callable | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Every final measurement of one encoder: ``(entry, grids)``.

    ``images``: ``{"train": (n_t, 3, 64, 64), "val": (n_v, 3, 64, 64)}`` uint8 (the train
    gallery and the val queries); ``labels``: ``{split: {factor: (n,) int}}``; ``queries``:
    ``{split: (8,) indices}`` for the neighbour grids; ``pair_images``: the val images of the
    alignment pairs.  ``entry``: one :func:`factor_entry` per factor, ``alignment`` (dict over
    A, B, C), ``uniformity`` (val).  ``grids``: for each split, ``images`` uint8
    ``(8, 11, 64, 64, 3)``, ``labels`` ``(8, 11, 3)``, ``dists`` ``(8, 11)`` and ``indices``
    ``(8, 11)`` (into the split's images, the query first), keyed ``SPLIT__FIELD``.
    """
    if augment_fn is None:
        from .augment import augment as augment_fn
    enc = _as_encoder(encoder)
    emb = {s: embed(enc, images[s]) for s in ("train", "val")}
    near_val = nearest_index(emb["val"], emb["train"])
    near_train = nearest_index(emb["train"], emb["train"], leave_one_out=True)
    entry: dict[str, Any] = {f: factor_entry(emb["train"], labels["train"][f], emb["val"], labels["val"][f],
                                             nearest_val=near_val, nearest_train=near_train) for f in FACTORS}
    entry["alignment"] = _alignments(enc, pair_images, seed, augment_fn)
    entry["uniformity"] = uniformity(_unit(emb["val"]))
    grids = {}
    for s in ("train", "val"):
        rows = nn_grid(emb[s], queries[s])
        dist = pairwise_sq_dists(emb[s][rows[:, :1].ravel()], emb[s])
        grids[f"{s}__images"] = images[s][torch.as_tensor(rows)].permute(0, 1, 3, 4, 2).numpy()
        grids[f"{s}__labels"] = np.stack([labels[s][f][rows] for f in FACTORS], axis=-1)
        dd = np.take_along_axis(dist, rows, axis=1)
        dd[:, 0] = 0.0  # the query's distance to itself (the expansion leaves ~1e-16)
        grids[f"{s}__dists"] = dd
        grids[f"{s}__indices"] = rows
    return entry, grids
