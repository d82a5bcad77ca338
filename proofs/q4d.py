"""Question 4d (optional): margins as the dimension grows."""

from __future__ import annotations

import math

from figures import geometry as figs
from numerics.feature_configurations import (
    distance_study,
)

from .order import POINTS
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------------------------
# q4d: distances as d grows
# --------------------------------------------------------------------------------------------

def _q4d_data(ctx):
    return ctx.cached("q4d_distances", lambda: distance_study(ctx.setting("q4d_dims"), n_vectors=ctx.setting("q4d_vectors"),
                                                               restarts=ctx.setting("q4d_restarts"), seed=ctx.seed))


@check("experiment", "random unit vectors: distances concentrate at sqrt(2), spread ~ 1/sqrt(2d)")
def _q4d_experiment(ctx):
    per = _q4d_data(ctx)["random"]["per_d"]
    r2 = math.sqrt(2)
    last = per[-1]
    stds = [p["std"] for p in per]
    decreasing = all(b < a for a, b in zip(stds, stds[1:]))
    scaled = [p["std_sqrt_2d"] for p in per if p["d"] >= 16]
    ratio = [p["random_margin_over_diameter"] for p in per]
    ok = (abs(last["mean"] - r2) < 0.01 and decreasing and all(0.9 < s < 1.1 for s in scaled)
          and ratio[-1] > 0.8 and ratio[-1] > ratio[0] + 0.5)
    return ok, (f"mean distance {per[0]['mean']:.3f} (d={per[0]['d']}) -> {last['mean']:.4f} "
                f"(d={last['d']}, sqrt2 = {r2:.4f}); std {stds[0]:.3f} -> {stds[-1]:.4f}, "
                f"strictly decreasing: {decreasing}; std*sqrt(2d) for d>=16: "
                f"{[round(s, 3) for s in scaled]}; random grouping margin/diameter "
                f"{ratio[0]:.2f} -> {ratio[-1]:.2f}")


@check("optimization", "best margin of N = 8 points vs d: optimizer meets the proven values")
def _q4d_optimization(ctx):
    opt = _q4d_data(ctx)["optimal"]
    rows = opt["rows"]
    ok = True
    parts = []
    for r in rows:
        ok &= r["margin"] <= r["bound"] + 1e-7
        if r["bound_attained"]:
            ok &= r["margin"] >= r["bound"] - 1e-4
        parts.append(f"d={r['d']}: {r['margin']:.5f} (bound {r['bound']:.5f}"
                     f"{', attained' if r['bound_attained'] else ''})")
    ms = [r["margin"] for r in rows]
    ok &= all(b >= a - 1e-6 for a, b in zip(ms, ms[1:]))
    ok &= all(rm < m for rm, m in zip(opt["random_margin"], ms))
    return ok, ("; ".join(parts) + f"; nondecreasing in d; random placement mean min distance "
                f"{[round(v, 3) for v in opt['random_margin']]}")


register(Claim(
    id="q4d",
    title="Margins as the dimension grows (optional)",
    points=POINTS["q4d"],
    statement=("Explain why, as the feature dimension $d$ grows, the margin between classes can "
               "become smaller; how does this affect the choice of encoder $f$?"),
    answer=(r"\begin{array}{c}\text{distances concentrate: random features lie at } "
            r"\approx\sqrt2 \pm 1/\sqrt{2d} \text{ from each other,}\\"
            r"\text{so margin} \approx \text{diameter; } f \text{ must be trained to make groups "
            r"tight and far apart}\end{array}"),
    proof=(
        "**Random features concentrate.** For $u, v$ uniform on $\\mathbb{S}^{d-1}$, $u^\\top v$ "
        "has mean 0 and variance $1/d$, so $\\|u-v\\|_2 = \\sqrt{2 - 2u^\\top v}$ (Question 3) "
        "concentrates at $\\sqrt2$ with standard deviation $\\approx 1/\\sqrt{2d}$. The left panel "
        "measures this for 200 random unit vectors from $d = 2$ to $1024$: the whole range of "
        "pairwise distances (min to max) shrinks around $\\sqrt2$. In Eq. (3)-(4) terms: for a "
        "feature map that is not organised by the groups (a random or poorly trained encoder), "
        "the smallest between-group distance (margin) and the largest within-group distance "
        "(diameter) both approach $\\sqrt2$; their ratio goes to 1. The margin *relative to the "
        "diameter* becomes small, so the condition of Question 4c holds only by a vanishing "
        "gap, and the whole spread of the logits of Question 2 shrinks like $1/\\sqrt d$, "
        "easily swamped by noise. Nearest-neighbour contrast disappears: everything is about equally far.\n\n"
        "**What is achievable does not shrink.** The best possible margin of $N$ points on "
        "$\\mathbb{S}^{d-1}$ (Tammes' problem) is nondecreasing in $d$: $2\\sin(\\pi/N)$ on the "
        "circle, $\\sqrt2$ once $N \\le 2d$ (cross-polytope; Rankin's bound shows no more for "
        "$N \\ge d+2$), and the simplex value $\\sqrt{2N/(N-1)}$ once $d \\ge N-1$. The right "
        "panel maximizes it numerically for $N = 8$ (SLSQP, random restarts) and meets these "
        "proven values; random placements stay well below.\n\n"
        "**Consequence for $f$.** A high-dimensional space has room for well-separated groups, but "
        "a generic $f$ does not use it: $f$ must be trained (or designed) to make groups tight "
        "(small diameters, alignment) and mutually far (uniformly spread, large margins), and "
        "with distances compressed around $\\sqrt2$ the logits need rescaling (a temperature) "
        "to turn small distance differences into confident predictions."),
    checks=(_q4d_experiment, _q4d_optimization),
    open_answer="an explanation in words (optional question); the checks measure what it explains",
    figures=(FigureSpec(
        "q4d_distance_concentration",
        "Left: pairwise distances of 200 random unit vectors vs dimension d (median, 1-99% band, "
        "min-max) concentrate at sqrt(2). Right: best achievable margin of N = 8 points vs d "
        "(optimized), the proven value, and the mean minimum distance of 8 random points.",
        data=_q4d_data, plot=figs.plot_distance_concentration),),
))


