"""Learning curves of the shapes encoders: what each factor's 1-NN accuracy does during training."""

from __future__ import annotations

import math

import numpy as np

from numerics.shapes import FACTORS

from .style import PALETTE, new_figure

_NAMES = {"shape": "shape", "color": "colour", "location": "location"}
_TITLES = {"autoencoder": "autoencoder", "contrastive_A": "contrastive A", "contrastive_B": "contrastive B",
           "contrastive_C": "contrastive C"}


def loss_scale(entry: dict) -> float:
    """What a run's loss is divided by in the plot: log b for a contrastive encoder (the loss of
    equal logits), the first batch's loss for the autoencoder."""
    cfg = entry.get("config") or {}
    if cfg.get("objective") == "contrastive":
        return math.log(cfg["batch_size"])
    return float(entry["curve"][0]["loss"] or 1.0)


def plot_learning_curves(results: dict):
    """One panel per encoder: normalized 1-NN accuracy of each factor (val queries against a
    train gallery; 0 = chance, 1 = the nearest neighbour always shares it) against the training
    step, the untrained level dashed, and the training loss (grey, right axis: loss / log b for
    contrastive encoders, loss / first loss for the autoencoder).

    ``results``: ``{"curves": {encoder: [{"step", "loss", "normalized": {factor: value}}, ...]},
    "scales": {encoder: float}, "profile": str}``.
    """
    curves = results["curves"]
    encs = [e for e in _TITLES if e in curves]
    fig, axes = new_figure(2, 2, width=6.4, height=4.9, sharey=True)
    for ax, enc in zip(axes.ravel(), encs):
        pts = curves[enc]
        steps = np.array([p["step"] for p in pts])
        for j, f in enumerate(FACTORS):
            v = np.array([p["normalized"][f] for p in pts])
            ax.plot(steps, v, marker="o", markersize=2.5, color=PALETTE[j], label=_NAMES[f], linewidth=1.4)
            ax.axhline(v[0], color=PALETTE[j], linestyle="--", linewidth=0.9, alpha=0.8)
        ax.set_title(_TITLES[enc], fontsize=9)
        ax.set_ylim(-0.1, 1.05)
        ax.tick_params(labelsize=7)
        loss = [(p["step"], p["loss"]) for p in pts if p.get("loss") is not None]
        if loss:
            twin = ax.twinx()
            ratio = [v / results["scales"][enc] for _, v in loss]
            twin.plot([s for s, _ in loss], ratio, color="0.55", linewidth=1.0, linestyle=":")
            twin.set_ylim(0, max(1.15, 1.05 * max(ratio)))
            twin.tick_params(labelsize=6, colors="0.45")
            twin.grid(False)
    for ax in axes[-1]:
        ax.set_xlabel("training step", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("normalized 1-NN acc.", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    from matplotlib.lines import Line2D

    handles += [Line2D([], [], color="0.3", linestyle="--", linewidth=0.9),
                Line2D([], [], color="0.55", linestyle=":", linewidth=1.0)]
    labels += ["untrained level", "loss (right axis, / log b or / first loss)"]
    fig.legend(handles, labels, loc="lower center", ncols=5, fontsize=7, bbox_to_anchor=(0.5, -0.01))
    fig.suptitle(f"Learning curves ({results.get('profile', '')} profile): what each encoder's neighbours "
                 "share with the query", fontsize=9)
    fig.subplots_adjust(hspace=0.35, wspace=0.25, bottom=0.16)
    return fig


def learning_curve_figure(name: str, caption: str):
    """The :class:`~figures.spec.FigureSpec` of :func:`plot_learning_curves` for the four runs."""
    from .neighbours import _experiment
    from .spec import FigureSpec

    def data(ctx):
        p = _experiment(ctx)
        encs = [e for e in _TITLES if e in p]
        return {"curves": {e: p[e]["curve"] for e in encs}, "scales": {e: loss_scale(p[e]) for e in encs},
                "profile": ctx.profile}

    return FigureSpec(name, caption, data=data, plot=plot_learning_curves)
