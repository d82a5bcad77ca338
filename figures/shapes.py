"""Figures of the shapes data set and of augmentations A, B and C (Question 8).

Every function is a pure function of JSON-able results.  Images travel as base64 strings of
raw ``uint8`` bytes in ``(3, 64, 64)`` order (:func:`decode_image`).
"""

from __future__ import annotations

import base64

import numpy as np

from .style import PALETTE, new_figure


def encode_image(image) -> str:
    """``uint8`` array ``(3, 64, 64)`` -> base64 string (the inverse of :func:`decode_image`)."""
    a = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    if a.shape != (3, 64, 64):
        raise ValueError(f"image must be uint8 (3, 64, 64), got {a.shape}")
    return base64.b64encode(a.tobytes()).decode("ascii")


def decode_image(s: str) -> np.ndarray:
    """base64 string -> ``(64, 64, 3)`` uint8 array for ``imshow``."""
    a = np.frombuffer(base64.b64decode(s), dtype=np.uint8)
    if a.size != 3 * 64 * 64:
        raise ValueError(f"an encoded image must hold 12288 bytes, got {a.size}")
    return a.reshape(3, 64, 64).transpose(1, 2, 0)


def _show(ax, s):
    ax.imshow(decode_image(s), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for sp in ax.spines.values():
        sp.set_visible(False)


def samples(results: dict):
    """Figure 1: random samples of the data set.  ``results``: ``{"images": [b64, ...],
    "labels": [str, ...], "cols": int}``."""
    imgs = results["images"]
    cols = int(results.get("cols", 8))
    rows = (len(imgs) + cols - 1) // cols
    fig, axes = new_figure(cols, rows, width=6.0, height=6.0 * rows / cols + 0.2)
    for k, ax in enumerate(axes.flat):
        if k < len(imgs):
            _show(ax, imgs[k])
        else:
            ax.axis("off")
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def variation(results: dict):
    """Figure 2: the three kinds of variation.  ``results``: ``{"rows": [{"label": str,
    "images": [b64, ...], "captions": [str, ...]}, ...]}``, one row per factor."""
    rows = results["rows"]
    cols = max(len(r["images"]) for r in rows)
    fig, axes = new_figure(cols, len(rows), width=6.5, height=0.85 * len(rows) * 6.5 / cols + 0.4)
    for i, row in enumerate(rows):
        for j in range(cols):
            ax = axes[i, j]
            if j < len(row["images"]):
                _show(ax, row["images"][j])
                cap = row.get("captions", [""] * cols)[j]
                ax.set_xlabel(cap, fontsize=7, labelpad=1)
            else:
                ax.axis("off")
        axes[i, 0].set_ylabel(row["label"], fontsize=9)
    fig.subplots_adjust(wspace=0.08, hspace=0.35)
    return fig


def augmentation_rows(results: dict):
    """Rows of augmentations of one image each: the clean image, then 14 augmented views.
    ``results``: ``{"name": "A", "originals": [b64, ...], "rows": [[b64 x 14], ...]}``."""
    rows = results["rows"]
    cols = 1 + max(len(r) for r in rows)
    fig, axes = new_figure(cols, len(rows), width=7.0, height=7.0 * len(rows) / cols + 0.5)
    for i, row in enumerate(rows):
        _show(axes[i, 0], results["originals"][i])
        for sp in axes[i, 0].spines.values():
            sp.set_visible(True)
            sp.set_edgecolor(PALETTE[1])
            sp.set_linewidth(1.5)
        for j, s in enumerate(row):
            _show(axes[i, j + 1], s)
    axes[0, 0].set_title("image", fontsize=8)
    axes[0, (cols + 1) // 2].set_title(f"{cols - 1} random views under augmentation {results['name']}", fontsize=9)
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def agreement(results: dict):
    """Cohen's kappa of the two views' measured factors, per augmentation and factor, with the
    decision threshold.  ``results``: ``{"threshold": t, "table": {NAME: {FACTOR: {"agree",
    "chance", "kappa"}}}, "factors": [...]}``."""
    names = sorted(results["table"])
    factors = results["factors"]
    t = results["threshold"]
    fig, axes = new_figure(1, 1, width=6.0, height=3.4)
    ax = axes[0, 0]
    width = 0.8 / len(factors)
    x = np.arange(len(names))
    for k, f in enumerate(factors):
        vals = [results["table"][n][f]["kappa"] for n in names]
        bars = ax.bar(x + (k - (len(factors) - 1) / 2) * width, vals, width, label=f, color=PALETTE[k])
        for b, n in zip(bars, names):
            r = results["table"][n][f]
            ax.annotate(f"{r['agree']:.2f}\n({r['chance']:.2f})", (b.get_x() + b.get_width() / 2, max(b.get_height(), 0)),
                        ha="center", va="bottom", fontsize=6.5)
    ax.axhline(t, color=PALETTE[7], ls="--", lw=1, label=f"threshold {t:g}")
    ax.set_xticks(x, [f"augmentation {n}" for n in names])
    ax.set_ylabel("Cohen's kappa of the two views (1)")
    ax.set_ylim(-0.1, 1.3)
    ax.legend(loc="upper center", ncol=len(factors) + 1, fontsize=8)
    ax.set_title("agreement of positive pairs; labels: observed (chance)", fontsize=9)
    return fig
