"""A data file in place of the rendered shapes data set (``companion key --data FILE``).

Two formats are read, and nothing else:

- the homework's ``shapes_dataset_6s898.npy``: a pickled dict whose key ``imgs`` holds the
  images (:func:`numerics.shapes.render.read_homework_images`, which unpickles plain data only);
  the file has no factors, so all of them are estimated from the pixels;
- a ``.npz`` written by :func:`numerics.shapes.render.save_dataset`, the project's own format:
  the images with their factors.  A factor the file holds as unknown (-1, or NaN) is estimated.

Terms.

- The **identity** of a file is the SHA-256 of its bytes (:attr:`DataFile.sha256`).  Every cache
  of the key that depends on the data is keyed by it, so another file, or the same path with
  new content, never reuses results trained on an earlier one.
- An image is **usable** when it shows a shape: at least
  :data:`~numerics.shapes.factors.MIN_PIXELS` pixels differ from its background
  (:func:`usable_images`).  An image that shows nothing has no factors and is left out.
- The **sample** of ``n`` images and a seed (:func:`sample_indices`) is what the experiment trains
  and measures on: ``n`` usable images drawn at random, fixed by the seed, so that a file stored
  in some order (by colour, say) is not split by that order.  As with rendered data, the first
  ``n_train`` images of the sample train and the rest validate.
- **Estimated factors** (:func:`estimate_sample_factors`): location is the foreground centroid and
  colour the nearest of nine colour clusters of the sample's foreground colours
  (:func:`numerics.shapes.factors.estimate_factors`, as the loader does); shape is predicted by
  the moment classifier of Q8b (:func:`numerics.shapes.factors.train_shape_classifier`, trained
  on rendered images).  Size and rotation stay unknown; no probe reads them.

This module imports torch only inside its functions, so that the command line starts fast.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

#: The formats read, by file suffix, with the words the key uses for them.
FORMATS = {".npy": "the homework's .npy format, a dict with key 'imgs'",
           ".npz": "a .npz saved by numerics.shapes.render.save_dataset"}
#: Version of the sample a file gives (part of the cached sample's name).
SAMPLE_VERSION = 1
#: The factors the probes read, and the file factors each is made of.
_PROBED = {"shape": ("shape",), "color": ("color",), "location": ("x", "y")}


class DataFileError(ValueError):
    """A data file that cannot be used, with a one-line reason that names the file."""


@dataclass(frozen=True)
class DataFile:
    """A checked data file: where it is, its identity, its format and what it holds.

    ``path``: absolute; ``sha256``: of its bytes; ``format``: ``"npy"`` or ``"npz"``;
    ``n_images``: images in the file; ``n_usable``: those showing a shape; ``estimated``: the
    probed factors (``shape``, ``color``, ``location``) estimated from pixels rather than read
    from the file."""

    path: str
    sha256: str
    format: str
    n_images: int
    n_usable: int
    estimated: tuple[str, ...]

    @property
    def name(self) -> str:
        return Path(self.path).name

    def to_json(self) -> dict:
        d = asdict(self)
        d["estimated"] = list(self.estimated)
        d["format_words"] = FORMATS["." + self.format]
        return d


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def file_sha256(path, *, block: int = 1 << 22) -> str:
    """The SHA-256 of the file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


def _check_npz_factors(path: Path, factors: dict) -> None:
    """Stored factors in range: shape in -1..2, colour in -1..8 (integers), location finite in
    the image or NaN (unknown)."""
    import torch

    from .render import PALETTE, SHAPES

    for name, hi in (("shape", len(SHAPES) - 1), ("color", len(PALETTE) - 1)):
        t = factors[name]
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise DataFileError(f"{path}: factor {name!r} must hold integers, got {t.dtype}")
        if t.numel() and (int(t.min()) < -1 or int(t.max()) > hi):
            raise DataFileError(f"{path}: factor {name!r} must lie in -1..{hi} (-1: unknown), "
                                f"got {int(t.min())}..{int(t.max())}")
    for name in ("x", "y"):
        t = factors[name]
        if not t.is_floating_point():
            raise DataFileError(f"{path}: factor {name!r} must hold floats, got {t.dtype}")
        known = t[~torch.isnan(t)].double()
        if known.numel() and (not torch.isfinite(known).all() or known.min() < 0 or known.max() > 64):
            raise DataFileError(f"{path}: factor {name!r} must lie in [0, 64] (NaN: unknown)")


def read_data_file(path):
    """``(images, factors)`` of a data file: uint8 ``(n, 3, 64, 64)`` images, and the file's
    factors (a ``.npz``) or None (the homework's ``.npy``, which has none).  Raises
    :class:`DataFileError` with one line naming the file and the problem."""
    from .render import load_dataset, read_homework_images

    p = Path(path)
    if not p.exists():
        raise DataFileError(f"{p}: no such file")
    if not p.is_file():
        raise DataFileError(f"{p}: not a file")
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise DataFileError(f"{p}: unknown format {suffix or '(no suffix)'!r}; expected {FORMATS['.npy']} "
                            f"or {FORMATS['.npz']}")
    try:
        if suffix == ".npy":
            return read_homework_images(p), None
        images, factors = load_dataset(p)
    except DataFileError:
        raise
    except (ValueError, OSError) as exc:
        msg = _one_line(exc)
        raise DataFileError(msg if str(p) in msg else f"{p}: {msg}") from None
    _check_npz_factors(p, factors)
    return images, factors


def usable_images(images, *, chunk: int = 4096):
    """``(n,)`` bool: the images that show a shape (module docstring)."""
    import torch

    from .factors import MIN_PIXELS, foreground_mask

    out = [foreground_mask(images[s:s + chunk]).sum((1, 2)) >= MIN_PIXELS for s in range(0, len(images), chunk)]
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.bool)


def _known(name: str, t) -> bool:
    import torch

    return bool((t >= 0).all()) if name in ("shape", "color") else bool(torch.isfinite(t).all())


def estimated_factors(factors: dict | None) -> tuple[str, ...]:
    """The probed factors that must be estimated from pixels: all of them without stored
    factors, else those with an unknown value."""
    if factors is None:
        return tuple(_PROBED)
    return tuple(f for f, keys in _PROBED.items() if not all(_known(k, factors[k]) for k in keys))


def open_data_file(path) -> DataFile:
    """Check a data file completely (format, content, usable images) and return its
    :class:`DataFile`.  Raises :class:`DataFileError` with one line naming the problem."""
    p = Path(path).expanduser().absolute()
    images, factors = read_data_file(p)
    if len(images) == 0:
        raise DataFileError(f"{p}: holds no images")
    try:
        sha = file_sha256(p)
    except OSError as exc:
        raise DataFileError(f"{p}: cannot read: {exc.strerror or exc}") from None
    n_usable = int(usable_images(images).sum())
    if n_usable == 0:
        raise DataFileError(f"{p}: none of its {len(images)} images shows a shape")
    return DataFile(str(p), sha, p.suffix.lower()[1:], len(images), n_usable, estimated_factors(factors))


def sample_indices(usable, n: int, seed: int):
    """The sample (module docstring): indices of ``n`` usable images in a random order fixed by
    ``seed``.  Raises :class:`DataFileError` when fewer than ``n`` images are usable."""
    import torch

    if int(usable.sum()) < n:
        raise DataFileError(f"{int(usable.sum())} of the file's {len(usable)} images show a shape; {n} are needed")
    g = torch.Generator().manual_seed(int(seed) * 1_000_003 + 4_242)
    order = torch.randperm(len(usable), generator=g)
    return order[usable[order]][:n]


@functools.lru_cache(maxsize=1)
def shape_classifier():
    """The moment classifier of Q8b (:func:`numerics.shapes.factors.train_shape_classifier`),
    trained once per process."""
    from .factors import train_shape_classifier

    return train_shape_classifier()


def predict_shapes(images, *, chunk: int = 1024):
    """``(n,)`` shape indices predicted by the moment classifier (module docstring)."""
    import torch

    clf = shape_classifier()
    return torch.cat([clf.predict(images[s:s + chunk]) for s in range(0, len(images), chunk)])


def estimate_sample_factors(images, stored: dict | None = None) -> dict:
    """The factors of a sample's images: those of ``stored`` (the file's, for the same images)
    where every value is known, the others estimated from the pixels (module docstring)."""
    import torch

    from .factors import estimate_factors

    todo = estimated_factors(stored)
    est = estimate_factors(images) if {"color", "location"} & set(todo) else None
    n = len(images)
    nan = torch.full((n,), float("nan"), dtype=torch.float32)
    out = {}
    for f, keys in _PROBED.items():
        for k in keys:
            if f not in todo:
                out[k] = stored[k]
            elif k == "shape":
                out[k] = predict_shapes(images)
            else:
                out[k] = est[k]
    for k in ("size", "rotation"):
        out[k] = stored[k] if stored is not None else nan.clone()
    unknown = [k for k in ("shape", "color", "x", "y") if not _known(k, out[k])]
    if unknown:
        raise DataFileError(f"the factors {', '.join(unknown)} could not be estimated for every image of the sample")
    return out


def data_sample(data: DataFile, n: int, seed: int, *, cache: Path | None = None):
    """``(images, factors)``: the sample of ``n`` images for ``seed`` (module docstring) and its
    factors.  ``cache``: a folder keyed by the data file (and profile and seed), where the
    sample is stored once as ``.npz`` and read back by every later call and worker process.
    Raises :class:`DataFileError` when the file changed since it was checked (its SHA-256)."""
    from ..atomic import atomic_write
    from .render import dataset_arrays, load_dataset

    path = None if cache is None else Path(cache) / f"sample-v{SAMPLE_VERSION}-{n}.npz"
    if path is not None and path.exists():
        try:
            images, factors = load_dataset(path)
            if len(images) == n:
                return images, factors
        except ValueError:
            pass  # a damaged cache is made again
    if file_sha256(data.path) != data.sha256:
        raise DataFileError(f"{data.path}: the file changed since it was checked (its SHA-256 differs)")
    images, stored = read_data_file(data.path)
    idx = sample_indices(usable_images(images), n, seed)
    sample = images[idx].clone()
    factors = estimate_sample_factors(sample, None if stored is None else {k: v[idx] for k, v in stored.items()})
    if path is not None:
        import numpy as np

        arrays = dataset_arrays(sample, factors)
        atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays), "wb")
    return sample, factors
