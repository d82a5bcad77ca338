"""Symbolic facts about the contrastive loss, Eq. (1), and the dual-encoder loss, Eq. (8).

* the logits of unit vectors lie in [-1, 1] (so each row loss is at least
  ``log(1 + (N-1) e^{-2})``);
* the sharper bound ``log(1 + (N-1) e^{-N/(N-1)})``, reached by the regular simplex, via
  Jensen's inequality twice and the sum-of-squares identity

      U.V - N sum_i u_i.v_i + (N/2) sum_i (|u_i|^2 + |v_i|^2)
          = (1/(2N)) sum_i |N(u_i - v_i) + V|^2 + |V|^2 / 2        (U = sum u_i, V = sum v_i);

* the limit of the loss of a scaled configuration as the scale grows;
* the per-sample identity between the dual-encoder term and the cross-entropy term.

sympy only (no numpy, no torch).  Symbols: ``N`` groups, ``a_ij = f(x_i)^T f(y_j)`` logits.
"""

from __future__ import annotations

import itertools

import sympy as sp

from .derivation import Derivation, Step, equivalent
from .identities import DOT_UV, NORM_U2, NORM_V2, S
from .identities import k as kk
from .identities import u as uu_
from .identities import v as vv_

# ----------------------------------------------------------------------------- symbols
N = sp.Symbol("N", integer=True, positive=True)
M = sp.Symbol("M", integer=True, positive=True)  # M = N - 1 >= 1, used where sympy needs N > 1
i, j, c, k, y = sp.symbols("i j c k y", integer=True, positive=True)
p = sp.Symbol("p", real=True)  # the positive logit a_ii of one row
s = sp.IndexedBase("s", real=True)  # the N - 1 negative logits a_ij, j != i, of one row
m = sp.IndexedBase("m", real=True)  # m_i = mean_{j != i} (a_ij - a_ii)
E = sp.IndexedBase("E", positive=True)  # E_i = sum_{j != i} exp(a_ij - a_ii)
r = sp.Symbol("r", positive=True)  # the scale of the features
delta = sp.Symbol("delta", positive=True)  # the smallest logit gap a_ii - a_ij at unit scale
t = sp.Symbol("t", real=True)



class TexSymbol(sp.Symbol):
    """A scalar symbol that stands for a compound quantity and prints as given LaTeX."""

    def _latex(self, printer):
        return _TEX.get(self.name, self.name)


_TEX = {
    "UV": r"U^\top V", "VV": r"\|V\|^2", "DG": r"{\textstyle\sum_i} u_i^\top v_i",
    "UU2": r"{\textstyle\sum_i}\|u_i\|^2", "VV2": r"{\textstyle\sum_i}\|v_i\|^2",
    "SOS": r"{\textstyle\sum_i}\|N(u_i - v_i) + V\|^2", "mbar": r"\bar m", "LOSS": r"\mathcal{L}",
}

def _lhs(tex: str) -> TexSymbol:
    """A symbol printed as the given LaTeX (for the left side of a derivation)."""
    name = f"lhs{abs(hash(tex)) % 10**8}"
    _TEX[name] = tex
    return TexSymbol(name)


# Gram-level quantities of one draw (u_i = f(x_i), v_j = f(y_j), U = sum u_i, V = sum v_j):
UV = TexSymbol("UV", real=True)  # U.V = sum_{i,j} u_i.v_j
VV = TexSymbol("VV", nonnegative=True)  # |V|^2
DG = TexSymbol("DG", real=True)  # sum_i u_i.v_i
UU2 = TexSymbol("UU2", nonnegative=True)  # sum_i |u_i|^2
VV2 = TexSymbol("VV2", nonnegative=True)  # sum_i |v_i|^2
SOS = TexSymbol("SOS", nonnegative=True)  # sum_i |N(u_i - v_i) + V|^2
LOSS = TexSymbol("LOSS")  # Eq. (1) of one draw
mbar = TexSymbol("mbar", real=True)  # mean of the m_i


def h(x, n=N):
    """``h(x) = log(1 + (n-1) e^x)``: increasing and convex in ``x`` for ``n > 1``."""
    return sp.log(1 + (n - 1) * sp.exp(x))


def weak_bound(n=N):
    """``log(1 + (N-1) e^{-2})``: the lower bound from logits in [-1, 1]."""
    return sp.log(1 + (n - 1) * sp.exp(-2))


def simplex_bound(n=N):
    """``log(1 + (N-1) e^{-N/(N-1)})``: the loss of the regular simplex, a lower bound for all."""
    return sp.log(1 + (n - 1) * sp.exp(-sp.Rational(1) * n / (n - 1)))


def norm_bound(n, radius):
    """``log(1 + (N-1) e^{-R^2 N/(N-1)})``: lower bound when every feature has norm <= R."""
    return sp.log(1 + (n - 1) * sp.exp(-radius ** 2 * n / (n - 1)))


def scaled_simplex_loss(n=N, scale=r):
    """Eq. (1) of the regular simplex scaled by ``r``: ``log(1 + (N-1) e^{-r^2 N/(N-1)})``."""
    return norm_bound(n, scale)


# ----------------------------------------------------------------------------- logit range

def logit_range_derivations() -> tuple[Derivation, Derivation]:
    """On the unit sphere, ``1 - u.v = |u - v|^2/2 >= 0`` and ``1 + u.v = |u + v|^2/2 >= 0``."""
    minus = Derivation(
        "1 - u.v on the sphere",
        S((uu_[kk] - vv_[kk]) ** 2) / 2,
        [Step((NORM_U2 + NORM_V2 - 2 * DOT_UV) / 2, "expand the squares"),
         Step(1 - DOT_UV, "$\\|u\\| = \\|v\\| = 1$", given={NORM_U2: 1, NORM_V2: 1})],
        lhs=_lhs(r"\tfrac12\|u - v\|^2"),
    )
    plus = Derivation(
        "1 + u.v on the sphere",
        S((uu_[kk] + vv_[kk]) ** 2) / 2,
        [Step((NORM_U2 + NORM_V2 + 2 * DOT_UV) / 2, "expand the squares"),
         Step(1 + DOT_UV, "$\\|u\\| = \\|v\\| = 1$", given={NORM_U2: 1, NORM_V2: 1})],
        lhs=_lhs(r"\tfrac12\|u + v\|^2"),
    )
    return minus, plus


# ----------------------------------------------------------------------------- the weak bound

def _neg_sum(expr):
    return sp.Sum(expr, (j, 1, N - 1))


def _log_quotient_equal(a, b) -> bool:
    diff = sp.expand_log(a, force=True) - sp.expand_log(b, force=True)
    diff = diff.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Sum(sp.powsimp(sp.expand(e.function)), *e.limits))
    if sp.simplify(diff) == 0:
        return True
    # pull e^{-p} into the sum: log(e^p + sum e^{s_j}) - p == log(1 + sum e^{s_j - p})
    lhs = sp.exp(sp.expand_log(a, force=True) + p)
    rhs = sp.exp(sp.expand_log(b, force=True) + p)
    rhs = rhs.replace(lambda e: isinstance(e, sp.Sum),
                      lambda e: sp.exp(-p) * sp.Sum(sp.powsimp(e.function * sp.exp(p)), *e.limits))
    return sp.simplify(sp.expand(lhs) - sp.expand(rhs)) == 0


def _monotone_log1p_verify(a, b) -> bool:
    """``log(1 + sum_{j<N} e^{s_j - p}) >= log(1 + sum_{j<N} e^{-2})`` when ``s_j >= -1``, ``p <= 1``.

    Write ``s_j = -1 + alpha_j`` and ``p = 1 - beta`` (alpha_j, beta >= 0): each summand is
    ``e^{-2} e^{alpha_j + beta}``, whose log exceeds that of ``e^{-2}`` by ``alpha_j + beta >= 0``;
    and ``x -> log(1 + x)`` is increasing on x > -1.
    """
    alpha = sp.IndexedBase("alpha", nonnegative=True)
    beta = sp.Symbol("beta", nonnegative=True)
    x = sp.Symbol("x", positive=True)
    summand = sp.exp(s[j] - p).subs({s[j]: -1 + alpha[j], p: 1 - beta})
    gap = sp.expand_log(sp.log(summand), force=True) - sp.log(sp.exp(-2))
    increasing = sp.diff(sp.log(1 + x), x).is_positive
    # b is a with every summand e^{s_j - p} lowered to e^{-2}
    shape = sp.simplify(a.replace(lambda z: z == sp.exp(s[j] - p), lambda z: sp.exp(-2)) - b) == 0
    return bool(shape and sp.simplify(gap - (alpha[j] + beta)) == 0 and (alpha[j] + beta).is_nonnegative
                and increasing)


def weak_bound_derivation() -> Derivation:
    """One row of Eq. (1): ``-log softmax_i >= log(1 + (N-1) e^{-2})`` for logits in [-1, 1]."""
    row = -sp.log(sp.exp(p) / (sp.exp(p) + _neg_sum(sp.exp(s[j]))))
    return Derivation(
        "row loss with logits in [-1, 1]",
        row,
        [
            Step(sp.log(1 + _neg_sum(sp.exp(s[j] - p))), "divide numerator and denominator by $e^{p}$",
                 verify=_log_quotient_equal),
            Step(sp.log(1 + _neg_sum(sp.exp(-2))), "$s_j - p \\ge -1 - 1 = -2$; exp and log increasing",
                 relation=">=", verify=_monotone_log1p_verify),
            Step(weak_bound(), "$N - 1$ equal terms"),
        ],
        lhs=_lhs(r"-\log\frac{e^{a_{ii}}}{\sum_j e^{a_{ij}}}"),
    )


# ----------------------------------------------------------------------------- the simplex bound

def convexity_facts() -> dict[str, bool]:
    """exp is convex; ``h`` is increasing and convex for N > 1 (N = M + 1, M >= 1)."""
    hx = h(t, M + 1)
    d2 = sp.factor(sp.diff(hx, t, 2))
    return {
        "exp'' > 0": bool(sp.diff(sp.exp(t), t, 2).is_positive),
        "h' > 0": bool(sp.simplify(sp.diff(hx, t)).is_positive),
        "h'' > 0": bool(d2.is_positive),
    }


def gram_mean_derivation() -> Derivation:
    """``mbar = (1/N) sum_i (1/(N-1)) sum_{j != i} (a_ij - a_ii) = (U.V - N sum_i a_ii)/(N(N-1))``."""
    return Derivation(
        "mean of the m_i",
        ((UV - DG) - (N - 1) * DG) / (N * (N - 1)),
        [Step((UV - N * DG) / (N * (N - 1)), "collect the diagonal")],
        lhs=_lhs(r"\frac1N\sum_i\frac{1}{N-1}\sum_{j\ne i}(a_{ij} - a_{ii})"),
    )


def _sos_expansion_holds(a=None, b=None, n_max: int = 4, d_max: int = 3) -> bool:
    """Check a step between Gram-level expressions by writing every vector in coordinates.

    For every N <= n_max and d <= d_max, the symbols SOS, UU2, VV2, DG, UV, VV are replaced by
    their coordinate expressions in symbolic vectors u_1..u_N, v_1..v_N in R^d, and ``a - b``
    must expand to 0.  Default ``a, b``: the bilinear expansion of ``sum_i |N(u_i - v_i) + V|^2``.
    """
    if a is None:
        a = SOS
        b = N ** 2 * UU2 + N ** 2 * VV2 - 2 * N ** 2 * DG + 2 * N * UV - N * VV
    for n in range(2, n_max + 1):
        for d in range(1, d_max + 1):
            U = sp.Matrix(n, d, lambda p_, q_: sp.Symbol(f"u_{p_}_{q_}", real=True))
            V = sp.Matrix(n, d, lambda p_, q_: sp.Symbol(f"v_{p_}_{q_}", real=True))
            Vs = sp.Matrix([[sum(V[p_, q_] for p_ in range(n)) for q_ in range(d)]])
            Us = sp.Matrix([[sum(U[p_, q_] for p_ in range(n)) for q_ in range(d)]])
            values = {
                SOS: sum(((n * (U[p_, :] - V[p_, :]) + Vs) * (n * (U[p_, :] - V[p_, :]) + Vs).T)[0] for p_ in range(n)),
                UU2: sum((U[p_, :] * U[p_, :].T)[0] for p_ in range(n)),
                VV2: sum((V[p_, :] * V[p_, :].T)[0] for p_ in range(n)),
                DG: sum((U[p_, :] * V[p_, :].T)[0] for p_ in range(n)),
                UV: (Us * Vs.T)[0],
                VV: (Vs * Vs.T)[0],
                N: n,
            }
            if sp.expand(sp.sympify(a).subs(values) - sp.sympify(b).subs(values)) != 0:
                return False
    return True


def sos_derivation() -> Derivation:
    """The sum-of-squares identity behind ``U.V - N sum_i u_i.v_i >= -N^2`` on the sphere."""
    return Derivation(
        "sum of squares",
        SOS / (2 * N) + VV / 2,
        [
            # expanding |N(u_i - v_i) + V|^2 and summing: N^2(|u_i|^2 + |v_i|^2 - 2u_i.v_i) summed, plus
            # 2N sum_i (u_i - v_i).V = 2N(U.V - |V|^2), plus N|V|^2; checked in coordinates
            Step(UV - N * DG + N * (UU2 + VV2) / 2, "bilinearity",
                 verify=lambda a, b: _sos_expansion_holds(a, b, n_max=3, d_max=2)),
            Step(UV - N * DG + N ** 2, "unit rows",
                 given={UU2: N, VV2: N}),
        ],
    )


def _jensen_exp_verify(a, b) -> bool:
    """b is a with E_i replaced by (N-1) e^{m_i} (Jensen for the convex exp, applied inside the
    increasing log(1 + .))."""
    facts = convexity_facts()
    lowered = a.replace(lambda z: isinstance(z, sp.Indexed) and z.base == E,
                        lambda z: (N - 1) * sp.exp(m[z.indices[0]]))
    shape = sp.simplify(lowered - b) == 0
    return bool(shape and facts["exp'' > 0"] and facts["h' > 0"])


def _jensen_h_verify(a, b) -> bool:
    """a is the mean of h(m_i) and b is h(mean m_i) (Jensen for the convex h)."""
    sums = list(a.atoms(sp.Sum))
    shape = (len(sums) == 1 and sp.simplify(sums[0].function - h(m[i])) == 0
             and sp.simplify(a - sums[0] / N) == 0 and sp.simplify(b - h(mbar)) == 0)
    return bool(shape and convexity_facts()["h'' > 0"])


def _sos_verify(a, b) -> bool:
    # the exponent of b is the smallest value the SOS identity allows for the exponent of a
    # (UV - N DG >= -N^2), and h is increasing
    exp_a = (UV - N * DG) / (N * (N - 1))
    if sp.simplify(a - h(exp_a)) != 0 or sp.simplify(b - h(-N / (N - 1))) != 0:
        return False
    sos_ok = all(r_.ok for r_ in sos_derivation().check())
    margin = sp.simplify(exp_a.subs(UV, N * DG - N ** 2 + (SOS / (2 * N) + VV / 2)) - (-N / (N - 1)))
    # margin = (SOS/(2N) + |V|^2/2) / (N(N-1)) >= 0 for N > 1
    nonneg = sp.simplify(margin.subs(N, M + 1)).is_nonnegative
    return bool(sos_ok and nonneg and convexity_facts()["h' > 0"])


def simplex_bound_derivation() -> Derivation:
    """``L >= log(1 + (N-1) e^{-N/(N-1)})`` for one draw of unit vectors (hence for Eq. (1))."""
    mean_row = sp.Sum(sp.log(1 + E[i]), (i, 1, N)) / N
    return Derivation(
        "simplex bound",
        mean_row,
        [
            Step(sp.Sum(h(m[i]), (i, 1, N)) / N,
                 "Jensen, exp convex: $\\sum_{j\\ne i} e^{a_{ij}-a_{ii}} \\ge (N-1)e^{m_i}$",
                 relation=">=", verify=_jensen_exp_verify),
            Step(h(mbar), "Jensen, $h(x) = \\log(1 + (N-1)e^x)$ convex", relation=">=", verify=_jensen_h_verify),
            Step(h((UV - N * DG) / (N * (N - 1))), "mean of the $m_i$ (Gram form)", given={mbar: (UV - N * DG) / (N * (N - 1))}),
            Step(simplex_bound(), "$U^\\top V - N\\sum_i u_i^\\top v_i \\ge -N^2$ (sum of squares); $h$ increasing",
                 relation=">=", verify=_sos_verify),
        ],
        lhs=LOSS,
    )


def simplex_attains_bound() -> bool:
    """The regular simplex (a_ii = 1, a_ij = -1/(N-1)) has loss exactly the simplex bound."""
    row = sp.log(1 + (N - 1) * sp.exp(-1 / (N - 1) - 1))
    return equivalent(sp.expand_log(row, force=True), sp.expand_log(simplex_bound(), force=True)) or \
        sp.simplify(row - simplex_bound()) == 0


def exact_simplex_gram(n: int) -> sp.Matrix:
    """Exact Gram matrix of the regular simplex ``e_i - (1/n) 1``, normalized (rational entries)."""
    vecs = [sp.Matrix([sp.Rational(int(a == b)) - sp.Rational(1, n) for b in range(n)]) for a in range(n)]
    vecs = [w / sp.sqrt((w.T * w)[0]) for w in vecs]
    return sp.Matrix(n, n, lambda a, b: sp.nsimplify(sp.simplify((vecs[a].T * vecs[b])[0])))


def exact_loss_from_gram(gram: sp.Matrix) -> sp.Expr:
    """Eq. (1) of one draw with ``f(x_i) = f(y_i)``, exactly, from the Gram matrix ``a_ij``."""
    n = gram.shape[0]
    rows = [sp.log(sum(sp.exp(gram[a, b] - gram[a, a]) for b in range(n))) for a in range(n)]
    return sp.simplify(sum(rows) / n)


def bounds_ordered() -> bool:
    """``N/(N-1) <= 2`` for N >= 2, so the simplex bound is the sharper one."""
    return bool(sp.simplify(2 - (M + 1) / M - (M - 1) / M) == 0 and ((M - 1) / M).is_nonnegative)


# ----------------------------------------------------------------------------- scaling limit

def scaled_row_derivation() -> Derivation:
    """Scaling features by r multiplies every logit gap by r^2: ``(r u).(r v) = r^2 u.v``."""
    return Derivation(
        "logits of scaled features",
        S((r * uu_[kk]) * (r * vv_[kk])),
        [Step(r ** 2 * DOT_UV, "bilinearity")],
        lhs=_lhs(r"(r u)^\top (r v)"),
    )


def scaling_limits() -> dict[str, sp.Expr]:
    """Limits as ``r -> oo``: the bound for a perfect-accuracy configuration with smallest gap
    ``delta > 0`` (each row loss <= log(1 + (N-1) e^{-r^2 delta})), the scaled simplex, and the
    asymptotic ratio ``L(r) / ((N-1) e^{-r^2 N/(N-1)}) -> 1`` (the decay rate)."""
    upper = sp.log(1 + M * sp.exp(-r ** 2 * delta))
    simplex = sp.log(1 + M * sp.exp(-r ** 2 * (M + 1) / M))
    x = sp.Symbol("x", positive=True)  # x = e^{-r^2 N/(N-1)} -> 0+
    return {
        "perfect_config_upper_bound": sp.limit(upper, r, sp.oo),
        "scaled_simplex": sp.limit(simplex, r, sp.oo),
        "rate_ratio": sp.limit(sp.log(1 + M * x) / (M * x), x, 0, "+"),
        "unit_scale_simplex_positive": sp.simplify(simplex.subs(r, 1)).is_positive,
    }


# ----------------------------------------------------------------------------- Q6 identity

C = sp.Symbol("C", integer=True, positive=True)  # classes
D = sp.Symbol("d_feature", integer=True, positive=True)
W = sp.IndexedBase("W", real=True)  # last layer, row c = W_c in R^{d_feature + 1} (bias last)
F = sp.IndexedBase("F", real=True)  # f_1(x) = [g_feature(x) :: 1]
g_feat = sp.IndexedBase("g", real=True)  # g_feature(x) in R^{d_feature}


def _dual_logit(cc):
    return sp.Sum(W[cc, k] * F[k], (k, 1, D + 1))


def _ce_logit(cc):
    return sp.Sum(W[cc, k] * g_feat[k], (k, 1, D)) + W[cc, D + 1]


def _peel_and_substitute(a, b) -> bool:
    """Split the last coordinate off every ``sum_{k=1}^{d+1}`` and use ``F_k = g_k`` (k <= d),
    ``F_{d+1} = 1``; then compare with sympy."""
    def peel(e):
        return e.replace(
            lambda z: isinstance(z, sp.Sum) and z.limits[0][2] == D + 1,
            lambda z: sp.Sum(z.function, (z.limits[0][0], 1, D)) + z.function.subs(z.limits[0][0], D + 1))
    a2 = peel(a).subs(F[D + 1], 1).replace(lambda z: isinstance(z, sp.Indexed) and z.base == F,
                                           lambda z: g_feat[z.indices[0]])
    diff = sp.expand_log(a2, force=True) - sp.expand_log(b, force=True)
    return sp.simplify(diff) == 0


def dual_ce_derivation() -> Derivation:
    """Per-sample: the Eq. (8) term (N = C, x^(2) = label) equals the Eq. (9) term."""
    dual = -sp.log(sp.exp(_dual_logit(y)) / sp.Sum(sp.exp(_dual_logit(c)), (c, 1, C)))
    ce = -sp.log(sp.exp(_ce_logit(y)) / sp.Sum(sp.exp(_ce_logit(c)), (c, 1, C)))
    return Derivation(
        "dual-encoder term = cross-entropy term",
        dual,
        [
            Step(ce, "$f_1(x) = [g_{feature}(x) :: 1]$, $f_2(c) = W_c$: $f_1(x)^\\top f_2(c) = g(x)[c]$",
                 verify=_peel_and_substitute),
            Step(sp.log(sp.Sum(sp.exp(_ce_logit(c)), (c, 1, C))) - _ce_logit(y), "log of a quotient",
                 verify=lambda a, b: sp.simplify(sp.expand_log(a, force=True) - b) == 0),
        ],
        lhs=_lhs(r"-\log\frac{e^{f_1(x)^\top f_2(y)}}{\sum_{c} e^{f_1(x)^\top f_2(c)}}"),
    )


def dual_ce_concrete(c_max: int = 3, d_max: int = 2) -> bool:
    """The same identity with every sum written out, for C <= c_max, d_feature <= d_max."""
    for cn, dn in itertools.product(range(2, c_max + 1), range(1, d_max + 1)):
        feat = [sp.Symbol(f"g{a}", real=True) for a in range(dn)]
        Wm = [[sp.Symbol(f"W{a}_{b}", real=True) for b in range(dn + 1)] for a in range(cn)]
        f1 = feat + [sp.Integer(1)]
        for label in range(cn):
            dual = [sum(Wm[cc][b] * f1[b] for b in range(dn + 1)) for cc in range(cn)]
            g = [sum(Wm[cc][b] * feat[b] for b in range(dn)) + Wm[cc][dn] for cc in range(cn)]
            lhs = -sp.log(sp.exp(dual[label]) / sum(sp.exp(z) for z in dual))
            rhs = -sp.log(sp.exp(g[label]) / sum(sp.exp(z) for z in g))
            if sp.simplify(lhs - rhs) != 0:
                return False
    return True


def class_balance_derivation() -> Derivation:
    """With m samples per class (K = C m): (1/C) sum_i E_{p_i}[l] = (1/K) sum_k l_k."""
    mm = sp.Symbol("m", integer=True, positive=True)
    ell = sp.IndexedBase("ell", real=True)  # ell[i, q]: loss of the q-th sample of class i
    q = sp.Symbol("q", integer=True, positive=True)
    return Derivation(
        "class balance",
        sp.Sum(sp.Sum(ell[i, q], (q, 1, mm)) / mm, (i, 1, C)) / C,
        [Step(sp.Sum(sp.Sum(ell[i, q], (q, 1, mm)), (i, 1, C)) / (C * mm), "$n_i = m$ for every class"),
         Step(sp.Sum(sp.Sum(ell[i, q], (q, 1, mm)), (i, 1, C)) / sp.Symbol("K", positive=True),
              "$K = Cm$", given={C * mm: sp.Symbol("K", positive=True)})],
        lhs=_lhs(r"\frac1C\sum_i \mathbb{E}_{p_i}[\ell]"),
    )


def logit_identity_derivation() -> Derivation:
    """``f_1(x)^T f_2(c) = g(x)[c]``: the dual-encoder logits are the classifier's logits."""
    return Derivation(
        "dual-encoder logit = classifier logit",
        _dual_logit(c),
        [Step(_ce_logit(c), "$f_1(x) = [g_{feature}(x) :: 1]$, $f_2(c) = W_c$ (bias last)",
              verify=_peel_and_substitute)],
        lhs=_lhs(r"f_1(x)^\top f_2(c)"),
    )
