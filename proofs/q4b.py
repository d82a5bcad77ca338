"""Question 4b: what diameter and margin mean geometrically."""

from __future__ import annotations

import numpy as np

from figures import geometry as figs
from numerics import geometry as geo
from numerics.feature_configurations import (
    q4a_configurations,
    q4b_results,
)
from numerics.high_dim import uniform_sphere
from theory.accuracy import squared_distance_as_logit_derivation

from .checks import derivations_hold, hypothesis_holds
from .order import POINTS
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------------------------
# q4b: geometric meaning of diameter and margin
# --------------------------------------------------------------------------------------------

def _pair_sq(a, b):
    return sum((p - q) * (p - q) for p, q in zip(a, b))


@check("exact", "exact diameters and margins = nested enumeration of pairs; witnesses attain them")
def _q4b_exact(ctx):
    ok, rows = True, []
    for title, groups in q4a_configurations():
        D2 = geo.diameter(groups, squared=True)
        M2 = geo.margin(groups, squared=True)
        N = len(groups)
        for i in range(N):
            ref = max(_pair_sq(s, t) for s in groups[i] for t in groups[i])
            dots = [sum(p * q for p, q in zip(s, t)) for s in groups[i] for t in groups[i]]
            ok &= D2[i] == ref and D2[i] == 2 - 2 * min(dots)          # Q3 identity, exactly
            s, t = geo.diameter_witnesses(groups)[i]
            ok &= _pair_sq(groups[i][s], groups[i][t]) == D2[i]
            for j in range(N):
                if j != i:
                    refm = min(_pair_sq(s, t) for s in groups[i] for t in groups[j])
                    ok &= M2[i, j] == refm and M2[i, j] == M2[j, i]
        rows.append(f"{title[:1]}: diameter^2 = {[str(v) for v in D2]}, "
                    f"margin_1->2^2 = {M2[0, 1]}")
    return ok, "all exact equalities hold: " + "; ".join(rows)


@check("symbolic", "squared distance = 2 - 2 x^T y on the sphere (symbolic d)")
def _q4b_symbolic(ctx):
    return derivations_hold(squared_distance_as_logit_derivation())


@check("property", "hypothesis: diameter/margin bounds, symmetry, attainment, rotation invariance")
def _q4b_property(ctx):
    from hypothesis import strategies as st

    def prop(seed, N, m, d):
        rng = np.random.default_rng(seed)
        groups = [uniform_sphere(int(k), d, rng) for k in rng.integers(1, m + 1, size=N)]
        D, M = geo.diameter(groups), geo.margin(groups)
        assert np.all(D >= 0) and np.all(D <= 2 + 1e-12)
        for i in range(N):
            within = np.linalg.norm(groups[i][:, None] - groups[i][None], axis=-1)
            assert abs(within.max() - D[i]) <= 1e-12
            for j in range(N):
                if j != i:
                    cross = np.linalg.norm(groups[i][:, None] - groups[j][None], axis=-1)
                    assert abs(cross.min() - M[i, j]) <= 1e-12 and M[i, j] == M[j, i]
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        rot = [g @ Q for g in groups]
        assert np.allclose(geo.diameter(rot), D, atol=1e-12)
        assert np.allclose(np.nan_to_num(geo.margin(rot)), np.nan_to_num(M), atol=1e-12)

    n = ctx.setting("q4b_examples")
    return hypothesis_holds(prop, [st.integers(0, 2 ** 32 - 1), st.integers(2, 5), st.integers(1, 6),
                                   st.integers(2, 8)], max_examples=n,
                            name="Eqs. (3)-(4) properties", seed=ctx.seed)


register(Claim(
    id="q4b",
    title="Diameter and margin, geometrically",
    points=POINTS["q4b"],
    statement=("Describe in 1-2 lines what $\\mathrm{diameter}_i(f)$ (Eq. 3) and "
               "$\\mathrm{margin}_{i\\to j}(f)$ (Eq. 4) represent geometrically."),
    answer=(r"\begin{array}{c}\mathrm{diameter}_i:\ \text{the largest distance between two "
            r"features of group } i \text{ (its spread)}\\"
            r"\mathrm{margin}_{i\to j}:\ \text{the smallest distance from a feature of } i "
            r"\text{ to one of } j \text{ (the gap between them)}\end{array}"),
    proof=(
        "$\\mathrm{diameter}_i$ is the diameter, in the usual metric sense, of the finite point "
        "cloud $f(S_i)$: the length of the longest segment between two of its points, i.e. the "
        "spread of the cluster of group $i$ (0 when $f$ is constant on $S_i$). Since positive "
        "pairs are drawn from $S_i$, it is the largest possible positive-pair distance.\n\n"
        "$\\mathrm{margin}_{i\\to j}$ is the distance between the two point clouds $f(S_i)$ and "
        "$f(S_j)$: the length of the shortest segment from a point of one to a point of the other, "
        "i.e. the gap separating the clusters (symmetric in $i, j$; 0 when they share a point). "
        "It is the smallest possible negative-pair distance.\n\n"
        "On the sphere both are read off the logits (Question 3):\n\n"
        "$$" + squared_distance_as_logit_derivation().latex() + "$$\n\n"
        "so $\\mathrm{diameter}_i^2 = 2 - 2\\min_{s,t\\in S_i} f(s)^\\top f(t)$ (the smallest "
        "positive logit) and $\\mathrm{margin}_{i\\to j}^2 = 2 - 2\\max_{s\\in S_i, t\\in S_j} "
        "f(s)^\\top f(t)$ (the largest negative logit). The figure draws, for configuration C of "
        "Question 4a, each group's diameter segment (solid) and the margin segment of each pair "
        "(dashed)."),
    checks=(_q4b_exact, _q4b_symbolic, _q4b_property),
    open_answer="a description in words; the checks verify the facts it states",
    figures=(FigureSpec(
        "q4b_diameter_margin",
        "Configuration C of Q4a: solid segments are the diameters (farthest pair within a group), "
        "dashed segments the margins (closest pair across two groups), with their lengths.",
        data=lambda ctx: ctx.cached("q4b_diameter_margin", q4b_results),
        plot=figs.plot_diameter_margin),),
))


