"""A vectorized torch renderer for the coloured-shapes data set (homework Part 2, Figures 1-2).

Each image is 64 x 64 RGB with a black background and one filled shape.  Its ground-truth
factors are

- ``shape``: int64 index into :data:`SHAPES` = (triangle, circle, square);
- ``color``: int64 index into :data:`PALETTE` (nine colours);
- ``x``, ``y``: float32 centre of the shape in pixels (column, row); pixel ``(i, j)`` covers
  ``[j, j+1) x [i, i+1)`` and its centre is ``(j + 0.5, i + 0.5)``;
- ``size``: float32 radius of the shape's circumscribed circle, in pixels;
- ``rotation``: float32 tilt in radians, in ``[0, 2 pi)``.

A pixel is foreground when its centre lies inside the shape (no anti-aliasing), so a rendered
image has exactly two colours.  Nothing downstream relies on that: the measurements in
:mod:`numerics.shapes.factors` and the colour operations in :mod:`numerics.shapes.augment` work
on any per-pixel colours, as the homework's own file (:func:`load_homework_npy`) needs.

Images are ``uint8`` tensors ``(n, 3, 64, 64)`` (values 0..255, 786 MB for 64,000 images);
:func:`to_float` gives the ``float32`` ``[0, 1]`` images that :func:`numerics.shapes.augment.augment`
takes.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import torch

SHAPES = ("triangle", "circle", "square")
#: Nine colours, fully saturated hues 40 degrees apart (RGB in [0, 1]); names for captions.
COLOR_NAMES = ("red", "orange", "yellow", "green", "teal", "cyan", "blue", "purple", "magenta")
_HUES = (0.0, 30.0, 60.0, 120.0, 160.0, 190.0, 230.0, 275.0, 315.0)


def _hue_to_rgb(h_deg: float) -> tuple[float, float, float]:
    k = [(n + h_deg / 60.0) % 6.0 for n in (5.0, 3.0, 1.0)]
    return tuple(1.0 - max(0.0, min(kk, 4.0 - kk, 1.0)) for kk in k)


#: ``(9, 3)`` float32 palette in [0, 1]; stored as exact multiples of 1/255.
PALETTE = torch.tensor([[round(255 * c) / 255 for c in _hue_to_rgb(h)] for h in _HUES],
                       dtype=torch.float32)
PALETTE_U8 = (PALETTE * 255).round().to(torch.uint8)

IMAGE_SIZE = 64
#: Circumradius range in pixels, and the range of the centre coordinates (shapes stay inside).
SIZE_RANGE = (7.0, 14.0)
LOCATION_RANGE = (15.0, 49.0)
#: The homework's split: 40,000 train / 24,000 val of 64,000 images.
N_TOTAL, N_TRAIN, N_VAL = 64000, 40000, 24000
FACTOR_NAMES = ("shape", "color", "x", "y", "size", "rotation")
_INT_FACTORS = ("shape", "color")
#: Marks a factor that is not known (e.g. shape of an image loaded from the homework's file).
UNKNOWN = -1
_WINDOW = 32  # side of the square that holds any shape (2 * 14 px + margin)


def sample_factors(n: int, *, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Independent uniform factors for ``n`` images (a dict of ``(n,)`` tensors)."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    g = generator
    u = torch.rand(4, n, generator=g, dtype=torch.float64)
    lo, hi = LOCATION_RANGE
    s0, s1 = SIZE_RANGE
    return {
        "shape": torch.randint(0, len(SHAPES), (n,), generator=g),
        "color": torch.randint(0, len(PALETTE), (n,), generator=g),
        "x": (lo + (hi - lo) * u[0]).float(),
        "y": (lo + (hi - lo) * u[1]).float(),
        "size": (s0 + (s1 - s0) * u[2]).float(),
        "rotation": (2 * math.pi * u[3]).float().remainder(2 * math.pi),
    }


def validate_factors(factors: dict) -> int:
    """Check a factor dict for rendering; return ``n``.  Raises ValueError naming the problem."""
    if not isinstance(factors, dict):
        raise ValueError(f"factors must be a dict of tensors, got {type(factors).__name__}")
    missing = [k for k in FACTOR_NAMES if k not in factors]
    if missing:
        raise ValueError(f"factors lack {', '.join(missing)}; need {', '.join(FACTOR_NAMES)}")
    ns = {k: torch.as_tensor(factors[k]).shape for k in FACTOR_NAMES}
    if any(len(s) != 1 for s in ns.values()) or len({s[0] for s in ns.values()}) != 1:
        raise ValueError(f"every factor must be a 1-d tensor of one length, got shapes {ns}")
    n = next(iter(ns.values()))[0]
    checks = {
        "shape": (0, len(SHAPES) - 1), "color": (0, len(PALETTE) - 1),
        "x": LOCATION_RANGE, "y": LOCATION_RANGE, "size": SIZE_RANGE,
    }
    for k, (lo, hi) in checks.items():
        t = torch.as_tensor(factors[k]).double()
        bad = ~((t >= lo) & (t <= hi))
        if bad.any():
            i = int(bad.nonzero()[0])
            raise ValueError(f"factor {k!r} out of range [{lo}, {hi}] at image {i}: {float(t[i])}")
    rot = torch.as_tensor(factors["rotation"]).double()
    if not torch.isfinite(rot).all():
        i = int((~torch.isfinite(rot)).nonzero()[0])
        raise ValueError(f"factor 'rotation' is not finite at image {i}")
    return n


def shape_masks(factors: dict, *, chunk: int = 4096) -> torch.Tensor:
    """Boolean foreground masks ``(n, 64, 64)``: pixel centres inside each shape."""
    n = validate_factors(factors)
    out = torch.zeros(n, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.bool)
    c = torch.arange(IMAGE_SIZE, dtype=torch.float32) + 0.5
    shape = torch.as_tensor(factors["shape"]).long()
    fx, fy, fs, fr = (torch.as_tensor(factors[k]).float() for k in ("x", "y", "size", "rotation"))
    # Triangle: edges at distance R/2 from the centre, outward normals at 90 + 120 k degrees
    # (its vertices point at -90 + 120 k degrees, i.e. one vertex up when rotation = 0).
    tri_normals = torch.tensor([[math.cos(a), math.sin(a)] for a in
                                (math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 + 4 * math.pi / 3)],
                               dtype=torch.float32)
    # Every shape lies within its centre +- 14 px, so each is drawn in a 32 x 32 window
    # (origin clamped to the image) and the window is placed into the zero image.
    win = _WINDOW
    for s0 in range(0, n, chunk):
        s1 = min(n, s0 + chunk)
        ox = (fx[s0:s1].floor().long() - win // 2).clamp(0, IMAGE_SIZE - win)
        oy = (fy[s0:s1].floor().long() - win // 2).clamp(0, IMAGE_SIZE - win)
        cw = c[:win]
        dx = (cw.view(1, 1, -1) + ox.view(-1, 1, 1)) - fx[s0:s1].view(-1, 1, 1)
        dy = (cw.view(1, -1, 1) + oy.view(-1, 1, 1)) - fy[s0:s1].view(-1, 1, 1)
        cr, sr = torch.cos(fr[s0:s1]).view(-1, 1, 1), torch.sin(fr[s0:s1]).view(-1, 1, 1)
        u = cr * dx + sr * dy  # coordinates in the shape's own (un-rotated) frame
        v = cr * dy - sr * dx
        r = fs[s0:s1].view(-1, 1, 1)
        sh = shape[s0:s1]
        m = torch.empty(s1 - s0, win, win, dtype=torch.bool)
        for k in range(len(SHAPES)):
            idx = (sh == k).nonzero().squeeze(1)
            if idx.numel() == 0:
                continue
            uu, vv, rr = u[idx], v[idx], r[idx]
            if SHAPES[k] == "circle":
                mk = uu * uu + vv * vv <= rr * rr
            elif SHAPES[k] == "square":
                mk = torch.maximum(uu.abs(), vv.abs()) <= rr * (1 / math.sqrt(2))
            else:
                half = 0.5 * rr
                mk = (uu * tri_normals[0, 0] + vv * tri_normals[0, 1]) <= half
                mk &= (uu * tri_normals[1, 0] + vv * tri_normals[1, 1]) <= half
                mk &= (uu * tri_normals[2, 0] + vv * tri_normals[2, 1]) <= half
            m[idx] = mk
        ar = torch.arange(win)
        rows = (oy.view(-1, 1, 1) + ar.view(1, -1, 1)).expand(-1, win, win)
        cols = (ox.view(-1, 1, 1) + ar.view(1, 1, -1)).expand(-1, win, win)
        img = torch.arange(s0, s1).view(-1, 1, 1).expand(-1, win, win)
        out[img, rows, cols] = m
    return out


def render(factors: dict, *, chunk: int = 4096) -> torch.Tensor:
    """Render images ``(n, 3, 64, 64)`` uint8 from factors (black background)."""
    masks = shape_masks(factors, chunk=chunk)
    col = PALETTE_U8[torch.as_tensor(factors["color"]).long()]  # (n, 3)
    return masks.unsqueeze(1).to(torch.uint8) * col.view(-1, 3, 1, 1)


def make_dataset(n: int = N_TOTAL, seed: int = 0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``(images, factors)``: ``n`` rendered images, deterministic by ``seed``.

    images: ``uint8`` tensor ``(n, 3, 64, 64)`` with values 0..255 (use :func:`to_float` for
    ``float32`` in [0, 1]).  factors: dict of ``(n,)`` tensors ``shape`` (int64), ``color``
    (int64), ``x``, ``y``, ``size``, ``rotation`` (float32); see the module docstring.
    Split with :func:`split_indices` (40,000 / 24,000 for n = 64,000).
    """
    g = torch.Generator().manual_seed(int(seed))
    factors = sample_factors(n, generator=g)
    return render(factors), factors


def split_sizes(n: int) -> tuple[int, int]:
    """``(n_train, n_val)``: the homework's 40,000 / 24,000 of 64,000, proportional for other n."""
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    n_train = (n * N_TRAIN) // N_TOTAL
    return n_train, n - n_train


def split_indices(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Index tensors ``(train, val)``: the first ``n_train`` images train, the rest val
    (factors are i.i.d., so a contiguous split is a random one)."""
    n_train, _ = split_sizes(n)
    return torch.arange(n_train), torch.arange(n_train, n)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 images (0..255) to float32 in [0, 1]; float images are returned as float32."""
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    if images.is_floating_point():
        return images.float()
    raise ValueError(f"images must be uint8 or floating point, got {images.dtype}")


# ----------------------------------------------------------------------------- files

_FORMAT = "contrastive-companion/shapes/1"


def save_dataset(path, images: torch.Tensor, factors: dict[str, torch.Tensor]) -> Path:
    """Save ``images`` (uint8 ``(n, 3, 64, 64)``) and ``factors`` to a compressed ``.npz``."""
    path = Path(path)
    arrays = dataset_arrays(images, factors)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def dataset_arrays(images: torch.Tensor, factors: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` that :func:`save_dataset` writes (checked as it says)."""
    if images.dtype != torch.uint8 or images.ndim != 4 or tuple(images.shape[1:]) != (3, 64, 64):
        raise ValueError(f"images must be uint8 (n, 3, 64, 64), got {images.dtype} {tuple(images.shape)}")
    arrays = {"images": images.cpu().numpy(), "format": np.array(_FORMAT)}
    for k in FACTOR_NAMES:
        t = torch.as_tensor(factors[k])
        if t.shape != (images.shape[0],):
            raise ValueError(f"factor {k!r} has shape {tuple(t.shape)}, expected ({images.shape[0]},)")
        arrays[f"factor_{k}"] = t.cpu().numpy()
    return arrays


def load_dataset(path) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Load a file written by :func:`save_dataset` (or the homework's ``.npy``, see
    :func:`load_homework_npy`).  Raises ValueError on a corrupt or mismatched file."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no data file at {path}")
    if path.suffix == ".npy":
        return load_homework_npy(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            need = {"images", "format"} | {f"factor_{k}" for k in FACTOR_NAMES}
            if not need <= keys:
                raise ValueError(f"{path} is not a shapes data file: lacks {sorted(need - keys)}")
            if str(z["format"]) != _FORMAT:
                raise ValueError(f"{path}: unknown format {str(z['format'])!r}, expected {_FORMAT!r}")
            images = torch.from_numpy(z["images"])
            factors = {k: torch.from_numpy(z[f"factor_{k}"]) for k in FACTOR_NAMES}
    except ValueError:
        raise
    except Exception as exc:  # zip / pickle / truncation errors
        raise ValueError(f"{path} is corrupt or not an .npz data file: {type(exc).__name__}: {exc}") from exc
    if images.dtype != torch.uint8 or images.ndim != 4 or tuple(images.shape[1:]) != (3, 64, 64):
        raise ValueError(f"{path}: images must be uint8 (n, 3, 64, 64), got {images.dtype} {tuple(images.shape)}")
    n = images.shape[0]
    for k, t in factors.items():
        if t.shape != (n,):
            raise ValueError(f"{path}: factor {k!r} has shape {tuple(t.shape)}, expected ({n},) to match the images")
    return images, factors


class _DataUnpickler(pickle.Unpickler):
    """Admits only what a pickled dict of numpy arrays needs: arrays, dtypes and scalars (dicts,
    lists, numbers and strings need no global).  Any other global, such as ``os.system`` in a
    crafted file, is refused before anything runs."""

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
                ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        if module in ("numpy.dtypes", "numpy") and name.endswith("DType"):  # numpy 2's dtype classes
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: only numpy arrays, dicts, lists and "
                                     "numbers are read from a data file")


def read_npy_data(path):
    """A ``.npy`` file's content without running code: plain arrays through ``np.load`` with
    pickles disabled, object arrays (a pickled dict, as the homework's file is) through
    :class:`_DataUnpickler`."""
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            _shape, _fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            _shape, _fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        if not dtype.hasobject:
            fh.seek(0)
            return np.load(fh, allow_pickle=False)
        return _DataUnpickler(fh).load()


def load_homework_npy(path) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Load the homework's ``shapes_dataset_6s898.npy`` (a pickled dict with key ``imgs``).

    ``imgs`` may be ``(n, 64, 64, 3)`` or ``(n, 3, 64, 64)``, uint8 or float in [0, 1].  The
    factors that pixels determine are estimated (:func:`numerics.shapes.factors.estimate_factors`):
    ``x``, ``y`` from the foreground centroid and ``color`` as the nearest of nine colour
    clusters of the data's foreground colours; ``shape`` and ``color`` are :data:`UNKNOWN`
    (-1) where they cannot be computed, ``size`` and ``rotation`` are NaN (unknown).
    """
    from .factors import estimate_factors

    images = read_homework_images(path)
    return images, estimate_factors(images)


def read_homework_images(path) -> torch.Tensor:
    """The images of the homework's ``.npy`` (:func:`load_homework_npy`) as uint8
    ``(n, 3, 64, 64)``, without estimating their factors.  Raises ValueError naming the problem:
    not a ``.npy``, a pickle that is not plain data, no ``imgs``, a wrong shape or dtype, float
    values outside [0, 1] or not finite."""
    path = Path(path)
    try:
        obj = read_npy_data(path)
        if isinstance(obj, np.ndarray) and obj.dtype == object and obj.shape == ():
            obj = obj.item()
    except pickle.UnpicklingError as exc:
        raise ValueError(f"{path}: {exc}") from None
    except Exception as exc:
        raise ValueError(f"{path} is corrupt or not a .npy file: {type(exc).__name__}: {exc}") from exc
    if not isinstance(obj, dict) or "imgs" not in obj:
        raise ValueError(f"{path}: expected a dict with key 'imgs' (the homework's shapes file), "
                         f"got {type(obj).__name__}" + (f" with keys {sorted(map(str, obj))}" if isinstance(obj, dict) else ""))
    try:
        imgs = np.asarray(obj["imgs"])
    except (ValueError, TypeError) as exc:  # a ragged list, say
        raise ValueError(f"{path}: 'imgs' is not an array of images: {exc}") from None
    if imgs.ndim != 4 or not ({imgs.shape[1], imgs.shape[3]} & {3}) or imgs.shape[-2] not in (64, 3):
        raise ValueError(f"{path}: 'imgs' must be (n, 64, 64, 3) or (n, 3, 64, 64), got {imgs.shape}")
    if imgs.shape[-1] == 3 and imgs.shape[1:3] == (64, 64):
        imgs = imgs.transpose(0, 3, 1, 2)
    if tuple(imgs.shape[1:]) != (3, 64, 64):
        raise ValueError(f"{path}: 'imgs' must be (n, 64, 64, 3) or (n, 3, 64, 64), got {imgs.shape}")
    if imgs.dtype == np.uint8:
        images = torch.from_numpy(np.ascontiguousarray(imgs))
    elif np.issubdtype(imgs.dtype, np.floating):
        if imgs.size and not np.isfinite(imgs).all():
            raise ValueError(f"{path}: float 'imgs' hold NaN or infinite values")
        if imgs.size and (imgs.min() < 0 or imgs.max() > 1):
            raise ValueError(f"{path}: float 'imgs' must lie in [0, 1]")
        images = torch.from_numpy(np.ascontiguousarray(np.round(imgs * 255))).to(torch.uint8)
    else:
        raise ValueError(f"{path}: 'imgs' must be uint8 or float, got {imgs.dtype}")
    return images
