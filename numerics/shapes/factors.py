"""Measuring the factors of an image from its pixels alone (no renderer labels).

These measurements are independent of the renderer and of the augmentations, so they can tell
whether two augmented views of one image still agree on a factor (Question 8b):

- **colour**: the mean colour of the foreground pixels, named by the nearest of the nine
  palette colours (:func:`color_index`);
- **location**: the centroid of the foreground pixels (:func:`centroid`) and its cell in a 3 x 3
  grid over the image (:func:`location_cell`);
- **shape**: a small classifier (:class:`ShapeClassifier`, multinomial logistic regression)
  on four translation-, rotation- and scale-invariant moments of the foreground mask
  (:func:`shape_features`), trained on clean rendered images and applied to augmented ones.

The foreground is every pixel whose colour differs from the image's background colour (the
median colour of its border pixels) by more than ``tol`` in some channel, so it works for black
backgrounds and for backgrounds that a colour augmentation has tinted, and for any number of
colours per image.  Images are float ``(B, 3, H, W)`` in [0, 1] (uint8 is converted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .render import PALETTE, SHAPES, UNKNOWN, to_float

#: Foreground threshold (max channel difference to the background colour).
FOREGROUND_TOL = 0.05
#: Views with fewer foreground pixels than this show no object.
MIN_PIXELS = 4
GRID = 3


def _float(images) -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape (B, 3, H, W), got {tuple(images.shape)}")
    return to_float(images)


def background_color(images) -> torch.Tensor:
    """``(B, 3)``: the per-channel median of each image's border pixels."""
    x = _float(images)
    border = torch.cat((x[:, :, 0, :], x[:, :, -1, :], x[:, :, 1:-1, 0], x[:, :, 1:-1, -1]), dim=2)
    return border.median(dim=2).values


def foreground_mask(images, tol: float = FOREGROUND_TOL) -> torch.Tensor:
    """``(B, H, W)`` bool: pixels whose colour differs from the background by more than ``tol``."""
    x = _float(images)
    bg = background_color(x).view(-1, 3, 1, 1)
    return ((x - bg).abs() > tol).any(dim=1)


def centroid(mask: torch.Tensor) -> torch.Tensor:
    """``(B, 2)`` foreground centroid ``(x, y)`` in pixels (pixel centres at ``index + 0.5``);
    NaN for an empty mask."""
    B, H, W = mask.shape
    m = mask.to(torch.float64)
    n = m.sum(dim=(1, 2))
    ar = lambda k: torch.arange(k, dtype=torch.float64, device=mask.device) + 0.5  # noqa: E731
    xs = (m.sum(1) * ar(W)).sum(1) / n
    ys = (m.sum(2) * ar(H)).sum(1) / n
    return torch.stack((xs, ys), 1)  # 0/0 = NaN for empty masks


def location_cell(xy: torch.Tensor, size: int = 64, grid: int = GRID) -> torch.Tensor:
    """Cell ``row * grid + col`` of a ``grid`` x ``grid`` partition of the image; -1 for NaN."""
    cell = torch.clamp((xy / size * grid).floor(), 0, grid - 1)
    idx = cell[:, 1] * grid + cell[:, 0]
    return torch.where(torch.isnan(idx), torch.full_like(idx, UNKNOWN), idx).long()


def mean_color(images, mask: torch.Tensor) -> torch.Tensor:
    """``(B, 3)`` mean colour of the foreground pixels (NaN for an empty mask)."""
    x = _float(images).double()
    m = mask.unsqueeze(1).double()
    return (x * m).sum(dim=(2, 3)) / m.sum(dim=(2, 3))


def color_index(rgb: torch.Tensor, palette: torch.Tensor = PALETTE) -> torch.Tensor:
    """Index of the nearest palette colour (Euclidean in RGB) for each row; -1 for NaN rows."""
    d = torch.cdist(rgb.double().nan_to_num(0.0), palette.double().to(rgb.device))
    idx = d.argmin(1)
    return torch.where(torch.isnan(rgb).any(1), torch.full_like(idx, UNKNOWN), idx)


# ----------------------------------------------------------------------------- shape

FEATURE_NAMES = ("fill", "spread", "threefold", "fourfold")


def shape_features(mask: torch.Tensor) -> torch.Tensor:
    """``(B, 4)`` float64 features of a foreground mask, invariant to translation, rotation and
    scale (up to pixelation).  With ``z`` the pixel centres relative to the centroid and ``N``
    the pixel count:

    - fill ``= N / (pi r_max^2)``, ``r_max`` the largest ``|z|`` plus half a pixel
      (circle 1, square 2/pi, triangle 3 sqrt(3) / (4 pi));
    - spread ``= sum |z|^2 / N^2`` (circle 1/(2 pi), square 1/6, triangle sqrt(3)/9);
    - threefold ``= |sum z^3| / sum |z|^3`` (large only for the triangle);
    - fourfold ``= |sum z^4| / sum |z|^4`` (large only for the square).

    Empty masks give NaN rows.
    """
    B, H, W = mask.shape
    m = mask.reshape(B, -1).to(torch.float64)
    n = m.sum(1)
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float64, device=mask.device) + 0.5,
                            torch.arange(W, dtype=torch.float64, device=mask.device) + 0.5, indexing="ij")
    xs, ys = xs.reshape(1, -1), ys.reshape(1, -1)
    cx = (m * xs).sum(1, keepdim=True) / n.unsqueeze(1)
    cy = (m * ys).sum(1, keepdim=True) / n.unsqueeze(1)
    z = torch.complex(xs - cx, ys - cy)
    r2 = z.real ** 2 + z.imag ** 2
    r = r2.sqrt()
    rmax = torch.where(m > 0, r, torch.zeros_like(r)).amax(1) + 0.5
    fill = n / (math.pi * rmax ** 2)
    spread = (m * r2).sum(1) / n ** 2
    mz = m.to(z.dtype)
    z2 = z * z
    three = (mz * z2 * z).sum(1).abs() / (m * r2 * r).sum(1)
    four = (mz * z2 * z2).sum(1).abs() / (m * r2 * r2).sum(1)
    f = torch.stack((fill, spread, three, four), 1)
    return torch.where((n > 0).unsqueeze(1), f, torch.full_like(f, float("nan")))


@dataclass
class ShapeClassifier:
    """Multinomial logistic regression on :func:`shape_features` (standardized)."""

    mean: torch.Tensor
    std: torch.Tensor
    weight: torch.Tensor  # (4, 3)
    bias: torch.Tensor    # (3,)
    train_accuracy: float = float("nan")

    @classmethod
    def fit(cls, images, shapes: torch.Tensor, *, steps: int = 200, l2: float = 1e-3) -> "ShapeClassifier":
        """Train on clean images ``(n, 3, 64, 64)`` with labels ``shapes`` (n,) (deterministic)."""
        feats = shape_features(foreground_mask(images))
        ok = ~torch.isnan(feats).any(1)
        if int(ok.sum()) < len(SHAPES):
            raise ValueError("too few images with a visible shape to train the shape classifier")
        f, y = feats[ok], shapes[ok].long()
        mean, std = f.mean(0), f.std(0).clamp_min(1e-9)
        z = (f - mean) / std
        w = torch.zeros(z.shape[1], len(SHAPES), dtype=torch.float64, requires_grad=True)
        b = torch.zeros(len(SHAPES), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(z @ w + b, y) + l2 * (w ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        clf = cls(mean, std, w.detach(), b.detach())
        clf.train_accuracy = float((clf.predict_features(f) == y).double().mean())
        return clf

    def predict_features(self, feats: torch.Tensor) -> torch.Tensor:
        z = (feats - self.mean) / self.std
        pred = (z.nan_to_num(0.0) @ self.weight + self.bias).argmax(1)
        return torch.where(torch.isnan(feats).any(1), torch.full_like(pred, UNKNOWN), pred)

    def predict(self, images) -> torch.Tensor:
        """Shape index per image (-1 where no object is visible)."""
        mask = foreground_mask(images)
        pred = self.predict_features(shape_features(mask))
        return torch.where(mask.sum((1, 2)) >= MIN_PIXELS, pred, torch.full_like(pred, UNKNOWN))


def train_shape_classifier(n: int = 3000, seed: int = 12345) -> ShapeClassifier:
    """A shape classifier trained on ``n`` clean rendered images (seed distinct from the data's)."""
    from .render import make_dataset

    images, factors = make_dataset(n, seed)
    return ShapeClassifier.fit(images, factors["shape"])


# ----------------------------------------------------------------------------- measure

def measure(images, classifier: ShapeClassifier | None = None, *, chunk: int = 2048) -> dict[str, torch.Tensor]:
    """Measured factors of each image: ``npix``, ``x``, ``y``, ``cell``, ``rgb``, ``color``
    and (with a classifier) ``shape``; -1 / NaN where no object is visible."""
    x = _float(images)
    out: dict[str, list] = {k: [] for k in ("npix", "x", "y", "cell", "rgb", "color", "shape")}
    for s in range(0, x.shape[0], chunk):
        xb = x[s:s + chunk]
        mask = foreground_mask(xb)
        npix = mask.sum((1, 2))
        visible = npix >= MIN_PIXELS
        xy = centroid(mask)
        xy = torch.where(visible.unsqueeze(1), xy, torch.full_like(xy, float("nan")))
        rgb = mean_color(xb, mask)
        rgb = torch.where(visible.unsqueeze(1), rgb, torch.full_like(rgb, float("nan")))
        out["npix"].append(npix)
        out["x"].append(xy[:, 0])
        out["y"].append(xy[:, 1])
        out["cell"].append(location_cell(xy, size=x.shape[-1]))
        out["rgb"].append(rgb)
        out["color"].append(color_index(rgb))
        if classifier is not None:
            out["shape"].append(classifier.predict(xb))
    if classifier is None:
        out.pop("shape")
    return {k: torch.cat(v) for k, v in out.items()}


def agreement(a: torch.Tensor, b: torch.Tensor, k: int) -> dict:
    """Agreement of two label vectors over the pairs where both are known (labels 0..k-1):
    observed ``p_o``, chance ``p_e = sum_c P_a(c) P_b(c)`` from the marginals, Cohen's
    ``kappa = (p_o - p_e) / (1 - p_e)``, and how many pairs were counted."""
    ok = (a >= 0) & (b >= 0)
    a, b = a[ok], b[ok]
    n = int(a.numel())
    if n == 0:
        return {"pairs": 0, "agree": float("nan"), "chance": float("nan"), "kappa": float("nan")}
    po = float((a == b).double().mean())
    pa = torch.bincount(a, minlength=k).double() / n
    pb = torch.bincount(b, minlength=k).double() / n
    pe = float((pa * pb).sum())
    kappa = (po - pe) / (1 - pe) if pe < 1 else 0.0
    return {"pairs": n, "agree": po, "chance": pe, "kappa": kappa}


# ----------------------------------------------------------------------------- unlabelled data

def _kmeans(points: np.ndarray, k: int, iters: int = 50) -> np.ndarray:
    """Deterministic k-means (farthest-point start); returns the centres ``(k', 3)``."""
    uniq = np.unique(np.round(points, 3), axis=0)
    k = min(k, len(uniq))
    centres = [uniq[np.argmax(np.linalg.norm(uniq - uniq.mean(0), axis=1))]]
    for _ in range(1, k):
        d = np.min(np.linalg.norm(uniq[:, None] - np.array(centres)[None], axis=2), axis=1)
        centres.append(uniq[np.argmax(d)])
    c = np.array(centres)
    for _ in range(iters):
        lab = np.argmin(np.linalg.norm(points[:, None] - c[None], axis=2), axis=1)
        new = np.array([points[lab == j].mean(0) if np.any(lab == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c


def estimate_factors(images, *, n_colors: int = 9, chunk: int = 4096) -> dict[str, torch.Tensor]:
    """Factors estimated from pixels for unlabelled images (the homework's file).

    ``x``, ``y``: foreground centroid; ``color``: index of the nearest of ``n_colors`` k-means
    centres of the images' mean foreground colours, ordered by hue (so indices are not the
    renderer's palette indices); ``shape`` = -1, ``size`` = ``rotation`` = NaN (unknown).
    Images with no visible object get ``color`` -1 and NaN location.
    """
    x = _float(images)
    m = measure(x, None, chunk=chunk)
    rgb = m["rgb"]
    n = x.shape[0]
    color = torch.full((n,), UNKNOWN, dtype=torch.long)
    ok = ~torch.isnan(rgb).any(1)
    if ok.any():
        pts = rgb[ok].numpy()
        c = _kmeans(pts, n_colors)
        hsv_h = _hue(c)
        c = c[np.argsort(hsv_h, kind="stable")]
        color[ok] = color_index(rgb[ok], torch.from_numpy(c))
    nan = torch.full((n,), float("nan"), dtype=torch.float32)
    return {"shape": torch.full((n,), UNKNOWN, dtype=torch.long), "color": color,
            "x": m["x"].float(), "y": m["y"].float(), "size": nan.clone(), "rotation": nan.clone()}


def _hue(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    return np.arctan2(math.sqrt(3) * (g - b), 2 * r - g - b) % (2 * math.pi)


#: The measured factors and their number of classes: shape (3 shapes), location (3 x 3 cells),
#: colour (9 palette colours).
MEASURED = (("shape", "shape", len(SHAPES)), ("location", "cell", GRID * GRID), ("color", "color", len(PALETTE)))


def pair_agreement(images, name: str, classifier: ShapeClassifier, *, generator: torch.Generator,
                   batch: int = 1024) -> dict:
    """Two independent views of every image under augmentation ``name``; for each factor, the
    :func:`agreement` of the two views' measured values (over pairs where both views show the
    object), plus ``both_visible``: the fraction of pairs where both views show it."""
    from .augment import augment

    x = _float(images)
    m1, m2 = [], []
    for s in range(0, x.shape[0], batch):
        xb = x[s:s + batch]
        m1.append(measure(augment(xb, name, generator=generator), classifier))
        m2.append(measure(augment(xb, name, generator=generator), classifier))
    a = {k: torch.cat([m[k] for m in m1]) for k in m1[0]}
    b = {k: torch.cat([m[k] for m in m2]) for k in m2[0]}
    vis = (a["npix"] >= MIN_PIXELS) & (b["npix"] >= MIN_PIXELS)
    out = {"pairs": int(x.shape[0]), "both_visible": float(vis.double().mean())}
    for factor, key, k in MEASURED:
        out[factor] = agreement(a[key], b[key], k)
    return out
