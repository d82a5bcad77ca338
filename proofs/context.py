"""The context every check and figure receives: profile, seed, data, and a result cache.

``data`` is the data file the shapes experiment trains on (``companion key --data``), or None for
rendered data.  Results are cached as JSON under ``results_dir``; the cache key includes the
profile, the seed, the data file's SHA-256 and a fingerprint of the code
(:func:`code_fingerprint`), so changing any of them never reuses a stale result.
``force=True`` recomputes.  (Trained encoders are cached apart, by their training configuration
and data file: :mod:`numerics.shapes.experiment`.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from numerics.atomic import atomic_write_text
from numerics.profiles import PROFILES


def to_jsonable(obj: Any) -> Any:
    """numpy / torch scalars and arrays to plain JSON values (NaN and inf as strings)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "detach"):  # torch tensor
        obj = obj.detach().cpu().numpy()
    if hasattr(obj, "tolist"):  # numpy array or scalar
        return to_jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of every source file a result can depend on (``theory``, ``numerics``,
    ``proofs``, and the Coq files of ``formal``): changing any of them invalidates cached results and evidence."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for pkg in ("theory", "numerics", "proofs"):
        for f in sorted((root / pkg).rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    for f in sorted((root / "formal").glob("*.v")):  # the Coq sources behind the formal evidence
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Context:
    profile: str = "fast"
    seed: int = 0
    out_dir: Path = field(default_factory=lambda: Path("out"))
    force: bool = False
    #: the data file of the shapes experiment (a :class:`numerics.shapes.datafile.DataFile`,
    #: checked by ``open_data_file``); None: rendered data
    data: Any = None

    def __post_init__(self):
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; expected one of {', '.join(PROFILES)}")
        self.out_dir = Path(self.out_dir)

    @property
    def results_dir(self) -> Path:
        return self.out_dir / "results"

    @property
    def data_sha256(self) -> str | None:
        """The identity of the shapes experiment's data: the data file's SHA-256, None when rendered."""
        return None if self.data is None else self.data.sha256

    @property
    def figures_dir(self) -> Path:
        return self.out_dir / "figures"

    def setting(self, name: str) -> Any:
        """The profile's named setting ``name`` (:data:`numerics.profiles.SETTINGS`)."""
        settings = PROFILES[self.profile].settings
        if name not in settings:
            raise KeyError(f"profile {self.profile!r} has no setting {name!r}; known: {', '.join(sorted(settings))}")
        return settings[name]

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """Return ``compute()``, cached as ``results/NAME.json`` for this profile, seed, data and code."""
        path = self.results_dir / f"{name}.json"
        key = {"profile": self.profile, "seed": self.seed, "data": self.data_sha256, "code": code_fingerprint()}
        if path.exists() and not self.force:
            try:
                stored = json.loads(path.read_text())
                if stored.get("key") == key:
                    return stored["value"]
            except (json.JSONDecodeError, KeyError):
                pass  # a corrupt cache entry is recomputed
        value = to_jsonable(compute())
        atomic_write_text(path, json.dumps({"key": key, "value": value}, indent=1))
        return value


def data_record(ctx) -> dict:
    """What key.json says about the data of the shapes experiment (the trained encoders of Q7
    and Q8): ``source`` (``rendered`` or ``file``), the file's identity when there is one
    (:class:`numerics.shapes.datafile.DataFile`), the ``sample`` trained and measured on, and
    the ``statement`` the documents print (:func:`data_statement`)."""
    prof = PROFILES[ctx.profile]
    data = getattr(ctx, "data", None)
    sample = {"images": prof.n_images, "train": prof.n_train, "val": prof.n_val, "seed": ctx.seed}
    record = {"source": "rendered"} if data is None else {"source": "file", **data.to_json()}
    return {**record, "sample": sample, "statement": data_statement(ctx)}


_ESTIMATES = {"location": "location as the foreground centroid",
              "color": "colour as the nearest of nine colour clusters of the foreground colours",
              "shape": "shape by a moment classifier trained on rendered shapes"}


def data_statement(ctx) -> str:
    """One paragraph (Markdown) saying which data the shapes experiment used."""
    prof = PROFILES[ctx.profile]
    data = getattr(ctx, "data", None)
    split = f"{prof.n_train:,} train / {prof.n_val:,} val"
    if data is None:
        return (f"The shapes experiment (the trained encoders of Q7 and Q8) used {prof.n_images:,} images rendered "
                f"by `numerics.shapes.render` for seed {ctx.seed} ({split}), with their true factors.")
    from numerics.shapes.datafile import FORMATS

    estimated = [_ESTIMATES[f] for f in ("location", "color", "shape") if f in data.estimated]
    factors = ("Factors estimated from the pixels: " + "; ".join(estimated) + "." if estimated
               else "Factors read from the file.")
    return (f"The shapes experiment (the trained encoders of Q7 and Q8) used the data file `{data.name}` "
            f"(in {FORMATS['.' + data.format]}; SHA-256 `{data.sha256[:16]}`; {data.n_images:,} images, "
            f"{data.n_usable:,} showing a shape): {prof.n_images:,} of its images drawn at random for seed "
            f"{ctx.seed} ({split}). {factors} The other questions use rendered or synthetic data, as each says.")
