"""Question 3: dot products and distances."""

from __future__ import annotations

import numpy as np

from theory.formula import same_identity, to_latex
from theory.identities import (
    DOT_UV,
    NORM_U2,
    NORM_V2,
    distance_dot_derivation,
    k,
    theta,
    u,
    unit_sphere_derivation,
    v,
)
from theory.identities import S as _sum

from .checks import derivations_hold, hypothesis_holds, z3_proves
from .formal import Theorem
from .order import POINTS
from .registry import Claim, check, register


@check("symbolic", "identity in symbolic dimension d, and its unit-sphere form")
def _symbolic(ctx):
    return derivations_hold(distance_dot_derivation(), unit_sphere_derivation())


@check("smt", "z3: identity for every u, v in R^d, d = 1..6")
def _smt(ctx):
    import z3

    details = []
    for dim in range(1, 7):
        u = z3.RealVector("u", dim)
        v = z3.RealVector("v", dim)
        lhs = z3.Sum([(a - b) * (a - b) for a, b in zip(u, v)])
        dot = z3.Sum([a * b for a, b in zip(u, v)])
        rhs = z3.Sum([a * a for a in u]) + z3.Sum([b * b for b in v]) - 2 * dot
        ok, msg = z3_proves(lhs == rhs, f"d={dim}")
        if not ok:
            return False, msg
        # Unit-sphere form: ||u|| = ||v|| = 1 implies ||u - v||^2 = 2 - 2 u^T v.
        unit = z3.And(z3.Sum([a * a for a in u]) == 1, z3.Sum([b * b for b in v]) == 1)
        ok, msg = z3_proves(z3.Implies(unit, lhs == 2 - 2 * dot), f"unit d={dim}")
        if not ok:
            return False, msg
        details.append(str(dim))
    return True, f"z3 proved both identities (negations unsat) for d = {', '.join(details)}"


@check("property", "hypothesis: random vectors of any dimension")
def _property(ctx):
    from hypothesis import strategies as st

    def prop(dim, seed, scale):
        rng = np.random.default_rng(seed)
        u, v = scale * rng.standard_normal((2, dim))
        lhs = np.sum((u - v) ** 2)
        rhs = u @ u + v @ v - 2 * (u @ v)
        assert abs(lhs - rhs) <= 1e-12 * (u @ u + v @ v + 1), (lhs, rhs)
        un, vn = u / np.linalg.norm(u), v / np.linalg.norm(v)
        cos = un @ vn
        assert abs(np.sum((un - vn) ** 2) - (2 - 2 * cos)) <= 1e-12
        theta = np.arccos(np.clip(cos, -1, 1))
        assert abs(np.linalg.norm(un - vn) - 2 * np.sin(theta / 2)) <= 1e-7

    return hypothesis_holds(prop, [st.integers(1, 512), st.integers(0, 2**32 - 1),
                                   st.floats(1e-3, 1e3)], name="||u-v||^2 identities")


SHORT = {"general": "||u-v||^2 = ||u||^2 + ||v||^2 - 2 u^T v", "sphere": "||u-v||^2 = 2 - 2 cos(theta)"}


def boxed(short: dict) -> str:
    """The boxed answer: the two stated identities, in LaTeX."""
    return (to_latex(short["general"]) + r";\quad u,v\in\mathbb{S}^{d-1}:\ " + to_latex(short["sphere"])
            + r",\ \cos\theta = u^\top v")


@check("symbolic", "the stated formulas, read by sympy in symbolic dimension d, are the derived identities")
def _stated(ctx, claim):
    import sympy as sp

    lhs = _sum((u[k] - v[k]) ** 2)
    ok1, d1 = same_identity(claim.short["general"], lhs, NORM_U2 + NORM_V2 - 2 * DOT_UV)
    ok2, d2 = same_identity(claim.short["sphere"], lhs, 2 - 2 * sp.cos(theta),
                            given={NORM_U2: 1, NORM_V2: 1, DOT_UV: sp.cos(theta)})
    same_box = claim.answer == boxed(claim.short)
    return ok1 and ok2 and same_box, (f"general: {d1}; on the sphere (||u|| = ||v|| = 1, u^T v = cos theta): {d2}; "
                                      f"the boxed answer is rendered from the stated text: {same_box}")


register(Claim(
    id="q3",
    title="Dot products and distances",
    points=POINTS["q3"],
    statement=("Relate $\\|u-v\\|_2$ to $u^\\top v$; on the unit sphere relate the cosine "
               "similarity to the Euclidean distance."),
    answer=boxed(SHORT),
    short=dict(SHORT),
    alternatives=({**SHORT, "general": "||u-v||^2 = ||u||^2 + ||v||^2 + 2 u^T v"},
                  {**SHORT, "general": "||u-v||^2 = ||u||^2 - ||v||^2 - 2 u^T v"},
                  {**SHORT, "sphere": "||u-v||^2 = 2 + 2 cos(theta)"},
                  {**SHORT, "sphere": "||u-v||^2 = 1 - cos(theta)"}),
    proof=("Write the squared norm as a sum over the $d$ coordinates and expand each square:\n\n"
           "$$" + distance_dot_derivation().latex() + "$$\n\n"
           "On the unit sphere both norms are 1 and the cosine similarity is "
           "$\\cos\\theta = u^\\top v/(\\|u\\|\\|v\\|) = u^\\top v$, so\n\n"
           "$$" + unit_sphere_derivation().latex() + "$$\n\n"
           "Hence $\\|u-v\\|_2 = \\sqrt{2-2\\cos\\theta} = 2\\sin(\\theta/2)$: on the sphere, the "
           "distance is a decreasing function of the cosine similarity, and ranking by one is "
           "ranking by the other."),
    checks=(_stated, _symbolic, _smt, _property),
    formal=(
        Theorem("Q3", "sq_dist_dot",
                "forall u v : list R, length u = length v ->\n"
                "    norm2 (vsub u v) = norm2 u + norm2 v - 2 * dot u v",
                uses=("dot", "vsub", "norm2")),
        Theorem("Q3", "sq_dist_unit_sphere",
                "forall u v : list R, length u = length v ->\n"
                "    norm2 u = 1 -> norm2 v = 1 -> norm2 (vsub u v) = 2 - 2 * dot u v",
                uses=("dot", "vsub", "norm2")),
    ),
))
