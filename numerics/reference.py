"""Published reference values, kept out of every solver: the proven Tammes optima on S^2.

The table (``numerics/data/tammes_s2_proven.tsv``, with its sources on its first line) is read
only where results are graded: the key's Q4e.iii.B check, the tests and the bench.  No solver
imports this module.
"""

from __future__ import annotations

import functools
from importlib import resources


def _table_text() -> str:
    return resources.files("numerics").joinpath("data", "tammes_s2_proven.tsv").read_text()


def tammes_source() -> str:
    """The table's first line: the publications the values come from."""
    return _table_text().splitlines()[0].removeprefix("#").strip()


@functools.lru_cache(maxsize=1)
def proven_tammes_s2() -> dict[int, float]:
    """``{N: the proven largest smallest angle (degrees) of N points on S^2}``."""
    out = {}
    for line in _table_text().splitlines():
        if line.strip() and not line.startswith("#") and not line.startswith("N\t"):
            n, angle, _ = line.split("\t")
            out[int(n)] = float(angle)
    return dict(out)
