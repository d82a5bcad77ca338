"""Image contrastive learning as Eq. (1) with N = K groups p_i = p_aug(. | img_i) (Question 1).

Two ways of computing the same loss for a toy image set, a fixed random encoder and a toy
augmentation:

* :func:`eq1_monte_carlo` follows Eq. (1) literally: for each group i draw x_i ~ p_i and an
  independent y_j ~ p_j for every j, and average -log softmax_j(f(x_i)^T f(y_j))[i];
* :func:`batch_instance_discrimination` is what training code does: augment every image twice,
  giving views X and Y (K each), and take the mean over i of the cross-entropy of the logits
  f(X) f(Y)^T with target i.

With a finite augmentation distribution both have exact values by enumeration:
:func:`eq1_exact` and :func:`batch_exact`.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.special import logsumexp


def random_encoder(size: int, d: int, seed: int = 0):
    """A fixed random linear map followed by l2-normalization: images (..., size, size) -> S^{d-1}."""
    W = np.random.default_rng(seed).standard_normal((size * size, d))

    def f(x: np.ndarray) -> np.ndarray:
        """``x`` (..., size, size) -> (..., d) unit vectors."""
        z = x.reshape(*x.shape[:-2], size * size) @ W
        return z / np.linalg.norm(z, axis=-1, keepdims=True)

    return f


def finite_views(images: np.ndarray, f, M: int = 3) -> np.ndarray:
    """Features of a finite augmentation with M equally likely outcomes (cyclic shifts by
    0..M-1 pixels): ``(K, M, d)``."""
    return np.stack([f(np.roll(images, m, axis=-1)) for m in range(M)], axis=1)


def toy_images(K: int, size: int = 6, seed: int = 0) -> np.ndarray:
    """K random grayscale images (K, size, size) in [0, 1]."""
    return np.random.default_rng(seed).random((K, size, size))


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A toy continuous augmentation, one independent draw per image: a random cyclic shift
    (0-2 pixels each way), a random brightness factor in [0.7, 1.3] and Gaussian noise (0.05).

    ``images`` (..., s, s) -> same shape."""
    flat = images.reshape(-1, *images.shape[-2:])
    out = np.empty_like(flat)
    for n, img in enumerate(flat):
        dx, dy = rng.integers(0, 3, size=2)
        out[n] = np.roll(img, (dy, dx), axis=(0, 1)) * rng.uniform(0.7, 1.3)
    out += 0.05 * rng.standard_normal(out.shape)
    return out.reshape(images.shape)


def _ce_rows(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """-log softmax(logits)[target] row by row; logits (..., C), targets (...)."""
    return logsumexp(logits, axis=-1) - np.take_along_axis(logits, targets[..., None], -1)[..., 0]


def eq1_monte_carlo(images, f, aug, n_draws: int, seed: int = 0, *,
                    y_images: np.ndarray | None = None) -> tuple[float, float]:
    """Monte-Carlo estimate of Eq. (1) with N = K and p_i = p_aug(.|img_i).

    Each draw picks every i, samples x_i ~ p_i and, independently for that i, y_j ~ p_j for all j.
    ``y_images`` (default ``images``) lets a control draw the y_j from other images.
    Returns ``(mean, standard error)`` over draws (each draw averages the N terms)."""
    rng = np.random.default_rng(seed)
    K = len(images)
    y_images = images if y_images is None else y_images
    vals = np.empty(n_draws)
    for t in range(n_draws):
        fx = f(aug(images, rng))                     # (K, d): x_i ~ p_i
        fy = f(aug(np.repeat(y_images[None], K, 0), rng))  # (K, K, d): fresh y_j ~ p_j for every i
        logits = np.einsum("id,ijd->ij", fx, fy)
        vals[t] = _ce_rows(logits, np.arange(K)).mean()
    return float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(n_draws))


def batch_instance_discrimination(images, f, aug, n_batches: int, seed: int = 1) -> tuple[float, float]:
    """The training-code estimate: two augmented views of the whole batch, logits f(X) f(Y)^T,
    target i for row i.  Returns ``(mean, standard error)`` over batches."""
    rng = np.random.default_rng(seed)
    K = len(images)
    vals = np.empty(n_batches)
    for t in range(n_batches):
        X, Y = f(aug(images, rng)), f(aug(images, rng))
        vals[t] = _ce_rows(X @ Y.T, np.arange(K)).mean()
    return float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(n_batches))


def eq1_exact(views: np.ndarray) -> float:
    """Eq. (1) exactly, for a finite augmentation: ``views`` (K, M, d) are the features of the M
    equally likely augmentations of each image.  Enumerates x_i and every (y_1..y_N)."""
    K, M, _ = views.shape
    total = 0.0
    for i in range(K):
        for a in range(M):
            for choice in itertools.product(range(M), repeat=K):
                ys = views[np.arange(K), choice]          # (K, d)
                logits = ys @ views[i, a]
                total += logsumexp(logits) - logits[i]
    return total / (K * M * M ** K)


def batch_exact(views: np.ndarray) -> float:
    """Expected batch instance-discrimination loss, enumerating both views of every image jointly."""
    K, M, _ = views.shape
    total, count = 0.0, 0
    for cx in itertools.product(range(M), repeat=K):
        X = views[np.arange(K), cx]
        for cy in itertools.product(range(M), repeat=K):
            Y = views[np.arange(K), cy]
            total += _ce_rows(X @ Y.T, np.arange(K)).mean()
            count += 1
    return total / count
