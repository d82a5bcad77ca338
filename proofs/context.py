"""The context every check and figure receives: profile, seed, and a result cache.

Results are cached as JSON under ``results_dir``; the cache key includes the profile, the seed
and a fingerprint of the code (:func:`code_fingerprint`), so changing any of them never reuses
a stale result.  ``force=True`` recomputes.  (Trained encoders are cached apart, by their
training configuration: :mod:`numerics.shapes.experiment`.)
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
    ``proofs``): changing any of them invalidates cached results and evidence."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for pkg in ("theory", "numerics", "proofs"):
        for f in sorted((root / pkg).rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Context:
    profile: str = "fast"
    seed: int = 0
    out_dir: Path = field(default_factory=lambda: Path("out"))
    force: bool = False

    def __post_init__(self):
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; expected one of {', '.join(PROFILES)}")
        self.out_dir = Path(self.out_dir)

    @property
    def results_dir(self) -> Path:
        return self.out_dir / "results"

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
        """Return ``compute()``, cached as ``results/NAME.json`` for this profile, seed and code."""
        path = self.results_dir / f"{name}.json"
        key = {"profile": self.profile, "seed": self.seed, "code": code_fingerprint()}
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
