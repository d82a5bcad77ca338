"""Question 4(e): alignment, invariance, margin and uniformity of the optimal encoder.

The evidence is computed once per profile and cached (``ctx.cached``): optimized encoder
tables for Eq. (1) (``numerics.configurations``) and Tammes packings (``numerics.tammes``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from figures import packings as figs
from numerics import optimal_encoders as oe
from numerics.feature_configurations import clustered_groups
from numerics.reference import proven_tammes_s2

from .order import POINTS, SMALLER_LARGER
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------------------------
# shared computations (cached)
# --------------------------------------------------------------------------------------------

SIMPLEX_CASES = ((2, 2), (3, 2), (3, 3), (4, 3), (5, 4), (4, 6))
SIMPLEX_TAUS = (1.0, 0.25)
TAU_STUDY_N = (7, 8)
TAU_GRID = (1.0, 0.3, 0.1, 0.05, 0.02, 0.01, 0.005)


def simplex_results(ctx) -> dict:
    return ctx.cached("q4e_simplex", lambda: oe.simplex_study(SIMPLEX_CASES, SIMPLEX_TAUS, seed=ctx.seed))


def disjoint_results(ctx) -> dict:
    return ctx.cached("q4e_disjoint", lambda: oe.disjoint_study(seed=ctx.seed))


def sgd_experiment(ctx) -> dict:
    return ctx.cached("q4e_sgd", lambda: oe.adam_study(steps=ctx.setting("adam_steps"), draws=ctx.setting("adam_draws"),
                                                       seed=ctx.seed))


def packing_results(ctx) -> dict:
    """The solver's packings for every proven N on S^2 (found without the reference)."""
    return ctx.cached("q4e_packings", lambda: oe.packings(sorted(proven_tammes_s2()), seed=ctx.seed))


def famous_results(ctx) -> dict:
    return ctx.cached("q4e_famous", lambda: oe.famous_study(seed=ctx.seed))


def tau_results(ctx) -> dict:
    def compute():
        packs = {p["n"]: p["angle_deg"] for p in packing_results(ctx)["packings"]}
        return oe.tau_study(packs, TAU_STUDY_N, TAU_GRID, seed=ctx.seed)

    return ctx.cached("q4e_tau", compute)


def angle_vs_n_results(ctx) -> dict:
    res = dict(ctx.cached("q4e_angle_vs_n", lambda: oe.angle_against_n(ctx.setting("tammes_n_max"), seed=ctx.seed)))
    res["proven"] = [[n, a] for n, a in sorted(proven_tammes_s2().items())]
    bench = Path(__file__).resolve().parents[1] / "bench" / "results" / "tammes.json"
    if bench.exists():
        import json

        res["bench"] = json.loads(bench.read_text())["rows"]
    return res


def packings_figure_data(ctx) -> dict:
    packs = {p["n"]: p for p in packing_results(ctx)["packings"]}
    return {"packings": [packs[n] for n in (6, 12, 13, 24)]}


FIG_PACKINGS = FigureSpec(
    "q4e_tammes_packings",
    "Tammes packings found by the solver (multi-start + LP / active-set polish) on the sphere; "
    "orange edges join the pairs at the minimum angle. N = 13 and 24 match the proven optima.",
    packings_figure_data, figs.packings_on_sphere)
FIG_ANGLE = FigureSpec(
    "q4e_angle_vs_n",
    "Smallest angle of the best packing found against N on the sphere, with the proven optima "
    "and the benchmark sweep (our solver against a generic Riemannian optimizer, same budget).",
    angle_vs_n_results, figs.angle_vs_n)
FIG_TAU = FigureSpec(
    "q4e_tau_to_zero",
    "Optimal configurations of Eq. (1) with temperature: as tau -> 0 their smallest angle "
    "approaches the Tammes angle (dashed), with a gap proportional to tau.",
    tau_results, figs.tau_to_zero)

# --------------------------------------------------------------------------------------------
# q4e.i: smaller diameters
# --------------------------------------------------------------------------------------------


def _condition_monotone_smt(which: str) -> tuple[bool, str]:
    """z3, for N = 2, 3, 4 groups and every real diameters and margins: the condition of 4c
    (``diameter_i < margin_{i->j}`` for all i != j) holding at (D, M) still holds when the
    diameters shrink (``which="diameter"``) or the margins grow (``which="margin"``)."""
    import z3

    from .checks import z3_proves

    done = []
    for n in (2, 3, 4):
        D, D2 = z3.RealVector("D", n), z3.RealVector("Dp", n)
        M = [[z3.Real(f"M_{i}_{j}") for j in range(n)] for i in range(n)]
        M2 = [[z3.Real(f"Mp_{i}_{j}") for j in range(n)] for i in range(n)]

        def cond(d, m):
            return z3.And([d[i] < m[i][j] for i in range(n) for j in range(n) if i != j])

        if which == "diameter":
            moved, same = z3.And([a <= b for a, b in zip(D2, D)]), cond(D2, M)
        else:
            moved = z3.And([M2[i][j] >= M[i][j] for i in range(n) for j in range(n) if i != j])
            same = cond(D, M2)
        ok, msg = z3_proves(z3.Implies(z3.And(cond(D, M), moved), same), f"N={n}")
        if not ok:
            return False, msg
        done.append(n)
    change = "smaller diameters" if which == "diameter" else "larger margins"
    return True, (f"z3: if the condition of 4c holds, it still holds with {change} (negation unsat for "
                  f"N = {', '.join(map(str, done))} groups, every real diameter and margin)")


def _moves_break_condition(ctx, which: str) -> tuple[bool, str]:
    """hypothesis: configurations that satisfy the condition of 4c, then one group spread out
    (its diameter grows: ``which="diameter"``) or rigidly rotated onto another group (the
    margin shrinks, every diameter stays: ``which="margin"``).  The move must change the quantity
    in the stated direction, and must break the condition in many examples."""
    from hypothesis import strategies as st

    from numerics import geometry as geo

    from .checks import hypothesis_holds

    stats = {"satisfied": 0, "broken": 0}

    def prop(seed, n, m, d, spread, t):
        rng = np.random.default_rng(seed)
        groups = clustered_groups(rng, n, d, spread, m_max=m)
        if not geo.diameter_below_every_margin(groups):
            return
        stats["satisfied"] += 1
        D = geo.diameter(groups)
        moved = [g.copy() for g in groups]
        if which == "diameter":  # spread group 0 out around its mean direction by the factor 1 + t
            c = groups[0].mean(axis=0)
            c /= np.linalg.norm(c)
            h = c + (1 + 4 * t) * (groups[0] - c)
            moved[0] = h / np.linalg.norm(h, axis=1, keepdims=True)
            assert geo.diameter(moved)[0] >= D[0] - 1e-12
        else:  # rotate group 1 rigidly towards group 0 by the fraction t of the angle between centres
            a = groups[0].mean(axis=0)
            b = groups[1].mean(axis=0)
            a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
            w = a - (a @ b) * b
            if np.linalg.norm(w) < 1e-9:
                return
            w /= np.linalg.norm(w)
            phi = t * math.acos(np.clip(a @ b, -1, 1))
            # the rotation by phi in the plane of (b, w), identity on its complement
            R = (np.eye(d) + math.sin(phi) * (np.outer(w, b) - np.outer(b, w))
                 + (math.cos(phi) - 1) * (np.outer(b, b) + np.outer(w, w)))
            moved[1] = groups[1] @ R.T
            assert np.allclose(geo.diameter(moved), D, atol=1e-9)
        stats["broken"] += not geo.diameter_below_every_margin(moved)

    ok, detail = hypothesis_holds(prop, [st.integers(0, 2**31), st.integers(2, 4), st.integers(2, 4),
                                         st.integers(2, 4), st.sampled_from([0.05, 0.1, 0.2]),
                                         st.floats(0.1, 1.0)],
                                  max_examples=ctx.setting("q4e_move_examples"), name=f"{which} moves", seed=ctx.seed)
    move = "spreading one group (larger diameter)" if which == "diameter" else "rotating a group closer (smaller margin)"
    enough = stats["satisfied"] >= 30 and stats["broken"] >= 10
    return ok and enough, (f"{detail}; of {stats['satisfied']} configurations that satisfy the condition, "
                           f"{move} broke it in {stats['broken']} (at least 10 required)")


@check("smt", "z3: smaller diameters never break the condition of 4c", rejects=("larger",))
def _i_smt(ctx):
    return _condition_monotone_smt("diameter")


@check("property", "hypothesis: spreading a group out (larger diameter) breaks the condition of 4c",
       rejects=("larger",))
def _i_property(ctx):
    return _moves_break_condition(ctx, "diameter")


@check("optimization", "minimizing Eq. (1) over encoder tables drives every diameter to 0")
def _i_optimization(ctx):
    cases = disjoint_results(ctx)["cases"]
    parts, ok = [], True
    for c in cases:
        dmax = max(c["diameters"])
        ok &= dmax < 1e-5 and c["min_margin"] > 0.5
        parts.append(f"N={c['n']}, |S_i|={c['m']}, d={c['d']}: max diameter {dmax:.2e}, "
                     f"min margin {c['min_margin']:.4f}, loss {c['loss']:.10f}")
    return ok, "; ".join(parts)


register(Claim(
    id="q4e.i",
    title="Alignment: smaller diameters",
    points=POINTS["q4e.i"],
    statement=("With disjoint supports, to satisfy the condition of 4c "
               "($\\mathrm{diameter}_i < \\mathrm{margin}_{i\\to j}$ for all $i\\ne j$) more easily, "
               "should the diameters be larger or smaller?"),
    answer=r"\text{smaller}",
    short="smaller",
    options=SMALLER_LARGER,
    proof=("The condition of 4c asks every $\\mathrm{diameter}_i$ to lie below every margin "
           "$\\mathrm{margin}_{i\\to j}$. The diameters appear only on the small side of these "
           "inequalities: decreasing any diameter (with the margins fixed) can only turn a violated "
           "inequality into a satisfied one, never the reverse. In the extreme "
           "$\\mathrm{diameter}_i = 0$ (all of $S_i$ mapped to one point) the condition reduces to "
           "$\\mathrm{margin}_{i\\to j} > 0$, i.e. distinct groups at distinct points. "
           "Geometrically: **smaller** diameters mean positive pairs are *aligned*, "
           "$f(x) \\approx f(x^+)$.\n\n"
           "Numerically, minimizing the exact loss of Eq. (1) over all encoder tables with disjoint "
           "supports collapses every group: the optimized diameters are below $10^{-5}$."),
    checks=(_i_smt, _i_property, _i_optimization),
))

# --------------------------------------------------------------------------------------------
# q4e.ii: larger margins
# --------------------------------------------------------------------------------------------


@check("exact", "rational arithmetic: the simplex attains the largest possible smallest margin")
def _ii_exact(ctx):
    # For unit x_1..x_N: 0 <= ||sum x_i||^2 = N + sum_{i != j} x_i.x_j, so the smallest distance
    # satisfies min ||x_i - x_j||^2 <= 2 + 2/(N-1) = 2N/(N-1), with equality iff all
    # x_i.x_j = -1/(N-1), which is the regular simplex (Gram matrix PSD of rank N-1).
    lines = []
    for n in range(2, 11):
        c = Fraction(-1, n - 1)
        gram = [[Fraction(1) if i == j else c for j in range(n)] for i in range(n)]
        total = sum(sum(r) for r in gram)  # ||sum x_i||^2
        if total != 0:
            return False, f"N={n}: ||sum x_i||^2 = {total} != 0"
        # eigenvalues of (1 - c) I + c J: 1 - c (multiplicity N-1) and 1 + (N-1)c = 0
        if not (1 - c > 0 and 1 + (n - 1) * c == 0):
            return False, f"N={n}: Gram matrix not PSD of rank N-1"
        d2 = 2 - 2 * c
        if d2 != Fraction(2 * n, n - 1):
            return False, f"N={n}: margin^2 {d2}"
        lines.append(f"N={n}: margin^2={d2}")
    return True, "simplex Gram matrices PSD, rank N-1, margin^2 = 2N/(N-1) (the upper bound): " + ", ".join(lines)


@check("property", "hypothesis: Eq. (1) strictly decreases as any margin grows")
def _ii_property(ctx):
    import torch
    from hypothesis import strategies as st

    from numerics.configurations import expected_loss_torch

    from .checks import hypothesis_holds

    def prop(seed, n, d, tau):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, d))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        # the loss as a function of the Gram matrix: dL/d||x_i - x_j||^2 = -(1/2) dL/dc_ij
        gram = torch.tensor(x @ x.T, requires_grad=True)
        logits = gram / tau
        loss = (torch.logsumexp(logits, dim=1) - torch.diagonal(logits)).mean()
        loss.backward()
        g = gram.grad.numpy()
        off = g[~np.eye(n, dtype=bool)]
        assert np.all(off > 0), off.min()  # raising any cosine (shrinking a margin) raises the loss
        ref = float(expected_loss_torch(torch.tensor(x), [[i] for i in range(n)], tau=tau))
        assert abs(ref - float(loss.detach())) < 1e-12

    return hypothesis_holds(prop, [st.integers(0, 2**31), st.integers(2, 9), st.integers(2, 6),
                                   st.floats(0.05, 5.0)], max_examples=ctx.setting("q4e_loss_examples"),
                            name="dL/dc_ij > 0 for every negative pair")


@check("smt", "z3: larger margins never break the condition of 4c", rejects=("smaller",))
def _ii_smt(ctx):
    return _condition_monotone_smt("margin")


@check("property", "hypothesis: moving a group rigidly closer (smaller margin) breaks the condition of 4c",
       rejects=("smaller",))
def _ii_moves(ctx):
    return _moves_break_condition(ctx, "margin")


@check("optimization", "optimized tables: regular simplex, loss = closed form to 1e-9")
def _ii_optimization(ctx):
    rows = simplex_results(ctx)["rows"]
    ok, worst = True, 0.0
    parts = []
    for r in rows:
        n = r["n"]
        err = abs(r["loss"] - r["closed_form"])
        cos_err = max(abs(r["cos_min"] + 1 / (n - 1)), abs(r["cos_max"] + 1 / (n - 1)))
        ok &= err <= 1e-9 and cos_err < 1e-5
        worst = max(worst, err)
        parts.append(f"(N={n},d={r['d']},tau={r['tau']}): loss {r['loss']:.12f} vs "
                     f"{r['closed_form']:.12f}, margin {r['min_margin']:.6f} vs "
                     f"{math.sqrt(2 * n / (n - 1)):.6f}")
    return ok, f"max |loss - log(1+(N-1)e^(-N/((N-1)tau)))| = {worst:.1e}; " + "; ".join(parts)


register(Claim(
    id="q4e.ii",
    title="Margin: larger margins",
    points=POINTS["q4e.ii"],
    statement=("With disjoint supports, to satisfy the condition of 4c more easily, should the "
               "margins be larger or smaller?"),
    answer=r"\text{larger}",
    short="larger",
    options=SMALLER_LARGER,
    proof=("The margins appear only on the large side of the inequalities "
           "$\\mathrm{diameter}_i < \\mathrm{margin}_{i\\to j}$: increasing any margin can only help. "
           "So the encoder should push different groups apart: **larger** margins, i.e. negative "
           "pairs far apart.\n\n"
           "The loss agrees: for single-point supports $\\mathcal{L} = \\frac1N\\sum_i "
           "\\log\\sum_j e^{x_i^\\top x_j - 1}$ has $\\partial\\mathcal{L}/\\partial(x_i^\\top x_j) > 0$ "
           "for $i \\ne j$, and $x_i^\\top x_j = 1 - \\tfrac12\\|x_i - x_j\\|^2$, so the loss falls "
           "as any margin grows. How large can the smallest margin be? From "
           "$0 \\le \\|\\sum_i x_i\\|^2 = N + \\sum_{i\\ne j} x_i^\\top x_j$,\n\n"
           "$$\\min_{i\\ne j}\\|x_i - x_j\\|^2 \\le 2 + \\frac{2}{N-1} = \\frac{2N}{N-1},$$\n\n"
           "with equality exactly for the regular simplex ($x_i^\\top x_j = -\\tfrac{1}{N-1}$), which "
           "fits in $\\mathbb{S}^{d-1}$ when $N \\le d+1$. The optimizer finds it, with loss "
           "$\\log\\bigl(1 + (N-1)e^{-N/((N-1)\\tau)}\\bigr)$ (here $\\tau = 1$ is Eq. (1))."),
    checks=(_ii_smt, _ii_moves, _ii_exact, _ii_property, _ii_optimization),
))
