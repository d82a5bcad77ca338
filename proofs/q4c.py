"""Question 4c: which condition ensures perfect accuracy."""

from __future__ import annotations

import numpy as np

from numerics import geometry as geo
from numerics.feature_configurations import (
    NOT_NECESSARY_EXAMPLE,
    OPTION_I_COUNTEREXAMPLE,
    OPTION_III_COUNTEREXAMPLE,
    clustered_groups,
    q4a_configurations,
)
from theory.accuracy import logit_gap_derivation

from .checks import derivations_hold, hypothesis_holds, z3_proves
from .formal import Theorem
from .order import POINTS
from .registry import Claim, check, register

# --------------------------------------------------------------------------------------------
# q4c: the sufficient condition
# --------------------------------------------------------------------------------------------

@check("symbolic", "logit gap = half the squared-distance gap (Q3 substituted, symbolic d)")
def _q4c_symbolic(ctx):
    return derivations_hold(logit_gap_derivation())


@check("smt", "z3: diameter_i < margin_{i->j} implies x^T y_i > x^T y_j")
def _q4c_smt(ctx):
    import z3

    # Scalar step, after Q3: ||x - y||^2 = 2 - 2 x^T y.
    p, n, D, M = z3.Reals("p n D M")
    hyp = z3.And(D >= 0, D < M, 2 - 2 * p <= D * D, 2 - 2 * n >= M * M)
    ok1, m1 = z3_proves(z3.Implies(hyp, p > n), "scalar step")
    if not ok1:
        return False, m1
    # The substitution itself (Q3 on the sphere), for unit vectors in d = 2, 3: with it, the
    # scalar step above is exactly the implication for vectors (p = x^T y_i, n = x^T y_j).
    msgs = [m1]
    for d in (2, 3):
        x, y = z3.RealVector("x", d), z3.RealVector("y", d)
        dot = z3.Sum([a * b for a, b in zip(x, y)])
        sq = z3.Sum([(a - b) * (a - b) for a, b in zip(x, y)])
        unit = z3.And(z3.Sum([a * a for a in x]) == 1, z3.Sum([b * b for b in y]) == 1)
        ok, m = z3_proves(z3.Implies(unit, sq == 2 - 2 * dot), f"Q3 substitution d={d}")
        if not ok:
            return False, m
        msgs.append(m)
    return True, "; ".join(msgs)


@check("property", "hypothesis: option ii implies perfect accuracy on random configurations")
def _q4c_property(ctx):
    from hypothesis import strategies as st

    stats = {"n": 0, "ii": 0}

    def prop(seed, N, m, d, spread):
        rng = np.random.default_rng(seed)
        groups = clustered_groups(rng, N, d, spread, m_min=1, m_max=m)
        stats["n"] += 1
        if geo.diameter_below_every_margin(groups):
            stats["ii"] += 1
            dec = geo.decide(groups, tol=0.0)
            assert dec.perfect, (seed, N, m, d, spread, dec.failure)

    n = ctx.setting("q4c_examples")
    ok, detail = hypothesis_holds(prop, [st.integers(0, 2 ** 32 - 1), st.integers(2, 6),
                                         st.integers(1, 6), st.integers(2, 6),
                                         st.sampled_from([0.02, 0.05, 0.1, 0.2, 0.4])],
                                  max_examples=n, name="ii => perfect", seed=ctx.seed)
    enough = stats["ii"] >= 50
    return ok and enough, f"{detail}; option ii held (non-vacuous) in {stats['ii']} of {stats['n']}"


def _describe_failure(groups):
    i, x, ys = geo.find_failure(groups)
    z = geo.logits(groups, i, x, ys)
    return f"failing choice i={i + 1}, x={x + 1}, ys={[y + 1 for y in ys]}, logits {[str(v) for v in z]}"


@check("counterexample", "exact: options i and iii hold while accuracy fails", rejects=("i", "iii"))
def _q4c_counter(ctx):
    c1, c3 = OPTION_I_COUNTEREXAMPLE, OPTION_III_COUNTEREXAMPLE
    i_holds = geo.diameter_below_some_margin(c1)
    iii_holds = geo.some_diameter_below_all_margins(c3)
    f1, f3 = geo.perfect_accuracy(c1), geo.perfect_accuracy(c3)
    bf1, bf3 = geo.perfect_accuracy_bruteforce(c1), geo.perfect_accuracy_bruteforce(c3)
    ok = i_holds and iii_holds and not f1 and not f3 and not bf1 and not bf3
    D1, M1 = geo.diameter(c1, squared=True), geo.margin(c1, squared=True)
    D3, M3 = geo.diameter(c3, squared=True), geo.margin(c3, squared=True)
    return ok, (f"option i: holds={i_holds} (diameter^2 {[str(v) for v in D1]}, margin^2 to group 3: "
                f"{M1[0, 2]}, {M1[1, 2]}), perfect={f1}, {_describe_failure(c1)}; "
                f"option iii: holds={iii_holds} (diameter_1^2 = {D3[0]} < min margin^2 = {M3[0, 1]}), "
                f"perfect={f3}, {_describe_failure(c3)}")


@check("exact", "exact: option ii is sufficient but not necessary (an S^2 example)")
def _q4c_exact(ctx):
    g = NOT_NECESSARY_EXAMPLE
    ii = geo.diameter_below_every_margin(g)
    perfect, bf = geo.perfect_accuracy(g), geo.perfect_accuracy_bruteforce(g)
    D, M = geo.diameter(g, squared=True), geo.margin(g, squared=True)
    # also: ii holds and accuracy is perfect on the Q4a configurations where ii holds
    agree = []
    for title, groups in q4a_configurations():
        if geo.diameter_below_every_margin(groups):
            agree.append(geo.perfect_accuracy(groups))
    ok = (not ii) and perfect and bf and D[0] > M[0, 1] and agree and all(agree)
    return ok, (f"diameter_1^2 = {D[0]} >= margin_1->2^2 = {M[0, 1]} so option ii fails, yet "
                f"perfect accuracy = {perfect} (brute force {bf}); worst gap "
                f"{geo.decide(g).gap[geo.decide(g).worst]}; among Q4a configurations option ii "
                f"holds for {len(agree)}, all perfect")


register(Claim(
    id="q4c",
    title="Which condition ensures perfect accuracy",
    points=POINTS["q4c"],
    statement=("Which condition on $f$ ensures perfect accuracy: (i) every $i$ has some $j\\ne i$ "
               "with $\\mathrm{diameter}_i < \\mathrm{margin}_{i\\to j}$; (ii) "
               "$\\mathrm{diameter}_i < \\mathrm{margin}_{i\\to j}$ for all $i \\ne j$; (iii) some "
               "$i^*$ has $\\mathrm{diameter}_{i^*} < \\min_{i\\ne j}\\mathrm{margin}_{i\\to j}$?"),
    answer=r"\text{ii: } \forall i\neq j,\ \mathrm{diameter}_i(f) < \mathrm{margin}_{i\to j}(f)",
    short="ii",
    options=("i", "ii", "iii"),
    proof=(
        "**(ii) is sufficient.** Take any choice $(i, x, y_1, \\dots, y_N)$ and any $j \\ne i$. "
        "Since $x, y_i \\in S_i$ and $y_j \\in S_j$,\n\n"
        "$$\\|f(x) - f(y_i)\\|_2 \\le \\mathrm{diameter}_i(f) < \\mathrm{margin}_{i\\to j}(f) "
        "\\le \\|f(x) - f(y_j)\\|_2 .$$\n\n"
        "For unit vectors the logit gap is half the squared-distance gap (Question 3 applied "
        "twice, checked by sympy in symbolic dimension):\n\n"
        "$$" + logit_gap_derivation().latex() + "$$\n\n"
        "with $y = f(y_i)$, $z = f(y_j)$. The right-hand side is positive by the chain above, so "
        "$f(x)^\\top f(y_i) > f(x)^\\top f(y_j)$ for every $j \\ne i$: the target is the unique "
        "largest logit, for every choice. (z3 proves the implication step once the Q3 identity is "
        "substituted, and the substitution itself for unit vectors in $d = 2, 3$.)\n\n"
        "**(i) is not sufficient.** It lets group $i$ be far from *one* group and collide with "
        "another. Exact counterexample on $\\mathbb{S}^1$: $S_1 = \\{(1,0), (0,1)\\}$, "
        "$S_2 = \\{(3/5,4/5), (4/5,3/5)\\}$, $S_3 = \\{(-3/5,-4/5), (-4/5,-3/5)\\}$. Groups 1 and 2 "
        "are far from group 3 (margins$^2 \\ge 16/5 > 2 \\ge$ diameters$^2$), so (i) holds; yet "
        "the choice $x = (1,0)$, $y_1 = (0,1)$ has target logit $0$ while "
        "$y_2 = (4/5, 3/5)$ gives $4/5$.\n\n"
        "**(iii) is not sufficient.** One tight group says nothing about the others: "
        "$S_1 = \\{(1,0)\\}$ (diameter 0), $S_2 = \\{(0,1),(0,-1)\\}$; every margin is "
        "$\\sqrt2 > 0$, so (iii) holds, but $x = (0,1)$, $y_2 = (0,-1)$, $y_1 = (1,0)$ gives target "
        "logit $-1 < 0$.\n\n"
        "**(ii) is not necessary.** The exact decision of Question 4a only needs each point to "
        "be closer to its *own* farthest group-mate than to other groups; (ii) asks this with the "
        "worst point of the group on one side and the best on the other. On $\\mathbb{S}^2$: "
        "$S_1 = \\{(8/17, 0, 15/17), (0,0,1), (-8/17, 0, 15/17)\\}$, $S_2 = \\{(0, 4/5, 3/5)\\}$ have "
        "$\\mathrm{diameter}_1^2 = 256/289 > 4/5 = \\mathrm{margin}_{1\\to2}^2$, but the smallest "
        "positive logits ($161/289$, $15/17$, $161/289$) all exceed the largest negative ones "
        "($9/17$, $3/5$, $9/17$), so the accuracy is perfect."),
    checks=(_q4c_symbolic, _q4c_smt, _q4c_property, _q4c_counter, _q4c_exact),
    formal=(Theorem("Q4c", "condition_ii_perfect_accuracy",
                "forall (X : Type) (d N : nat) (f : X -> list R) (S : nat -> list X),\n"
                "    on_sphere d N f S -> condition_ii N f S -> perfect_accuracy N f S",
                uses=("dot", "vsub", "norm2", "dist", "maxl", "minl", "pair_distances", "diameter", "margin", "condition_ii", "on_sphere", "correct", "perfect_accuracy")),),
))


