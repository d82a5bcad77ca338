"""Nearest-neighbour grids (``nn_visualize``) and predicted-against-measured sensitivity."""

from __future__ import annotations

import numpy as np

from .style import PALETTE, new_figure

_TITLES = {"random_init": "untrained", "autoencoder": "autoencoder", "contrastive_A": "contrastive A",
           "contrastive_B": "contrastive B", "contrastive_C": "contrastive C"}


def plot_neighbours(results: dict):
    """8 rows: the query (framed) and its 10 nearest neighbours in embedding space.

    ``results``: ``images`` uint8 ``(8, 11, 64, 64, 3)``, ``labels`` ``(8, 11, 3)`` (shape,
    colour, location), ``encoder``, ``split``, ``profile``.  Each neighbour is marked above by the
    number of factors (shape, colour, location cell) it shares with its query.
    """
    images = np.asarray(results["images"])
    labels = np.asarray(results["labels"])
    rows, cols = images.shape[:2]
    fig, axes = new_figure(cols, rows, width=6.0, height=6.0 * rows / cols * 1.12)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if c == 0:
                for side in ax.spines.values():
                    side.set_edgecolor(PALETTE[1])
                    side.set_linewidth(2.5)
            else:
                same = "".join(k for k, i in zip("SCL", range(3)) if labels[r, c, i] == labels[r, 0, i])
                ax.set_title(same or "-", fontsize=6, pad=1.5)
    axes[0, 0].set_title("query", fontsize=7, pad=1.5)
    fig.suptitle(f"{_TITLES.get(results['encoder'], results['encoder'])}, {results['split']} set "
                 f"({results.get('profile', '')} profile): query, then its 10 nearest neighbours "
                 "(squared L2)\nabove each: S / C / L = same shape / colour / location cell as the query",
                 fontsize=8, y=0.995)
    fig.subplots_adjust(wspace=0.05, hspace=0.3, top=0.87)
    return fig


def plot_sensitivity(results: dict):
    """Measured normalized 1-NN accuracy per encoder and factor (bars, 0 = chance, 1 = perfect),
    with the Q8b prediction marked: filled bars for "sensitive", hatched for "invariant",
    plain grey where there is no prediction.  Also marks the linear-probe accuracy
    normalized the same way.

    ``results``: ``encoders``, ``factors``, ``predicted`` ``{enc: {factor: "invariant"|"sensitive"} | None}``,
    ``measured`` ``{enc: {factor: {"knn_acc", "chance", "normalized", "linear_acc"}}}``.
    """
    encs, facs = results["encoders"], results["factors"]
    fig, axes = new_figure(1, 1, width=6.0, height=3.2)
    ax = axes[0, 0]
    width = 0.8 / len(facs)
    x = np.arange(len(encs))
    names = {"shape": "shape", "color": "colour", "location": "location"}
    for j, f in enumerate(facs):
        for i, e in enumerate(encs):
            m = results["measured"][e][f]
            pred = (results["predicted"].get(e) or {}).get(f)
            colour = PALETTE[j]
            ax.bar(x[i] + (j - (len(facs) - 1) / 2) * width, m["normalized"], width * 0.92,
                   color=colour if pred != "invariant" else "white", edgecolor=colour,
                   alpha=1.0 if pred is not None else 0.45,
                   hatch="///" if pred == "invariant" else None, linewidth=1.2)
            lin = (m["linear_acc"] - m["chance"]) / (1 - m["chance"])
            ax.plot(x[i] + (j - (len(facs) - 1) / 2) * width, lin, marker="_", color="black", markersize=9)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([_TITLES.get(e, e) for e in encs])
    ax.set_ylabel("normalized accuracy\n(acc - chance)/(1 - chance)")
    ax.set_ylim(min(-0.1, ax.get_ylim()[0]), 1.05)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=PALETTE[j], edgecolor=PALETTE[j], label=names[f]) for j, f in enumerate(facs)]
    ax.legend(handles=handles, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8,
              title="filled: predicted sensitive; hatched: predicted invariant; pale: no prediction; "
              "black tick: linear probe, normalized alike", title_fontsize=7)
    ax.set_title(f"1-NN per factor, val queries vs train gallery ({results.get('profile', '')} profile)")
    return fig


# ---------------------------------------------------------------------------
# figure specs: the experiment's results -> the plots above
# ---------------------------------------------------------------------------

def _experiment(ctx):
    from numerics.shapes.experiment import results

    return results(ctx.results_dir, ctx.profile, ctx.seed, force=bool(getattr(ctx, "force", False)),
                   data=getattr(ctx, "data", None))


def neighbour_figure(name: str, encoder: str, split: str, caption: str):
    """The :class:`~figures.spec.FigureSpec` of ``encoder``'s neighbour grid on ``split``."""
    from .spec import FigureSpec

    def data(ctx):
        from numerics.shapes.experiment import grids
        from numerics.shapes.render import COLOR_NAMES, SHAPES

        _experiment(ctx)
        g = grids(ctx.results_dir, ctx.profile, ctx.seed, data=getattr(ctx, "data", None))["grids"][encoder][split]
        return {"images": g["images"], "labels": g["labels"], "dists": g["dists"], "encoder": encoder,
                "split": split, "profile": ctx.profile, "shape_names": SHAPES, "color_names": COLOR_NAMES}

    return FigureSpec(name, caption, data=data, plot=plot_neighbours)


def sensitivity_figure(name: str, encoders, caption: str, predictions=lambda: {}):
    """The :class:`~figures.spec.FigureSpec` of :func:`plot_sensitivity` for ``encoders``;
    ``predictions()`` gives ``{encoder: {factor: "invariant" | "sensitive"}}`` (Q8b's answers)."""
    from .spec import FigureSpec

    def data(ctx):
        p = _experiment(ctx)
        pred = predictions()
        return {"encoders": list(encoders), "factors": ["shape", "color", "location"],
                "predicted": {e: pred.get(e) for e in encoders},
                "measured": {e: {f: p[e][f] for f in ("shape", "color", "location")} for e in encoders},
                "profile": ctx.profile}

    return FigureSpec(name, caption, data=data, plot=plot_sensitivity)
