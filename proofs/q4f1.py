"""Question 4f.1: overlapping supports break the condition of 4c."""

from __future__ import annotations

import numpy as np

from numerics import geometry as geo
from numerics.feature_configurations import (
    SHARED_POINT_EXAMPLE,
)
from numerics.geometry_cases import build_case

from .checks import hypothesis_holds, z3_proves
from .formal import Theorem
from .order import POINTS, YES_NO
from .q4a import _strategies
from .registry import Claim, check, register

# --------------------------------------------------------------------------------------------
# q4f.1: overlapping supports
# --------------------------------------------------------------------------------------------

@check("smt", "z3: a shared point forces margin_{i->j} = 0 <= diameter_i, for every encoder", rejects=("Yes",))
def _q4f1_smt(ctx):
    import z3

    msgs = []
    for d in (2, 3):
        s = z3.RealVector("s", d)          # f(s) for the shared element s in S_i and S_j
        t = z3.RealVector("t", d)          # any other element of S_i
        D, M = z3.Reals("D M")

        def sq(u, v):
            return z3.Sum([(a - b) * (a - b) for a, b in zip(u, v)])

        # diameter_i >= every within-group distance (s with itself and with t); margin_{i->j}
        # <= every cross distance (s in S_i paired with s in S_j); both are distances (>= 0).
        facts = z3.And(D >= 0, M >= 0, D * D >= sq(s, s), D * D >= sq(s, t), M * M <= sq(s, s),
                       z3.Sum([a * a for a in s]) == 1)
        ok, m = z3_proves(z3.Implies(facts, z3.Not(D < M)), f"d={d}")
        if not ok:
            return False, m
        msgs.append(m)
    return True, "; ".join(msgs)


@check("exact", "exact: a configuration with a shared support point")
def _q4f1_exact(ctx):
    g = SHARED_POINT_EXAMPLE
    M2 = geo.margin(g, squared=True)
    D2 = geo.diameter(g, squared=True)
    ii = geo.diameter_below_every_margin(g)
    dec = geo.decide(g)
    bf = geo.find_failure_bruteforce(g)
    z = geo.logits(g, *dec.failure) if dec.failure else None
    ok = M2[0, 1] == 0 and not ii and not dec.perfect and bf is not None and dec.gap[dec.worst] <= 0
    return ok, (f"shared point (3/5, 4/5): margin_1->2^2 = {M2[0, 1]} exactly, diameter_1^2 = {D2[0]}, "
                f"option ii holds: {ii}; perfect accuracy: {dec.perfect} (brute force failing "
                f"choice {bf}); worst gap {dec.gap[dec.worst]}, failing choice {dec.failure} with "
                f"logits {[str(v) for v in z] if z else None}")


@check("property", "hypothesis: any configuration with a shared point fails the condition and accuracy")
def _q4f1_property(ctx):
    from hypothesis import strategies as st

    def prop(mode, picks, gi, gj):
        groups = build_case(mode, picks)
        N = len(groups)
        i, j = gi % N, (gi % N + 1 + gj % (N - 1)) % N
        shared = groups[i][0]
        if isinstance(groups[j], np.ndarray):
            groups[j] = np.vstack([groups[j], np.asarray(shared)[None]])
        else:
            groups[j] = list(groups[j]) + [shared]
        assert not geo.diameter_below_every_margin(groups)
        assert not geo.perfect_accuracy(groups)
        M2 = geo.margin(groups, squared=True)
        assert float(M2[i, j]) <= 1e-12

    n = ctx.setting("q4f1_examples")
    return hypothesis_holds(prop, _strategies() + [st.integers(0, 100), st.integers(0, 100)],
                            max_examples=n, name="shared point => not ii and not perfect",
                            seed=ctx.seed)


register(Claim(
    id="q4f.1",
    title="Overlapping supports",
    points=POINTS["q4f.1"],
    statement=("Without disjoint supports: can the condition of Question 4c be satisfied when "
               "supports may overlap?"),
    answer=r"\text{No}",
    short="No",
    options=YES_NO,
    proof=(
        "Suppose $s \\in S_i \\cap S_j$ with $i \\ne j$. Whatever the encoder, the pair "
        "$(s_i, s_j) = (s, s)$ is admissible in Eq. (4), so\n\n"
        "$$\\mathrm{margin}_{i\\to j}(f) \\le \\|f(s) - f(s)\\|_2 = 0 \\le \\mathrm{diameter}_i(f),$$\n\n"
        "and $\\mathrm{diameter}_i(f) < \\mathrm{margin}_{i\\to j}(f)$ fails. So the condition of "
        "4c (option ii) cannot hold. (If the overlap is only between supports of the question's "
        "distributions, i.e. some pair $i \\ne j$ overlaps, this single pair already breaks the "
        "\"for all $i \\ne j$\".) Perfect accuracy itself fails too: the choice $x_i = y_i = s$, "
        "$y_j = s$ gives the target and the $j$-th logit the same value $\\|f(s)\\|^2 = 1$, a tie. "
        "The exact check uses the shared point $(3/5, 4/5)$; hypothesis injects a shared point "
        "into random configurations."),
    checks=(_q4f1_smt, _q4f1_exact, _q4f1_property),
    formal=(Theorem("Q4f1", "shared_point_breaks_condition_ii",
                    "forall (X : Type) (N : nat) (f : X -> list R) (S : nat -> list X) (i j : nat) (a b : X),\n"
                    "    (i < N)%nat -> (j < N)%nat -> i <> j -> In a (S i) -> In b (S j) -> f a = f b ->\n"
                    "    ~ condition_ii N f S", uses=("dist", "maxl", "minl", "pair_distances", "diameter", "margin", "condition_ii"),
                    rejects=("Yes",)),),
))

