"""Published reference values, kept out of every solver: Tammes packings on S^2.

Two tables, each with its sources on its first lines: the proven optima
(``numerics/data/tammes_s2_proven.tsv``) and the best known packings for N <= 130
(``numerics/data/tammes_s2_best_known.tsv``, Sloane, Hardin and Smith's tables).  They are read
only where results are graded: the key's Q4e.iii.B check, the tests, the bench and the gap that
``companion tammes`` prints.  No solver imports this module.
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


def _best_known_text() -> str:
    path = resources.files("numerics").joinpath("data", "tammes_s2_best_known.tsv")
    return path.read_text() if path.is_file() else ""


def best_known_source() -> str:
    """The best-known table's first line: where its values come from."""
    lines = _best_known_text().splitlines()
    return lines[0].removeprefix("#").strip() if lines else ""


@functools.lru_cache(maxsize=1)
def best_known_tammes_s2() -> dict[int, float]:
    """``{N: the best known smallest angle (degrees) of N points on S^2}`` (N <= 130 where the
    table has a row; the proven optima are best known too)."""
    out = dict(proven_tammes_s2())
    for line in _best_known_text().splitlines():
        if line.strip() and not line.startswith("#") and not line.startswith("N\t"):
            n, angle = line.split("\t")[:2]
            out[int(n)] = max(out.get(int(n), 0.0), float(angle))
    return out
