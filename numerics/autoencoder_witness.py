"""Perfect autoencoders on a finite data set, built as lookup tables (Q7a, Eq. (12)).

A *universe* is a finite list of distinct images ``U`` (float arrays ``(m, 3, 64, 64)`` or any
``(m, ...)``) with a colour label per image; the training set is the first ``n_train`` of them
and the rest stand for fresh draws ``x ~ p_x`` (with a continuous location, a fresh draw is a
training image with probability 0).

A lookup-table autoencoder is a pair

- ``codes``: ``(m, d)`` float64, ``f(U[k]) = codes[k]`` (the encoder, defined on all of ``U``);
- ``g``: a table from code (as a tuple) to image; codes missing from the table decode to the
  black image.

It is *perfect* (zero loss in Eq. (12)) when ``g(f(x_i)) = x_i`` for every training image.
Every function here is exact (integer or float64 table look-ups, no training), so a witness
either has a property or it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["LookupAutoencoder", "perfect_autoencoder", "ae_loss", "decides", "nn_colour_rule",
           "eq13_holds", "red_red_blue_triples", "make_universe", "universe", "witnesses", "N_TRAIN", "N_FRESH", "RED", "BLUE"]


@dataclass
class LookupAutoencoder:
    """``f`` as a code table over the universe and ``g`` as a dict code -> image."""

    codes: np.ndarray  # (m, d)
    table: dict  # tuple(code) -> image array
    name: str = ""

    def f(self, k: int) -> np.ndarray:
        """Encoder on the universe: the code of image ``k``; ``(d,)``."""
        return self.codes[k]

    def g(self, code: np.ndarray, like: np.ndarray) -> np.ndarray:
        """Decoder: the table's image for ``code``, the black image (zeros like ``like``) otherwise."""
        return self.table.get(tuple(np.asarray(code, dtype=np.float64).tolist()), np.zeros_like(like))


def perfect_autoencoder(images: np.ndarray, n_train: int, codes: np.ndarray, name: str = "") -> LookupAutoencoder:
    """The lookup-table pair with encoder ``codes`` ``(m, d)`` and decoder ``g(codes[i]) = images[i]``
    for the training images ``i < n_train``.  Raises ValueError when two training images share
    a code (then no decoder can be perfect)."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[0] != len(images):
        raise ValueError(f"codes must be (m, d) with m = {len(images)} images, got {codes.shape}")
    table = {}
    for i in range(n_train):
        key = tuple(codes[i].tolist())
        if key in table and not np.array_equal(table[key], images[i]):
            raise ValueError(f"training images {list(table).index(key)} and {i} share a code; "
                             "no decoder reconstructs both")
        table[key] = images[i]
    return LookupAutoencoder(codes, table, name)


def ae_loss(ae: LookupAutoencoder, images: np.ndarray, n_train: int) -> float:
    """Eq. (12): the mean over training images of MSE(g(f(x_i)), x_i)."""
    errs = [float(np.mean((ae.g(ae.f(i), images[i]) - images[i]) ** 2)) for i in range(n_train)]
    return float(np.mean(errs))


def decides(codes: np.ndarray, labels, idx) -> bool:
    """Whether the property ``labels`` is a function of the code on the images ``idx``: there is
    an ``h`` with ``labels[k] = h(codes[k])`` exactly when no code carries two labels."""
    seen: dict = {}
    for k in idx:
        key = tuple(np.asarray(codes[k], dtype=np.float64).tolist())
        if seen.setdefault(key, labels[k]) != labels[k]:
            return False
    return True


def nn_colour_rule(codes: np.ndarray, colours, n_train: int, idx, k: int = 1) -> np.ndarray:
    """For each ``j`` in ``idx``: the majority colour of the ``k`` training images whose codes are
    nearest ``codes[j]`` (squared L2; ties to the lower index and, in the vote, the lower colour)."""
    train = np.asarray(codes[:n_train], dtype=np.float64)
    out = []
    for j in idx:
        d = ((train - np.asarray(codes[j], dtype=np.float64)) ** 2).sum(1)
        nn = np.argsort(d, kind="stable")[:k]
        votes = np.bincount(np.asarray(colours)[nn])
        out.append(int(np.argmax(votes)))
    return np.array(out)


def eq13_holds(codes: np.ndarray, x: int, y: int, z: int) -> bool:
    """Eq. (13): ``||f(x) - f(y)|| < ||f(x) - f(z)||``."""
    c = np.asarray(codes, dtype=np.float64)
    return bool(np.linalg.norm(c[x] - c[y]) < np.linalg.norm(c[x] - c[z]))


def red_red_blue_triples(colours, n_train: int, red: int, blue: int) -> list[tuple[int, int, int]]:
    """Every ordered triple ``(x, y, z)`` of training indices with x, y red (x != y) and z blue."""
    colours = np.asarray(colours)[:n_train]
    reds = np.nonzero(colours == red)[0].tolist()
    blues = np.nonzero(colours == blue)[0].tolist()
    return [(x, y, z) for x in reds for y in reds if x != y for z in blues]


def make_universe(n_train: int, n_fresh: int, seed: int, *, render: Callable | None = None):
    """``(images float64 (m, 3, 64, 64) in [0, 1], colours (m,), shapes (m,), masks (m, 64, 64))``:
    ``m = n_train + n_fresh`` distinct rendered images; the first ``n_train`` are the training set.
    Colours alternate over the palette so that every colour used appears in train and fresh."""
    import torch

    from numerics.shapes.render import SHAPES, sample_factors, shape_masks
    from numerics.shapes.render import render as _render

    m = n_train + n_fresh
    g = torch.Generator().manual_seed(seed)
    factors = sample_factors(m, generator=g)
    factors["color"] = torch.tensor([k % 3 * 3 for k in range(n_train)] + [k % 3 * 3 for k in range(n_fresh)])
    factors["shape"] = torch.arange(m) % len(SHAPES)
    imgs = (render or _render)(factors)
    flat = imgs.reshape(m, -1)
    if len({bytes(r.numpy()) for r in flat}) != m:
        raise ValueError("the universe's images are not distinct; choose another seed")
    masks = shape_masks(factors).numpy()
    return (imgs.double().numpy() / 255.0, factors["color"].numpy().astype(np.int64),
            factors["shape"].numpy().astype(np.int64), masks)


# ---------------------------------------------------------------------------
# the witnesses of Question 7a
# ---------------------------------------------------------------------------

#: The witnesses' universe: 12 training and 12 fresh images; the palette indices of red and blue.
N_TRAIN, N_FRESH, RED, BLUE = 12, 12, 0, 6


_UNIVERSE: dict = {}


def universe():
    """The universe of the witnesses (cached): :func:`make_universe` of 12 training and 12 fresh images."""
    if "universe" not in _UNIVERSE:
        _UNIVERSE["universe"] = make_universe(N_TRAIN, N_FRESH, seed=7)
    return _UNIVERSE["universe"]


def witnesses() -> dict:
    """Perfect lookup-table autoencoders on the universe (all with zero loss in Eq. (12)).

    - ``index``: codes are one-hot indices e_k in R^m for every image (injective everywhere);
    - ``colour_clusters``: code = 0.1 e_k + 10 * colour * e_last (grouped by colour);
    - ``colour_scrambled``: training code k = (k mod 2) * 10 e_1 + 0.1 e_k, so two red images
      sit far apart and a red and a blue image can sit close; fresh images get their own codes;
    - ``fresh_collapsed``: training codes as ``index``, every fresh image mapped to one unused code;
    - ``fresh_near_same``: each fresh code is the code of a training image of the same colour
      plus 0.01 e_last;
    - ``fresh_near_other``: the same but next to a training image of another colour.
    """
    images, colours, _, _ = universe()
    m = len(images)
    e = np.eye(m + 1)
    base = e[:m, :]  # one-hot codes in R^{m+1}
    col_hot = np.zeros((m, m + 1))
    for k in range(m):
        col_hot[k] = 0.1 * e[k]
        col_hot[k, m] = 10.0 * colours[k]
    scrambled = np.array([10.0 * (k % 2) * e[m] + 0.1 * e[k] for k in range(m)])
    collapsed = base.copy()
    collapsed[N_TRAIN:] = e[m]
    near_same, near_other = base.copy(), base.copy()
    for j in range(N_TRAIN, m):
        same = next(i for i in range(N_TRAIN) if colours[i] == colours[j])
        other = next(i for i in range(N_TRAIN) if colours[i] != colours[j])
        near_same[j] = base[same] + 0.01 * e[m]
        near_other[j] = base[other] + 0.01 * e[m]
    tables = {"index": base, "colour_clusters": col_hot, "colour_scrambled": scrambled,
              "fresh_collapsed": collapsed, "fresh_near_same": near_same, "fresh_near_other": near_other}
    return {name: perfect_autoencoder(images, N_TRAIN, codes, name) for name, codes in tables.items()}
