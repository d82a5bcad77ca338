"""Figures of feature geometry (Question 4): configurations on the circle with their failing
choice, diameter and margin segments, and distances as the dimension grows.

Every function is a pure function of JSON-able results and returns a matplotlib Figure.

A *panel* (one configuration) is a dict::

    {"title": str, "groups": [[[x, y], ...], ...],          # float coordinates, unit rows
     "perfect": bool, "worst_gap": float,
     "failure": None | {"i": int, "x": int, "ys": [int, ...], "logits": [float, ...]}}
"""

from __future__ import annotations

import math

import numpy as np

from .style import PALETTE, new_figure

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")


def _circle(ax):
    t = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(t), np.sin(t), color="0.75", lw=1, zorder=0)
    ax.set_aspect("equal")
    ax.set_xlim(-1.32, 1.32)
    ax.set_ylim(-1.32, 1.32)
    ax.set_xlabel("feature coordinate 1 (unitless)")
    ax.set_ylabel("feature coordinate 2 (unitless)")


def _groups(ax, groups, *, size=38, legend=True):
    for i, g in enumerate(groups):
        g = np.asarray(g, dtype=float)
        ax.scatter(g[:, 0], g[:, 1], s=size, color=PALETTE[i % len(PALETTE)],
                   marker=MARKERS[i % len(MARKERS)], edgecolor="black", linewidth=0.5,
                   label=f"group {i + 1}", zorder=3)
    if legend:
        ax.legend(loc="lower left", fontsize=7, framealpha=0.85, handletextpad=0.2,
                  borderpad=0.3, labelspacing=0.2)


def draw_panel(ax, panel: dict, *, legend: bool = True) -> None:
    """One configuration on the unit circle; a failing choice is drawn when there is one:
    the anchor ``x`` (star), a solid chord to its positive ``y_i`` and a dashed chord to the
    negative ``y_j`` whose logit is not smaller."""
    _circle(ax)
    groups = panel["groups"]
    _groups(ax, groups, legend=legend)
    verdict = "Yes" if panel["perfect"] else "No"
    ax.set_title(f"{panel.get('title', '')}\nperfect accuracy: {verdict}", fontsize=9)
    fail = panel.get("failure")
    if not fail:
        return
    i, x, ys, z = fail["i"], fail["x"], fail["ys"], fail["logits"]
    xa = np.asarray(groups[i][x], dtype=float)
    others = [j for j in range(len(groups)) if j != i]
    jstar = max(others, key=lambda j: z[j])
    yi = np.asarray(groups[i][ys[i]], dtype=float)
    yj = np.asarray(groups[jstar][ys[jstar]], dtype=float)
    for j in others:
        if j != jstar:
            p = np.asarray(groups[j][ys[j]], dtype=float)
            ax.scatter([p[0]], [p[1]], s=110, facecolor="none", edgecolor="0.4", lw=1, zorder=4)
    ax.plot([xa[0], yi[0]], [xa[1], yi[1]], color=PALETTE[i % len(PALETTE)], lw=2, zorder=2,
            label="_")
    ax.plot([xa[0], yj[0]], [xa[1], yj[1]], color=PALETTE[3], lw=2, ls="--", zorder=2)
    ax.scatter([yi[0]], [yi[1]], s=130, facecolor="none", edgecolor="black", lw=1.5, zorder=4)
    ax.scatter([yj[0]], [yj[1]], s=130, facecolor="none", edgecolor=PALETTE[3], lw=1.5, zorder=4)
    ax.scatter([xa[0]], [xa[1]], s=190, marker="*", color="black", zorder=5)
    rel = "=" if abs(z[i] - z[jstar]) < 1e-12 else ("<" if z[i] < z[jstar] else "≈")
    ax.text(0.0, 0.0, f"failing choice:\n$x$ = group {i + 1} pt {x + 1}\n"
            f"$x^\\top y_{{{i + 1}}}$ = {z[i]:.3f} {rel}\n$x^\\top y_{{{jstar + 1}}}$ = {z[jstar]:.3f}",
            ha="center", va="center", fontsize=7,
            bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.6", alpha=0.9))


def plot_configurations(results: dict):
    """A grid of configuration panels (``results["panels"]``), 2 per row."""
    panels = results["panels"]
    ncols = 2 if len(panels) > 1 else 1
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = new_figure(ncols, nrows, width=6.0, height=3.1 * nrows)
    for k, ax in enumerate(axes.ravel()):
        if k < len(panels):
            draw_panel(ax, panels[k], legend=(k == 0))
        else:
            ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_configuration(panel: dict):
    """A single configuration on the circle (the ``companion accuracy`` plot for d = 2)."""
    fig, axes = new_figure(1, 1, width=5.0, height=5.0)
    draw_panel(axes[0, 0], panel)
    fig.tight_layout()
    return fig


def plot_gaps(result: dict):
    """Any dimension: each anchor's decisive gap ``min_pos - max_neg`` (bars by group); an
    anchor is safe when its gap is positive (above the tie tolerance)."""
    gaps = np.asarray(result["gaps"], dtype=float)
    labels = np.asarray(result["labels"], dtype=int)
    fig, axes = new_figure(1, 1, width=6.0, height=3.2)
    ax = axes[0, 0]
    colors = [PALETTE[g % len(PALETTE)] for g in labels]
    if len(gaps) <= 500:
        ax.bar(np.arange(len(gaps)), gaps, color=colors, edgecolor="black", linewidth=0.3)
    else:  # one line collection: 40,000 bar patches take a minute to draw, these a fraction of a second
        ax.vlines(np.arange(len(gaps)), 0.0, gaps, colors=colors, linewidth=0.5)
    ax.axhline(0.0, color="black", lw=1)
    ax.set_xlabel("anchor point x (grouped by group)")
    ax.set_ylabel("min positive logit - max negative logit")
    verdict = "Yes" if result["perfect"] else "No"
    ax.set_title(f"perfect accuracy: {verdict} (d = {result['d']}); a bar <= 0 fails", fontsize=9)
    fig.tight_layout()
    return fig


def plot_diameter_margin(results: dict):
    """Groups on the circle with each group's diameter segment (solid, Eq. 3) and, for each
    pair of groups, the margin segment (dashed, Eq. 4), labelled with their lengths."""
    groups = results["groups"]
    fig, axes = new_figure(1, 1, width=6.0, height=5.2)
    ax = axes[0, 0]
    _circle(ax)
    _groups(ax, groups)
    for i, (s, t) in enumerate(results["diameter_pairs"]):
        a, b = np.asarray(groups[i][s]), np.asarray(groups[i][t])
        ax.plot([a[0], b[0]], [a[1], b[1]], color=PALETTE[i % len(PALETTE)], lw=2.5, zorder=2)
        m = (a + b) / 2
        ax.annotate(f"diam$_{i + 1}$ = {results['diameter'][i]:.2f}", m, xytext=m * 0.55,
                    fontsize=8, ha="center", color=PALETTE[i % len(PALETTE)],
                    arrowprops=dict(arrowstyle="-", color="0.6", lw=0.6))
    for item in results["margin_pairs"]:
        i, j, s, t = item["i"], item["j"], item["s"], item["t"]
        a, b = np.asarray(groups[i][s]), np.asarray(groups[j][t])
        ax.plot([a[0], b[0]], [a[1], b[1]], color="black", lw=1.3, ls="--", zorder=1)
        m = (a + b) / 2
        ax.annotate(f"margin$_{{{i + 1}\\to{j + 1}}}$ = {item['value']:.2f}", m, xytext=m * 0.72,
                    fontsize=8, ha="center",
                    bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.7", alpha=0.85))
    ax.set_title("diameter: farthest pair within a group (solid)\n"
                 "margin: closest pair across two groups (dashed)", fontsize=9)
    fig.tight_layout()
    return fig


def plot_distance_concentration(results: dict):
    """Left: pairwise distances of random unit vectors against ``d`` (median, 1-99% band,
    min-max), with ``sqrt(2)``.  Right: the best achievable margin of ``N`` points against
    ``d`` (optimized), the proven bound, and the margin of a random configuration."""
    rnd, opt = results["random"], results["optimal"]
    fig, axes = new_figure(2, 1, width=6.0, height=3.0)
    ax = axes[0, 0]
    per = rnd["per_d"]
    ds = np.array([p["d"] for p in per])
    ax.fill_between(ds, [p["min"] for p in per], [p["max"] for p in per], color=PALETTE[5],
                    alpha=0.25, label="min-max")
    ax.fill_between(ds, [p["q01"] for p in per], [p["q99"] for p in per], color=PALETTE[0],
                    alpha=0.35, label="1-99%")
    ax.plot(ds, [p["median"] for p in per], color=PALETTE[0], marker="o", ms=3, label="median")
    ax.axhline(math.sqrt(2), color="black", ls=":", lw=1, label="$\\sqrt{2}$")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, 2.05)
    ax.set_xlabel("dimension d")
    ax.set_ylabel("pairwise distance (unitless)")
    ax.set_title(f"{rnd['n']} random unit vectors", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")

    ax = axes[0, 1]
    rows = opt["rows"]
    d2 = np.array([r["d"] for r in rows])
    ax.plot(d2, [r["margin"] for r in rows], color=PALETTE[2], marker="o", ms=4,
            label=f"best margin, N = {opt['N']} (optimized)")
    ax.plot(d2, [r["bound"] for r in rows], color="black", ls="--", lw=1, label="proven bound")
    if "random_margin" in opt:
        ax.plot(d2, opt["random_margin"], color=PALETTE[1], marker="s", ms=3,
                label="random placement")
    ax.axhline(math.sqrt(2), color="0.5", ls=":", lw=1)
    ax.set_xlabel("dimension d")
    ax.set_ylabel("min pairwise distance (unitless)")
    ax.set_ylim(0, 1.7)
    ax.set_title("Tammes: best margin vs d", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
