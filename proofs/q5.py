"""Question 5: normalization in contrastive learning (5.1, 5.2a; 5.2b is in :mod:`proofs.q5_2b`)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import torch

from figures import losses as figs
from theory import losses as T

from .checks import derivations_hold, hypothesis_holds
from .formal import Theorem
from .order import POINTS, YES_NO
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------- the studies (cached)

def _exact_config(ctx):
    from numerics.normalization import exact_cluster_study

    return ctx.cached("q5_exact_config", exact_cluster_study)


def _sphere_opt(ctx):
    def compute():
        from numerics.normalization import sphere_minima

        torch.set_num_threads(1)
        return sphere_minima(range(2, 7), steps=ctx.setting("q5_sphere_steps"), seed=ctx.seed)

    return ctx.cached("q5_sphere_opt", compute)


def _scale_curve(ctx):
    def compute():
        from numerics.normalization import scale_curve

        ex = _exact_config(ctx)
        return scale_curve(ex["groups"], ex["min_gap_float"], np.geomspace(0.1, 12.0, 60))

    return ctx.cached("q5_loss_vs_scale", compute)


def _gd(ctx):
    def compute():
        from numerics.normalization import free_table_descent

        torch.set_num_threads(1)
        return free_table_descent(steps=ctx.setting("q5_free_steps"), seed=ctx.seed)

    return ctx.cached("q5_gd_free_table", compute)


def _lower_bound_data(ctx):
    opt = _sphere_opt(ctx)
    ex = _exact_config(ctx)
    return {**opt, "n_max": 10, "config_n": [3], "config_loss": [ex["loss"]]}


# --------------------------------------------------------------------------- q5.1

SHORT_51 = {"zero loss": "No", "bound": "log(1 + (N-1)*exp(-N/(N-1)))"}


def read_bound(text: str):
    """A stated lower bound on Eq. (1), as a sympy expression in N."""
    import sympy as sp

    try:
        e = sp.sympify(text, locals={"N": T.N, "e": sp.E, "exp": sp.exp, "log": sp.log})
    except (sp.SympifyError, SyntaxError, TypeError) as exc:
        raise ValueError(f"cannot read the bound {text!r}: {exc}") from None
    if not e.free_symbols <= {T.N}:
        raise ValueError(f"the bound {text!r} may depend on N only")
    return e


def boxed_51(short: dict) -> str:
    import sympy as sp

    return (r"\text{" + short["zero loss"] + r": } \mathcal{L}_{contr}(f) \ge "
            + sp.latex(read_bound(short["bound"])) + r" > 0")


@check("exact", "the stated bound is a lower bound that the simplex attains or stays below, and positive "
                "for every N: so the stated 'No'")
def _q51_stated(ctx, claim):
    import sympy as sp

    bound = read_bound(claim.short["bound"])
    ns = range(2, 41)
    # valid: never above the loss of the regular simplex, which attains the smallest loss (the
    # simplex-bound derivation and the optimization check); positive: so zero loss is impossible
    valid = all(sp.N(bound.subs(T.N, n) - T.simplex_bound(n), 30) <= 1e-25 for n in ns)
    positive = all(sp.N(bound.subs(T.N, n), 30) > 0 for n in ns)
    tail = sp.limit(bound, T.N, sp.oo)
    positive &= bool(tail.is_positive) or tail == sp.oo
    # only a valid, positive lower bound decides (it proves "No"); nothing here could prove "Yes"
    decided = "No" if valid and positive else "undecided"
    same_box = claim.answer == boxed_51(claim.short)
    ok = decided == claim.short["zero loss"] and same_box
    return ok, (f"stated bound {sp.sstr(bound)}: at most the simplex loss log(1+(N-1)e^(-N/(N-1))) for N = 2..40: "
                f"{valid}; positive for N = 2..40 and as N -> oo (limit {tail}): {positive}; decided "
                f"{decided!r}, stated {claim.short['zero loss']!r}; boxed answer rendered from it: {same_box}")


@check("symbolic", "sympy: logit range, the e^-2 bound, and the simplex bound (Jensen + sum of squares)")
def _q51_symbolic(ctx):
    ok, detail = derivations_hold(*T.logit_range_derivations(), T.weak_bound_derivation(),
                                  T.gram_mean_derivation(), T.sos_derivation(), T.simplex_bound_derivation())
    facts = T.convexity_facts()
    attains = T.simplex_attains_bound()
    ordered = T.bounds_ordered()
    import sympy as sp

    gram_ok = all(sp.simplify(T.exact_loss_from_gram(T.exact_simplex_gram(n)) - T.simplex_bound(n)) == 0
                  for n in (2, 3, 4, 5))
    vals = ", ".join(f"N={n}: {float(T.simplex_bound(n)):.4f} > {float(T.weak_bound(n)):.4f}" for n in (2, 3, 4))
    passed = ok and all(facts.values()) and attains and ordered and gram_ok
    return passed, (f"{detail}; convexity {facts}; simplex attains the bound: {attains}; "
                    f"exact simplex Gram loss = bound for N=2..5: {gram_ok}; N/(N-1) <= 2: {ordered}; {vals}")


@check("counterexample", "exact: perfect accuracy on S^1 (N=3, 4 points each) with positive loss")
def _q51_counterexample(ctx):
    ex = _exact_config(ctx)
    n = 3
    bound = math.log1p((n - 1) * math.exp(-n / (n - 1)))
    perfect = ex["correct"] == ex["questions"]
    # every row loss is log(1 + sum_{j != i} e^{gap}) with exact rational gaps: > log 1 = 0
    gaps = [Fraction(g) for g in ex["smallest_row_gaps"]]
    import sympy as sp

    worst = sp.log(1 + sum(sp.exp(sp.Rational(g.numerator, g.denominator)) for g in gaps))
    worst_positive = bool(worst.is_positive)
    passed = perfect and worst_positive and ex["loss"] >= bound - 1e-12 and ex["loss"] > 0
    return passed, (f"{ex['correct']}/{ex['questions']} questions correct (exact rationals, min margin "
                    f"a_ii - a_ij = {ex['min_gap']} = {ex['min_gap_float']:.4f}); smallest row loss "
                    f"{sp.sstr(worst)} = {float(worst):.6f} > 0 exactly; loss (50 digits) = "
                    f"{ex['loss_50_digits'][:22]} >= simplex bound {bound:.6f}")


@check("property", "hypothesis: random unit features never go below the simplex bound")
def _q51_property(ctx):
    import torch
    from hypothesis import strategies as st

    from numerics.losses import contrastive_loss

    worst = {"gap": math.inf}

    def prop(n, d, seed, tight):
        g = torch.Generator().manual_seed(seed)
        fx = torch.randn(n, d, generator=g, dtype=torch.float64)
        fy = fx + tight * torch.randn(n, d, generator=g, dtype=torch.float64)  # tight: near-aligned pairs
        fx, fy = fx / fx.norm(dim=1, keepdim=True), fy / fy.norm(dim=1, keepdim=True)
        loss = float(contrastive_loss(fx, fy))
        b = math.log1p((n - 1) * math.exp(-n / (n - 1)))
        worst["gap"] = min(worst["gap"], loss - b)
        assert loss >= b - 1e-12, (loss, b)
        assert loss >= math.log1p((n - 1) * math.exp(-2.0)) - 1e-12

    ok, detail = hypothesis_holds(prop, [st.integers(2, 12), st.integers(1, 12), st.integers(0, 2**31 - 1),
                                         st.floats(0.0, 2.0)], max_examples=ctx.setting("q5_examples"),
                                  name="L >= log(1+(N-1)e^{-N/(N-1)})", seed=ctx.seed)
    return ok, f"{detail}; smallest observed L - bound = {worst['gap']:.3e}"


@check("optimization", "gradient descent on the sphere reaches the simplex bound, never below")
def _q51_optimization(ctx):
    opt = _sphere_opt(ctx)
    rows = [f"N={n}: min {lo:.8f} vs bound {b:.8f}" for n, lo, b in zip(opt["opt_n"], opt["opt_loss"], opt["bound"])]
    ok = all(b - 1e-9 <= lo <= b + 1e-4 for lo, b in zip(opt["opt_loss"], opt["bound"]))
    return ok, "; ".join(rows) + " (d = N, so N <= d + 1: the simplex fits)"


# --------------------------------------------------------------------------- q5.2a

@check("symbolic", "sympy: limits of scaled losses as r -> oo, and the norm bound", rejects=("No",))
def _q52a_symbolic(ctx):
    lim = T.scaling_limits()
    ok, detail = derivations_hold(T.scaled_row_derivation(), T.sos_derivation())
    passed = (ok and lim["perfect_config_upper_bound"] == 0 and lim["scaled_simplex"] == 0
              and lim["rate_ratio"] == 1 and lim["unit_scale_simplex_positive"])
    return passed, (f"{detail}; lim_r log(1+(N-1)e^(-delta r^2)) = {lim['perfect_config_upper_bound']}, "
                    f"lim_r log(1+(N-1)e^(-r^2 N/(N-1))) = {lim['scaled_simplex']}, "
                    f"L(r)/((N-1)e^(-r^2 N/(N-1))) -> {lim['rate_ratio']}; at r = 1 the loss is positive: "
                    f"{lim['unit_scale_simplex_positive']}")


@check("experiment", "loss of scaled perfect-accuracy configurations against the scale", rejects=("No",))
def _q52a_experiment(ctx):
    cur = _scale_curve(ctx)
    s = np.array(cur["simplex"])
    cf = np.array(cur["simplex_closed_form"])
    cl = np.array(cur["clusters"])
    ub = np.array(cur["clusters_upper"])
    r = np.array(cur["scale"])
    rel = float(np.max(np.abs(s - cf) / cf))
    big = r >= 1.0
    mono = bool(np.all(np.diff(cl[big]) < 0) and np.all(np.diff(s) < 0))
    under = bool(np.all(cl <= ub * (1 + 1e-9)))
    ok = rel < 1e-9 and mono and under and cl[-1] < 1e-40 and s[-1] < 1e-40
    return ok, (f"scaled simplex matches log(1+2e^(-3r^2/2)) to rel {rel:.1e}; clusters: L(1) = "
                f"{np.interp(1.0, r, cl):.4f}, L(r={r[-1]:.0f}) = {cl[-1]:.3e} (simplex {s[-1]:.3e}); "
                f"decreasing for r >= 1: {mono}; below log(1+2e^(-delta r^2)), delta = {cur['delta']:.4f}: {under}")


@check("optimization", "gradient descent on an unnormalized table: norms grow, loss -> 0, fitted rate")
def _q52a_optimization(ctx):
    tr = _gd(ctx)
    loss = np.array(tr["loss"])
    rho2 = np.array(tr["mean_sq_norm"])
    n = tr["config"]["n_groups"]
    bound = np.log1p((n - 1) * np.exp(-rho2 * n / (n - 1)))
    fit = tr["fit"]
    grows = bool(np.all(np.diff(rho2[1:]) > 0))
    falls = bool(np.all(np.diff(loss) < 0))
    above = bool(np.all(loss >= bound * (1 - 1e-9)))
    table = np.array(tr["table"])  # (N, m, d)
    centers = table.mean(axis=1)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    cos = centers @ centers.T
    between = sorted(round(float(cos[a, b]), 2) for a in range(n) for b in range(a + 1, n))
    # mechanism: L ~ e^{-M} with M the smallest margin a_ii - a_ij over all questions, so over the
    # fit window log L against M has slope -1, and the fitted rate a is the margin's growth dM/drho^2
    half = len(tr["step"]) // 2
    marg = np.array(tr["min_margin"][half:])
    slope_m = float(np.polyfit(marg, np.log(loss[half:]), 1)[0])
    growth = float((marg[-1] - marg[0]) / (rho2[-1] - rho2[half]))
    ok = (grows and falls and above and loss[-1] < 1e-3 * loss[0] and fit["a"] > 0 and fit["r2"] > 0.99
          and abs(slope_m + 1) <= 0.1 and abs(fit["a"] - growth) <= 0.1 * growth and tr["accuracy"][-1] == 1.0)
    return ok, (f"{tr['config']['steps']} GD steps (lr {tr['config']['lr']}), N={n}, 2 points each, d=3: "
                f"loss {loss[0]:.3f} -> {loss[-1]:.3e}, mean squared norm {rho2[0]:.3f} -> {rho2[-1]:.3f} "
                f"(increasing: {grows}); loss >= log(1+(N-1)e^(-rho^2 N/(N-1))) at every step: {above}; "
                f"fit on rho^2 in [{tr['fit_range'][0]:.2f}, {tr['fit_range'][1]:.2f}]: "
                f"L ~ {fit['C']:.3f} exp(-{fit['a']:.4f} rho^2), R^2 = {fit['r2']:.6f} "
                f"(asymptotic ceiling N/(N-1) = {n / (n - 1):.4f}, the collapsed simplex); slope of log L against "
                f"the smallest margin M = {slope_m:.4f} (theory -1), dM/drho^2 = {growth:.4f}; group directions' pairwise "
                f"cosines {between} (simplex: all -1/3; two orthogonal antipodal pairs: -1, -1, 0, 0, 0, 0)")


# --------------------------------------------------------------------------- registration

_PROOF_51 = r"""
**No.**  Perfect accuracy only asks that the positive logit be the largest in every row; the loss asks for more (that it be *infinitely* larger), and on the sphere the logits are bounded.

Write $u_i = f(x_i)$, $v_j = f(y_j)$ and $a_{ij} = u_i^\top v_j$ for one draw.  On $\mathbb{S}^{d-1}$, $1 - a_{ij} = \tfrac12\|u_i - v_j\|^2 \ge 0$ and $1 + a_{ij} = \tfrac12\|u_i+v_j\|^2 \ge 0$, so every logit lies in $[-1, 1]$ and every gap $a_{ij} - a_{ii} \ge -2$.  One row of Eq. (1), with positive logit $p = a_{ii}$ and negative logits $s_1, \dots, s_{N-1}$ (the $a_{ij}$, $j \ne i$), is then

$$""" + T.weak_bound_derivation().latex() + r"""$$

so $\mathcal{L}_{contr}(f) \ge \log(1 + (N-1)e^{-2}) > 0$ for *every* encoder, however accurate.

**A sharper bound, reached by the regular simplex.**  Let $m_i = \frac{1}{N-1}\sum_{j\ne i}(a_{ij} - a_{ii})$, $E_i = \sum_{j \ne i} e^{a_{ij}-a_{ii}}$ and $h(x) = \log(1 + (N-1)e^{x})$, which is increasing and convex.  Jensen's inequality, once for $\exp$ inside each row and once for $h$ across rows, gives

$$""" + T.simplex_bound_derivation().latex() + r"""$$

where the last step uses $U^\top V - N\sum_i u_i^\top v_i \ge -N^2$ ($U = \sum_i u_i$, $V = \sum_j v_j$), which is the sum-of-squares identity

$$""" + T.sos_derivation().latex() + r"""$$

(bilinearity uses $\sum_i (u_i - v_i)^\top V = U^\top V - \|V\|^2$; the last step uses unit rows, $\sum_i\|u_i\|^2 = \sum_i\|v_i\|^2 = N$; the left side is a sum of squared norms, so it is $\ge 0$).  Hence $\mathcal{L}_{contr}(f) \ge \log(1+(N-1)e^{-N/(N-1)})$ for every draw, and so for the expectation.  Equality needs $u_i = v_i$, $\sum_i u_i = 0$ and equal $a_{ij}$ for $j \ne i$: the regular simplex ($a_{ij} = -\frac{1}{N-1}$), which exists when $N \le d + 1$.  Since $N/(N-1) \le 2$, this bound is never weaker than the first.

**A perfect-accuracy encoder with positive loss.**  Take $N = 3$ groups of four points on $\mathbb{S}^1$ clustered near $0^\circ$, $120^\circ$, $240^\circ$, placed at rational points $\big(\frac{1-t^2}{1+t^2}, \frac{2t}{1+t^2}\big)$ so that every logit is an exact rational.  All $768$ questions of Eq. (1) are answered correctly (checked exactly), yet the loss is $\approx 0.3704 > 0$, above the simplex bound $\log(1 + 2e^{-3/2}) \approx 0.369$.
"""

register(Claim(
    id="q5.1",
    title="Perfect accuracy does not give zero loss",
    points=POINTS["q5.1"],
    statement="Does an encoder $f$ to $\\mathbb{S}^{d-1}$ with perfect accuracy (Question 4) achieve zero contrastive loss, Eq. (1)?",
    answer=boxed_51(SHORT_51),
    short=dict(SHORT_51),
    alternatives=({**SHORT_51, "zero loss": "Yes"}, {**SHORT_51, "bound": "log(N)"},
                  {**SHORT_51, "bound": "0"}, {**SHORT_51, "bound": "log(1 + (N-1)*exp(-1))"},
                  {"zero loss": "Yes", "bound": "0"}),
    proof=_PROOF_51,
    checks=(_q51_stated, _q51_symbolic, _q51_counterexample, _q51_property, _q51_optimization),
    formal=(Theorem("Q5", "contrastive_term_positive",
                    "forall (l : list R) (i : nat), (2 <= length l)%nat -> (i < length l)%nat ->\n"
                    "    0 < - ln (exp (nth i l 0) / sum_exp l)",
                uses=("sum_exp",)),),
    figures=(FigureSpec("q5_lower_bounds",
                        "Lower bounds on Eq. (1) for unit features against N, with the minimum reached by "
                        "gradient descent on the sphere (it meets the simplex bound) and a perfect-accuracy "
                        "configuration (N = 3, exact).",
                        _lower_bound_data, figs.lower_bounds),),
))

_PROOF_52A = r"""
**Yes.**  Take any encoder $f$ with perfect accuracy (for instance the clusters of Question 5.1) and scale it: $f_r = r f$.  Every logit scales by $r^2$,

$$""" + T.scaled_row_derivation().latex() + r"""$$

so each row loss becomes $\log\big(1 + \sum_{j\ne i} e^{-r^2(a_{ii} - a_{ij})}\big) \le \log\big(1 + (N-1)e^{-r^2\delta}\big)$, where $\delta = \min(a_{ii} - a_{ij}) > 0$ is the smallest margin over all draws (there are finitely many under Assumption (2)).  Then $\lim_{r\to\infty} \log(1 + (N-1)e^{-r^2\delta}) = 0$ (sympy), so the loss is arbitrarily small.  For the scaled regular simplex the loss is exactly $\log(1 + (N-1)e^{-r^2 N/(N-1)}) \sim (N-1)e^{-r^2 N/(N-1)}$.

Conversely, *only* unbounded norms reach zero: the sum-of-squares identity of Question 5.1, before using unit rows, gives $U^\top V - N\sum_i u_i^\top v_i \ge -\frac N2\sum_i(\|u_i\|^2 + \|v_i\|^2)$, hence $\mathcal{L}_{contr} \ge \log\big(1 + (N-1)e^{-\rho^2 N/(N-1)}\big)$ with $\rho^2$ the mean squared feature norm.  So a loss of $\varepsilon$ needs $\rho^2 \gtrsim \frac{N-1}{N}\log\frac{N-1}{\varepsilon}$.

Gradient descent on an unnormalized encoder table shows exactly this: its norms grow without bound while the loss falls toward 0, and $\log \mathcal{L}$ falls linearly in $\rho^2$ (fitted rate in the evidence below), never faster than the ceiling $N/(N-1)$ that the bound allows.  The rate is set by the smallest margin of the configuration the table's direction settles into: with $N = 4$ groups in $d = 3$, plain gradient descent from a small random start settles, depending on the start, near the regular simplex (margins $\frac43\rho^2$, rate $\approx 4/3$) or near two orthogonal antipodal pairs (margins $\rho^2$ and $2\rho^2$, so $\mathcal{L} \approx 2e^{-\rho^2}$, rate $\approx 1$); the evidence checks the mechanism: $\log\mathcal{L}$ falls with slope $-1$ in the smallest margin $M$, and the fitted rate equals $dM/d\rho^2$.  (A fit over a finite window can slightly exceed $4/3$ while the prefactor still moves; the bound holds at every step.)  This is the hint's temperature scaling: $r^2$ plays the role of $1/T$.
"""

register(Claim(
    id="q5.2a",
    title="Unbounded encoders reach arbitrarily small loss",
    points=POINTS["q5.2a"],
    statement="If encoders may output any vector in $\\mathbb{R}^d$, is there an encoder with arbitrarily small contrastive loss?",
    answer=(r"\text{Yes: scale a perfect-accuracy encoder, } \mathcal{L}_{contr}(rf) \le "
            r"\log\!\big(1+(N-1)e^{-r^2\delta}\big) \xrightarrow{r\to\infty} 0"),
    short="Yes",
    options=YES_NO,
    proof=_PROOF_52A,
    checks=(_q52a_symbolic, _q52a_experiment, _q52a_optimization),
    figures=(
        FigureSpec("q5_loss_vs_scale",
                   "Eq. (1) of scaled perfect-accuracy configurations against the feature norm r (log scale): "
                   "the loss goes to 0 like exp(-r^2 delta).",
                   _scale_curve, figs.loss_vs_scale),
        FigureSpec("q5_norm_growth",
                   "Gradient descent on an unnormalized encoder table (N = 4 groups of 2 points, d = 3): "
                   "loss against mean squared norm with the fitted exponential rate and the lower bound (left); "
                   "the norms keep growing (right).",
                   _gd, figs.norm_growth),
    ),
))

