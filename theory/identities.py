"""Distance / dot-product identities in symbolic dimension (Question 3)."""

from __future__ import annotations

import sympy as sp

from .derivation import Derivation, Step

d = sp.Symbol("d", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
u = sp.IndexedBase("u")
v = sp.IndexedBase("v")
theta = sp.Symbol("theta", real=True)


def S(expr):
    """``sum_{k=1}^{d} expr``."""
    return sp.Sum(expr, (k, 1, d))


#: ||u||^2, ||v||^2 and u^T v in symbolic dimension d.
NORM_U2, NORM_V2, DOT_UV = S(u[k] ** 2), S(v[k] ** 2), S(u[k] * v[k])


def distance_dot_derivation() -> Derivation:
    """||u - v||^2 = ||u||^2 + ||v||^2 - 2 u^T v, for vectors of any dimension d."""
    return Derivation(
        "squared distance in symbolic dimension d",
        S((u[k] - v[k]) ** 2),
        [
            Step(S(u[k] ** 2 - 2 * u[k] * v[k] + v[k] ** 2), "expand each square"),
            Step(NORM_U2 + NORM_V2 - 2 * DOT_UV, "linearity of the sum"),
        ],
        lhs=sp.Symbol(r"\|u - v\|_2^2"),
    )


def unit_sphere_derivation() -> Derivation:
    """On S^{d-1}: ||u - v||^2 = 2 - 2 cos(theta) with cos(theta) = u^T v."""
    cos_t = sp.cos(theta)
    return Derivation(
        "squared distance on the unit sphere",
        NORM_U2 + NORM_V2 - 2 * DOT_UV,
        [
            Step(2 - 2 * DOT_UV, "$\\|u\\|_2 = \\|v\\|_2 = 1$", given={NORM_U2: 1, NORM_V2: 1}),
            Step(2 - 2 * cos_t, "$\\cos\\theta = u^\\top v / (\\|u\\|\\|v\\|) = u^\\top v$",
                 given={DOT_UV: cos_t}),
            Step(4 * sp.sin(theta / 2) ** 2, "half-angle formula"),
        ],
        lhs=sp.Symbol(r"\|u - v\|_2^2"),
    )
