"""Question 4(e).iii: the invariances of the optimal encoder (A) and its relation to Tammes'
problem (B).  The studies are those of :mod:`proofs.q4e` (cached, computed once)."""

from __future__ import annotations

import math

import numpy as np

from numerics.reference import proven_tammes_s2

from .order import POINTS
from .q4e import (
    FIG_ANGLE,
    FIG_PACKINGS,
    FIG_TAU,
    disjoint_results,
    famous_results,
    packing_results,
    sgd_experiment,
    tau_results,
)
from .registry import Claim, check, register

# --------------------------------------------------------------------------------------------
# q4e.iii.A: invariances
# --------------------------------------------------------------------------------------------


#: The candidate answers to Q4e.iii.A, as boxed LaTeX: the supports, everything at once (f constant),
#: and single points (no invariance).
INVARIANCE_OPTIONS = {"S_1, ..., S_N": r"S_1,\ S_2,\ \dots,\ S_N", "X": r"\mathcal{X}",
                      "{x} for each x in X": r"\{x\},\ x \in \mathcal{X}"}


@check("optimization", "exact-loss optimum: each S_i maps to one point, distinct groups apart",
       rejects=("X", "{x} for each x in X"))
def _iiiA_optimization(ctx):
    cases = disjoint_results(ctx)["cases"]
    ok, parts = True, []
    for c in cases:
        x = np.asarray(c["points"])
        sup = c["supports"]
        centers = np.array([x[s].mean(axis=0) for s in sup])
        spread = max(float(np.linalg.norm(x[s] - centers[i], axis=1).max()) for i, s in enumerate(sup))
        # the union of any two sets is not invariant: their points differ
        ok &= spread < 1e-5 and c["min_margin"] > 0.5
        parts.append(f"N={c['n']}, |S_i|={c['m']}, d={c['d']}: max ||f(s) - f(t)|| within a set "
                     f"{spread:.1e}, smallest distance between sets {c['min_margin']:.4f}, "
                     f"smallest angle between group points {c['group_angle_deg']:.4f} deg")
    return ok, "; ".join(parts)


@check("experiment", "Adam on sampled draws of Eq. (1) (numerics.losses.contrastive_loss)")
def _iiiA_experiment(ctx):
    r = sgd_experiment(ctx)
    dmax = max(r["diameters"])
    ok = dmax < 0.1 and r["min_margin"] > 1.0
    return ok, (f"{r['steps']} Adam steps x {r['draws']} draws, N=4 groups of 3 in d=3: max diameter "
                f"{dmax:.2e}, min margin {r['min_margin']:.4f} (simplex: {math.sqrt(8 / 3):.4f})")


register(Claim(
    id="q4e.iii.A",
    title="Invariances of the optimal encoder",
    points=POINTS["q4e.iii.A"],
    statement=("For an optimal $f^*$ (smallest diameters, largest margins), give the largest sets "
               "within which $f^*$ is invariant."),
    answer=r"S_1,\ S_2,\ \dots,\ S_N",
    short="S_1, ..., S_N",
    options=tuple(INVARIANCE_OPTIONS),
    boxed=INVARIANCE_OPTIONS,
    proof=("The extremal diameters are $\\mathrm{diameter}_i(f^*) = 0$: $f^*$ maps every point of "
           "$S_i$ to one feature $u_i$, so $f^*$ is invariant to variations within each $S_i$. "
           "The margins are maximal, in particular positive: $u_i \\ne u_j$ for $i\\ne j$, so $f^*$ is "
           "not invariant on $S_i \\cup S_j$. The invariance sets are therefore exactly the supports "
           "$S_1, \\dots, S_N$: the encoder is invariant to what the positive pairs share (the "
           "augmentations of one image) and sensitive to the differences between groups.\n\n"
           "Both the exact-loss optimizer and plain Adam training on sampled draws of Eq. (1) end "
           "with each $S_i$ at one point and the group points apart."),
    checks=(_iiiA_optimization, _iiiA_experiment),
))

# --------------------------------------------------------------------------------------------
# q4e.iii.B: relation to Tammes' problem
# --------------------------------------------------------------------------------------------


@check("symbolic", "sympy: margin = 2 sin(theta/2) is increasing in the angle on (0, pi)")
def _iiiB_symbolic(ctx):
    import sympy as sp

    th = sp.symbols("theta", positive=True)
    margin_sq = 2 - 2 * sp.cos(th)  # ||u - v||^2 on the sphere (Q3)
    same = sp.simplify(margin_sq - (2 * sp.sin(th / 2)) ** 2) == 0
    deriv = sp.diff(2 * sp.sin(th / 2), th)
    positive = sp.solveset(deriv <= 0, th, sp.Interval.open(0, sp.pi)) == sp.S.EmptySet
    return same and positive, (f"||u-v||^2 = 2 - 2cos(theta) = (2 sin(theta/2))^2: {same}; "
                               f"d/dtheta 2 sin(theta/2) = {deriv} > 0 on (0, pi): {positive}")


@check("optimization", "solver reaches every proven Tammes optimum on S^2 to 1e-6 degrees")
def _iiiB_packings(ctx):
    proven = proven_tammes_s2()
    rows = packing_results(ctx)["packings"]
    errs = {r["n"]: r["angle_deg"] - proven[r["n"]] for r in rows}
    ok = all(abs(e) <= 1e-6 for e in errs.values())
    return ok, "angle - proven (deg): " + ", ".join(f"N={n}: {e:+.1e}" for n, e in errs.items())


@check("optimization", "solver reaches the 24-cell (60), 600-cell (36) and E8 (60 deg) to 1e-6 deg")
def _iiiB_famous(ctx):
    # the known angles are written here, in the check, never in the solver
    known = {"24-cell": (60.0, 8), "600-cell": (36.0, 12), "E8 roots": (60.0, 56)}
    ok, parts = True, []
    for r in famous_results(ctx)["rows"]:
        angle, kiss = known[r["name"]]
        err = r["angle_deg"] - angle
        ok &= abs(err) <= 1e-6 and r["contacts_min"] == r["contacts_max"] == kiss
        parts.append(f"{r['name']} (N={r['n']}, d={r['d']}): {r['angle_deg']:.12f} deg "
                     f"(error {err:+.1e}), every point touches {r['contacts_min']}-{r['contacts_max']} "
                     f"others, {r['seconds']:.1f} s")
    return ok, "; ".join(parts)


@check("experiment", "tau -> 0: the optimal contrastive configuration approaches the Tammes angle")
def _iiiB_tau(ctx):
    ok, parts = True, []
    for s in tau_results(ctx)["studies"]:
        gaps = [s["tammes_deg"] - a for a in s["angles_deg"]]
        small = gaps[-3:]
        # the gap shrinks monotonically over the small temperatures, and roughly like tau
        mono = all(b < a for a, b in zip(small, small[1:]))
        ratio = gaps[-2] / gaps[-1] if gaps[-1] > 0 else float("inf")
        # ... and at tau = 1 the optimum is not the Tammes packing (the proof says so for N = 7, 8)
        ok &= mono and 0 <= gaps[-1] < 0.2 and 1.5 < ratio < 3.0 and gaps[0] > 1.0
        parts.append(f"N={s['n']}: Tammes {s['tammes_deg']:.6f} deg; angle at tau="
                     + ", ".join(f"{t:g}: {a:.4f}" for t, a in zip(s["taus"], s["angles_deg"]))
                     + f"; gap(tau={s['taus'][-2]:g})/gap(tau={s['taus'][-1]:g}) = {ratio:.2f}")
    return ok, "; ".join(parts)


register(Claim(
    id="q4e.iii.B",
    title="Uniformity: the relation to Tammes' problem",
    points=POINTS["q4e.iii.B"],
    statement=("Relate Tammes' problem (max-min-angle placement of $N$ unit vectors) to extremizing "
               "the diameters and margins."),
    answer=(r"\text{With all diameters }0\text{, each group is one point } u_i\text{ and }"
            r"\mathrm{margin}_{i\to j}=\|u_i-u_j\|=2\sin(\theta_{ij}/2)\text{; maximizing the margins "
            r"is Tammes' problem for the } N \text{ points } u_i"),
    short=("Collapsing every group (zero diameter) leaves N points u_i; maximizing the smallest margin "
           "||u_i - u_j|| = 2 sin(theta_ij / 2) is exactly Tammes' max-min-angle placement of N points, "
           "so the group points solve (or, for the loss, approach as tau -> 0) the Tammes problem."),
    proof=("When every diameter is $0$, group $i$ is a single point $u_i \\in \\mathbb{S}^{d-1}$ and "
           "$\\mathrm{margin}_{i\\to j} = \\|u_i - u_j\\|_2 = \\sqrt{2 - 2\\cos\\theta_{ij}} = "
           "2\\sin(\\theta_{ij}/2)$ (Question 3), an increasing function of the angle $\\theta_{ij}$ on "
           "$(0, \\pi)$. Making the margins large, in the max-min sense of 4c (the smallest margin "
           "decides), is therefore maximizing $\\min_{i\\ne j}\\theta_{ij}$: exactly Tammes' problem "
           "for the $N$ group points. The optimal encoder collapses each group and spreads the "
           "groups *uniformly* as a Tammes packing; for $N \\le d+1$ this is the regular simplex.\n\n"
           "The loss of Eq. (1) is a smooth version of this: with temperature $\\tau$, "
           "$\\mathcal{L} \\approx \\frac1N\\sum_i\\sum_{j\\ne i} e^{-(1 - u_i^\\top u_j)/\\tau}$ is "
           "dominated by the closest pairs as $\\tau \\to 0$, and the smallest angle of its optimum "
           "tends to the Tammes angle (figure: the gap falls like $\\tau$). At $\\tau = 1$ the optimum "
           "need not be the Tammes packing (for $N = 7, 8$ on $\\mathbb{S}^2$ it is not), but it is "
           "spread out just as uniformly.\n\n"
           "The packings in the figures are found by a solver that is never given the answer "
           "(multi-start relaxation, then an exact LP and active-set Newton polish of the max-min "
           "problem); it reaches every proven optimum on $\\mathbb{S}^2$, the 24-cell, the 600-cell "
           "and the $E_8$ root system to $10^{-6}$ degrees."),
    checks=(_iiiB_symbolic, _iiiB_packings, _iiiB_famous, _iiiB_tau),
    open_answer="a relation stated in 1-3 sentences; the checks verify each fact it uses",
    figures=(FIG_PACKINGS, FIG_ANGLE, FIG_TAU),
))

