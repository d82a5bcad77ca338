"""A solution figure as data: what to compute and how to draw it (no matplotlib import here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class FigureSpec:
    """A solution figure: ``data(ctx)`` computes (or loads cached) results, ``plot(results)``
    is a pure function of them returning a matplotlib Figure."""

    name: str
    caption: str
    data: Callable[[Any], Any]
    plot: Callable[[Any], Any]
