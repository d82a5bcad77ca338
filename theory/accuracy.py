"""Logit gaps as distance gaps on the sphere (Question 4), in symbolic dimension d.

For unit vectors ``x, y, z`` the gap between the logits ``x^T y`` and ``x^T z`` is half the gap
between the squared distances ``||x - z||^2`` and ``||x - y||^2`` (the Q3 identity applied
twice).  So "the positive logit beats the negative one" is "the positive is closer".
"""

from __future__ import annotations

import sympy as sp

from .derivation import Derivation, Step

d = sp.Symbol("d", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
x = sp.IndexedBase("x")
y = sp.IndexedBase("y")
z = sp.IndexedBase("z")


def S(expr):
    """``sum_{k=1}^{d} expr``."""
    return sp.Sum(expr, (k, 1, d))


NORM_X2, NORM_Y2, NORM_Z2 = S(x[k] ** 2), S(y[k] ** 2), S(z[k] ** 2)
DOT_XY, DOT_XZ = S(x[k] * y[k]), S(x[k] * z[k])


def logit_gap_derivation() -> Derivation:
    """``(||x - z||^2 - ||x - y||^2) / 2 = x^T y - x^T z`` for unit ``x, y, z``."""
    return Derivation(
        "logit gap equals half the squared-distance gap",
        (S((x[k] - z[k]) ** 2) - S((x[k] - y[k]) ** 2)) / 2,
        [
            Step((NORM_X2 + NORM_Z2 - 2 * DOT_XZ - NORM_X2 - NORM_Y2 + 2 * DOT_XY) / 2,
                 "Q3, twice"),
            Step(DOT_XY - DOT_XZ, "$\\|y\\|_2 = \\|z\\|_2 = 1$",
                 given={NORM_Y2: 1, NORM_Z2: 1}),
        ],
    )


def squared_distance_as_logit_derivation() -> Derivation:
    """``||x - y||^2 = 2 - 2 x^T y`` on the sphere: distances and logits order oppositely."""
    return Derivation(
        "squared distance of unit vectors",
        S((x[k] - y[k]) ** 2),
        [
            Step(NORM_X2 + NORM_Y2 - 2 * DOT_XY, "expand (Q3)"),
            Step(2 - 2 * DOT_XY, "$\\|x\\|_2 = \\|y\\|_2 = 1$", given={NORM_X2: 1, NORM_Y2: 1}),
        ],
        lhs=sp.Symbol(r"\|x - y\|_2^2"),
    )
