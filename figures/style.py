"""One style for every solution figure: readable at print size, colour-blind-safe."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are files; no display is needed or assumed
import matplotlib.pyplot as plt  # noqa: E402

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "savefig.bbox": "tight",
}


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 6.0, height: float | None = None, **kw):
    """``(fig, axes)`` in the house style; ``width`` in inches (6 in fits the key's text width)."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height or width * 0.62 * nrows / ncols
                                                       if ncols > 1 else height or width * 0.62),
                                 squeeze=False, **kw)
    return fig, axes


def save(fig, directory, name: str) -> list:
    """Write ``NAME.png`` and ``NAME.pdf`` under ``directory``; return both paths."""
    from pathlib import Path

    from numerics.atomic import atomic_write

    directory = Path(directory)
    paths = []
    with plt.rc_context(RC):
        for ext in ("png", "pdf"):
            p = directory / f"{name}.{ext}"
            # whole or not at all: an interrupted run never leaves half a figure behind
            atomic_write(p, lambda fh, ext=ext: fig.savefig(fh, format=ext), "wb")
            paths.append(p)
    plt.close(fig)
    return paths
