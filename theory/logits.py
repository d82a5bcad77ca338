"""Eq. (1) as a cross-entropy, and the range of its logits (Question 2)."""

from __future__ import annotations

import sympy as sp

from .derivation import Derivation, Step
from .identities import DOT_UV, S, d, k, u, v

N = sp.Symbol("N", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True, positive=True)
ell = sp.IndexedBase("ell")  # ell[j] = f(x_i)^T f(y_j), the j-th logit


def cross_entropy_derivation() -> Derivation:
    """-log softmax(ell)[i] = -ell_i + log sum_j exp(ell_j): one term of Eq. (1) is the
    cross-entropy of the logits vector (ell_1..ell_N) with target class i, for symbolic N."""
    Z = sp.Sum(sp.exp(ell[j]), (j, 1, N))
    return Derivation(
        "one term of Eq. (1) as cross-entropy, symbolic N",
        -sp.log(sp.exp(ell[i]) / Z),
        [
            Step(-(sp.log(sp.exp(ell[i])) - sp.log(Z)), "log of a quotient",
                 verify=lambda a, b: sp.simplify(sp.expand_log(a, force=True) - sp.expand_log(b, force=True)) == 0),
            Step(sp.log(Z) - ell[i], "$\\log e^{\\ell_i} = \\ell_i$ (real logits)",
                 verify=lambda a, b: sp.simplify(sp.expand_log(a, force=True) - b) == 0),
        ],
        lhs=sp.Symbol(r"-\log \mathrm{softmax}(\ell)_i"),
    )


def lagrange_identity_holds(dim: int) -> bool:
    """Cauchy-Schwarz certificate in dimension ``dim``, verified by exact polynomial expansion:
    (sum a^2)(sum b^2) - (sum a b)^2 = 1/2 sum_{p,q} (a_p b_q - a_q b_p)^2."""
    a = sp.symbols(f"a1:{dim + 1}", real=True)
    b = sp.symbols(f"b1:{dim + 1}", real=True)
    lhs = sum(x * x for x in a) * sum(y * y for y in b) - sum(x * y for x, y in zip(a, b)) ** 2
    sos = sp.Rational(1, 2) * sum((a[p] * b[q] - a[q] * b[p]) ** 2 for p in range(dim) for q in range(dim))
    return sp.expand(lhs - sos) == 0


def sphere_upper_bound_derivation() -> Derivation:
    """On S^{d-1}, symbolic d: u^T v = 1 - ||u - v||^2 / 2 <= 1."""
    return Derivation(
        "logit upper bound on the sphere, symbolic d",
        DOT_UV,
        [
            Step((S(u[k] ** 2) + S(v[k] ** 2) - S((u[k] - v[k]) ** 2)) / 2, "Question 3 identity"),
            Step(1 - S((u[k] - v[k]) ** 2) / 2, "$\\|u\\|=\\|v\\|=1$",
                 given={S(u[k] ** 2): 1, S(v[k] ** 2): 1}),
            Step(sp.Integer(1), "a sum of squares is $\\ge 0$", relation="<=",
                 verify=lambda a, b: sp.simplify(b - a - S((u[k] - v[k]) ** 2) / 2) == 0),
        ],
    )


def sphere_lower_bound_derivation() -> Derivation:
    """On S^{d-1}, symbolic d: u^T v = ||u + v||^2 / 2 - 1 >= -1."""
    return Derivation(
        "logit lower bound on the sphere, symbolic d",
        DOT_UV,
        [
            Step((S((u[k] + v[k]) ** 2) - S(u[k] ** 2) - S(v[k] ** 2)) / 2, "expand $\\|u+v\\|^2$"),
            Step(S((u[k] + v[k]) ** 2) / 2 - 1, "$\\|u\\|=\\|v\\|=1$",
                 given={S(u[k] ** 2): 1, S(v[k] ** 2): 1}),
            Step(sp.Integer(-1), "a sum of squares is $\\ge 0$", relation=">=",
                 verify=lambda a, b: sp.simplify(a - b - S((u[k] + v[k]) ** 2) / 2) == 0),
        ],
    )


__all__ = ["N", "cross_entropy_derivation", "lagrange_identity_holds", "sphere_upper_bound_derivation",
           "sphere_lower_bound_derivation", "d"]
