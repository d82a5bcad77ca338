"""Question 5: normalization in contrastive learning (5.1, 5.2a, 5.2b)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from figures import losses as figs
from theory import losses as T

from .checks import derivations_hold, hypothesis_holds
from .order import POINTS
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------- shared data

#: tan(theta/2) of the points of each group: four points near 0, 120 and 240 degrees.
#: Rational t gives the exactly rational unit vector ((1 - t^2), 2t) / (1 + t^2).
CIRCLE_T = (
    (Fraction(-1, 20), Fraction(-1, 60), Fraction(1, 60), Fraction(1, 20)),
    (Fraction(5, 3), Fraction(17, 10), Fraction(26, 15), Fraction(7, 4)),
    (Fraction(-5, 3), Fraction(-17, 10), Fraction(-26, 15), Fraction(-7, 4)),
)


def circle_point(t: Fraction) -> tuple[Fraction, Fraction]:
    """The exactly rational unit vector at angle 2 arctan(t)."""
    den = 1 + t * t
    return ((1 - t * t) / den, 2 * t / den)


def circle_groups() -> list[list[tuple[Fraction, Fraction]]]:
    return [[circle_point(t) for t in ts] for ts in CIRCLE_T]


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1]


def exact_questions(groups):
    """Every classification question of Eq. (1): (i, x_i, y-combo) -> exact logit row."""
    n, m = len(groups), len(groups[0])
    for i in range(n):
        for x in groups[i]:
            for combo in itertools.product(range(m), repeat=n):
                yield i, [_dot(x, groups[j][combo[j]]) for j in range(n)]


def _groups_array(groups) -> np.ndarray:
    return np.array([[[float(c) for c in pt] for pt in g] for g in groups], dtype=np.float64)


def _exact_config(ctx):
    def compute():
        import mpmath

        groups = circle_groups()
        for g in groups:  # unit rows, exactly
            assert all(_dot(pt, pt) == 1 for pt in g)
        correct = total = 0
        min_gap = None
        mpmath.mp.dps = 50
        acc = mpmath.mpf(0)
        worst = None
        for i, row in exact_questions(groups):
            gaps = [row[j] - row[i] for j in range(len(row)) if j != i]
            total += 1
            correct += all(g < 0 for g in gaps)
            mg = -max(gaps)
            min_gap = mg if min_gap is None else min(min_gap, mg)
            term = mpmath.log(1 + sum(mpmath.exp(mpmath.mpf(g.numerator) / g.denominator) for g in gaps))
            acc += term
            if worst is None or term < worst[0]:
                worst = (term, gaps)
        loss = acc / total
        return {"questions": total, "correct": correct, "min_gap": str(min_gap), "min_gap_float": float(min_gap),
                "loss_50_digits": mpmath.nstr(loss, 40), "loss": float(loss),
                "smallest_row_gaps": [str(g) for g in worst[1]],
                "groups": _groups_array(groups).tolist()}

    return ctx.cached("q5_exact_config", compute)


def _sphere_opt(ctx):
    def compute():
        import torch

        from numerics.scaling import SPHERE, optimize_table

        torch.set_num_threads(1)
        ns = list(range(2, 7))
        out = {"opt_n": ns, "opt_loss": [], "bound": []}
        for n in ns:
            tr = optimize_table(n, 1, n, steps=400 if ctx.fast else 2000, lr=1.0, seed=ctx.seed + n,
                                mode=SPHERE, n_records=10)
            out["opt_loss"].append(min(tr["loss"]))
            out["bound"].append(math.log1p((n - 1) * math.exp(-n / (n - 1))))
        return out

    return ctx.cached("q5_sphere_opt", compute)


def _scale_curve(ctx):
    def compute():
        import torch

        from numerics.scaling import expected_loss, scaled_losses, simplex

        scales = np.geomspace(0.1, 12.0, 60)
        ex = _exact_config(ctx)
        groups = torch.tensor(ex["groups"], dtype=torch.float64)
        delta = ex["min_gap_float"]
        return {
            "scale": scales,
            "simplex": scaled_losses(simplex(3), scales)["stable"],
            "simplex_closed_form": [math.log1p(2 * math.exp(-1.5 * r * r)) for r in scales],
            "clusters": [float(expected_loss(r * groups)) for r in scales],
            "clusters_upper": [math.log1p(2 * math.exp(-delta * r * r)) for r in scales],
            "delta": delta,
        }

    return ctx.cached("q5_loss_vs_scale", compute)


def _gd(ctx):
    def compute():
        import torch

        from numerics.scaling import FREE, fit_exponential_rate, optimize_table

        torch.set_num_threads(1)
        tr = optimize_table(4, 2, 3, steps=3000 if ctx.fast else 20000, lr=2.0, seed=ctx.seed, mode=FREE,
                            n_records=60)
        half = len(tr["step"]) // 2
        tr["fit"] = fit_exponential_rate(tr["mean_sq_norm"][half:], tr["loss"][half:])
        tr["fit_range"] = [tr["mean_sq_norm"][half], tr["mean_sq_norm"][-1]]
        return tr

    return ctx.cached("q5_gd_free_table", compute)


def _lower_bound_data(ctx):
    opt = _sphere_opt(ctx)
    ex = _exact_config(ctx)
    return {**opt, "n_max": 10, "config_n": [3], "config_loss": [ex["loss"]]}


# --------------------------------------------------------------------------- q5.1

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
                                         st.floats(0.0, 2.0)], max_examples=150 if ctx.fast else 1000,
                                  name="L >= log(1+(N-1)e^{-N/(N-1)})", seed=ctx.seed)
    return ok, f"{detail}; smallest observed L - bound = {worst['gap']:.3e}"


@check("optimization", "gradient descent on the sphere reaches the simplex bound, never below")
def _q51_optimization(ctx):
    opt = _sphere_opt(ctx)
    rows = [f"N={n}: min {lo:.8f} vs bound {b:.8f}" for n, lo, b in zip(opt["opt_n"], opt["opt_loss"], opt["bound"])]
    ok = all(b - 1e-9 <= lo <= b + 1e-4 for lo, b in zip(opt["opt_loss"], opt["bound"]))
    return ok, "; ".join(rows) + " (d = N, so N <= d + 1: the simplex fits)"


# --------------------------------------------------------------------------- q5.2a

@check("symbolic", "sympy: limits of scaled losses as r -> oo, and the norm bound")
def _q52a_symbolic(ctx):
    lim = T.scaling_limits()
    ok, detail = derivations_hold(T.scaled_row_derivation(), T.sos_derivation())
    passed = (ok and lim["perfect_config_upper_bound"] == 0 and lim["scaled_simplex"] == 0
              and lim["rate_ratio"] == 1 and lim["unit_scale_simplex_positive"])
    return passed, (f"{detail}; lim_r log(1+(N-1)e^(-delta r^2)) = {lim['perfect_config_upper_bound']}, "
                    f"lim_r log(1+(N-1)e^(-r^2 N/(N-1))) = {lim['scaled_simplex']}, "
                    f"L(r)/((N-1)e^(-r^2 N/(N-1))) -> {lim['rate_ratio']}; at r = 1 the loss is positive: "
                    f"{lim['unit_scale_simplex_positive']}")


@check("experiment", "loss of scaled perfect-accuracy configurations against the scale")
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


# --------------------------------------------------------------------------- q5.2b

def _overflow(ctx):
    def compute():
        import torch

        from numerics.scaling import gradient_underflow_logit, gradient_vs_scale, naive_vs_stable, overflow_logit

        torch.set_num_threads(1)
        of = {str(dt).replace("torch.", ""): overflow_logit(dt) for dt in (torch.float32, torch.float64)}
        uf = {str(dt).replace("torch.", ""): gradient_underflow_logit(dt) for dt in (torch.float32, torch.float64)}
        logits = np.unique(np.concatenate([np.geomspace(0.1, 1e4, 60), [88.7, 88.75, 709.7, 709.9]]))
        rng = np.random.default_rng(ctx.seed)
        fx, fy = rng.standard_normal((2, 6, 4))
        fx /= np.linalg.norm(fx, axis=1, keepdims=True)
        fy /= np.linalg.norm(fy, axis=1, keepdims=True)
        nvs = naive_vs_stable(logits, fx, fy)  # a generic configuration: some rows misclassified
        gram = fx @ fy.T
        nvs["max_unit_logit"] = float(gram.max())
        nvs["max_unit_gap"] = float((gram - np.diag(gram)[:, None]).max())
        simplex_nvs = naive_vs_stable(logits)
        nvs["simplex_stable_float32"] = simplex_nvs["stable_float32"]
        nvs["simplex_closed_form"] = simplex_nvs["closed_form"]
        nvs["overflow_float32"] = of["float32"]["measured"]
        nvs["overflow_float64"] = of["float64"]["measured"]
        gl = np.linspace(0.5, 600, 80)
        gv = gradient_vs_scale(gl)
        g64 = np.array(gv["grad_float64"])
        sel = (gl >= 5) & (g64 > 0)
        slope, icpt = np.polyfit(gl[sel], np.log(g64[sel]), 1)
        gv["fit"] = {"rate": float(-slope), "intercept": float(icpt)}
        return {"overflow": of, "underflow": uf, "naive_vs_stable": nvs, "gradients": gv}

    return ctx.cached("q5_numerical_stability", compute)


@check("experiment", "the dtype's overflow point of the naive loss: log(finfo.max)")
def _q52b_overflow(ctx):
    of = _overflow(ctx)["overflow"]
    rows, ok = [], True
    for name, o in of.items():
        rel = abs(o["measured"] - o["predicted"]) / o["predicted"]
        ok &= rel < 1e-4
        rows.append(f"{name}: naive loss non-finite above logit {o['measured']:.5f} "
                    f"(log(finfo.max) = {o['predicted']:.5f}, rel diff {rel:.1e})")
    return ok, "; ".join(rows)


@check("experiment", "the stable loss and its gradient survive past the overflow point (float32, logits to 1e4)")
def _q52b_stable(ctx):
    import torch

    from numerics.losses import contrastive_loss, contrastive_loss_naive
    from numerics.scaling import simplex

    u32 = torch.as_tensor(simplex(3)).float()
    rows, ok = [], True
    for s in (50.0, 88.8, 100.0, 1e3, 1e4):
        fx = (math.sqrt(s) * u32).requires_grad_(True)
        loss = contrastive_loss(fx, fx)
        (gx,) = torch.autograd.grad(loss, fx)
        naive = float(contrastive_loss_naive(fx.detach(), fx.detach()))
        exact = math.log1p(2 * math.exp(-1.5 * s))
        loss = loss.detach()
        good = math.isfinite(float(loss)) and bool(torch.isfinite(gx).all()) and abs(float(loss) - exact) <= 1e-6 * max(exact, 1e-30) + 1e-38
        ok &= good
        ok &= (math.isfinite(naive) == (s < 88.72))
        rows.append(f"s={s:g}: stable {float(loss):.3e} (exact {exact:.3e}), naive {naive}")
    nvs = _overflow(ctx)["naive_vs_stable"]
    st32 = np.array([float(v) for v in nvs["stable_float32"]])
    ref = np.array([float(v) for v in nvs["reference"]])
    nv32 = np.array([float(v) for v in nvs["naive_float32"]])
    s_arr = np.array(nvs["logit"])
    n_finite = int(np.isfinite(st32).sum())
    rel = float(np.max(np.abs(st32 - ref) / np.maximum(np.abs(ref), 1e-30)))
    first_nan = float(s_arr[~np.isfinite(nv32)].min())
    # two ways to break: exp of the largest logit overflows (> log(finfo.max) = 88.72), or the
    # quotient e^{a_ii} / sum_j e^{a_ij} ~ e^{-gap} underflows to 0 (gap > -log(smallest subnormal)
    # = 103.28) and log(0) = -inf
    import torch

    over = s_arr * nvs["max_unit_logit"] / math.log(torch.finfo(torch.float32).max)
    tiny = torch.finfo(torch.float32).smallest_normal * torch.finfo(torch.float32).eps
    under = s_arr * nvs["max_unit_gap"] / -math.log(tiny)
    worst = np.maximum(over, under)
    predicted = bool(np.all(np.isfinite(nv32[worst < 0.99])) and not np.any(np.isfinite(nv32[worst > 1.01])))
    ok &= n_finite == len(st32) and rel < 1e-5 and predicted
    return ok, ("; ".join(rows) + f"; random 6x4 configuration: stable float32 finite on all {n_finite} "
                f"logit scales in [0.1, 1e4] (max rel diff to float64 {rel:.1e}, loss up to {st32.max():.4g}); "
                f"naive float32 non-finite from s = {first_nan:.2f}, as predicted where the largest logit "
                f"{nvs['max_unit_logit']:.4f} s passes 88.72 or the largest gap {nvs['max_unit_gap']:.4f} s "
                f"passes 103.28 (quotient underflow, log 0): {predicted}")


@check("experiment", "gradients vanish as the softmax saturates; exact zeros at the dtype's underflow")
def _q52b_vanish(ctx):
    res = _overflow(ctx)
    fit = res["gradients"]["fit"]
    uf = res["underflow"]
    rate_ok = abs(fit["rate"] - 1.5) / 1.5 < 0.02
    rows = [f"log|grad| slope vs logit (float64) = -{fit['rate']:.4f} (theory -N/(N-1) = -1.5)"]
    ok = rate_ok
    for name, o in uf.items():
        rel = abs(o["measured"] - o["predicted"]) / o["predicted"]
        ok &= rel < 0.01
        rows.append(f"{name}: gradient exactly 0 from logit {o['measured']:.2f} (predicted "
                    f"(N-1)/N * -log(smallest subnormal) = {o['predicted']:.2f})")
    return ok, "; ".join(rows)


@check("symbolic", "sympy: d/dr of the scaled loss -> 0, and the log-sum-exp shift identity")
def _q52b_symbolic(ctx):
    import sympy as sp

    r, M = T.r, T.M
    loss = T.scaled_simplex_loss(M + 1, r)
    grad = sp.diff(loss, r)
    lim = sp.limit(grad, r, sp.oo)
    z = sp.IndexedBase("z", real=True)
    jj, n = sp.symbols("j n", integer=True, positive=True)
    zmax = sp.Symbol("z_max", real=True)
    lhs = sp.log(sp.Sum(sp.exp(z[jj]), (jj, 1, n)))
    rhs = zmax + sp.log(sp.Sum(sp.exp(z[jj] - zmax), (jj, 1, n)))
    # e^{rhs} = e^{z_max} sum_j e^{z_j - z_max} = sum_j e^{z_max} e^{z_j - z_max} = sum_j e^{z_j} = e^{lhs}
    inner = sp.Sum(sp.powsimp(sp.exp(zmax) * sp.exp(z[jj] - zmax)), (jj, 1, n))
    shift_ok = (sp.simplify(sp.exp(rhs) - sp.exp(zmax) * sp.Sum(sp.exp(z[jj] - zmax), (jj, 1, n))) == 0
                and sp.simplify(inner - sp.exp(lhs)) == 0)
    concrete = all(sp.simplify(sp.log(sum(sp.exp(v) for v in vals)) - (max(vals) + sp.log(sum(sp.exp(v - max(vals)) for v in vals)))) == 0
                   for vals in ([sp.Integer(1), sp.Integer(5), sp.Integer(-2)], [sp.Rational(800), sp.Rational(799)]))
    ok = lim == 0 and shift_ok and concrete
    return ok, (f"dL/dr = {sp.sstr(sp.simplify(grad))}, limit r -> oo = {lim}; "
                f"log sum e^z = z_max + log sum e^(z - z_max): {shift_ok} (also on concrete rows incl. z = 800: {concrete})")


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
    answer=(r"\text{No: } \mathcal{L}_{contr}(f) \ge \log\!\big(1 + (N-1)e^{-N/(N-1)}\big) "
            r"\ge \log\!\big(1+(N-1)e^{-2}\big) > 0"),
    short="No",
    proof=_PROOF_51,
    checks=(_q51_symbolic, _q51_counterexample, _q51_property, _q51_optimization),
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

_PROOF_52B = r"""
**Yes.**  Two problems appear as the features (equivalently $1/T$) grow.

- *Overflow.*  Evaluated literally, Eq. (1) computes $e^{a_{ij}}$.  In float32, $e^{z}$ is `inf` for $z > \log(3.4\times10^{38}) \approx 88.72$ (float64: $z > 709.78$); then the softmax is $\infty/\infty$ = `nan`.  A misclassified row fails even earlier: the quotient $e^{a_{ii}}/\sum_j e^{a_{ij}} \approx e^{-(a_{ij}-a_{ii})}$ underflows to $0$ once the gap passes $103.3$ (float32), and $-\log 0 = \infty$.  With features of norm $r$ this happens at $r^2 \approx 88.7$, i.e. $r \approx 9.4$, well within reach of the unbounded optimization of Question 5.2a.  The fix is the shift identity $\log\sum_j e^{z_j} = z_{max} + \log\sum_j e^{z_j - z_{max}}$ (log-sum-exp / `log_softmax` / `F.cross_entropy`), in which no exponent is positive; our stable loss stays finite, with a finite gradient, for logits up to $10^4$.
- *Saturation and vanishing gradients.*  As the margins grow, the softmax saturates: the loss and its gradient shrink like $e^{-r^2\delta}$ (for the simplex $\|\nabla\| \propto e^{-sN/(N-1)}$ with $s = r^2$), round to exactly $0$ in floating point (float32 from $s \approx 69$), and learning stalls while the norms keep growing; also $\mathcal{L} = \text{logsumexp} - a_{ii}$ loses all relative precision once $\mathcal{L} < \epsilon\, a_{ii}$.

Hence practice normalizes features to $\mathbb{S}^{d-1}$ and sets a fixed temperature ($\tau = 0.07$ in Eq. (14)), which bounds every logit by $1/\tau$, and computes the loss with log-sum-exp.
"""

register(Claim(
    id="q5.2b",
    title="Numerical stability",
    points=POINTS["q5.2b"],
    statement="Are there any potential numerical stability issues when optimizing unnormalized encoders?",
    answer=(r"\text{Yes: } e^{f(x)^\top f(y)} \text{ overflows (float32 above } 88.72\text{), the softmax saturates "
            r"and gradients vanish; use log-sum-exp and normalized features with a temperature}"),
    short="Yes",
    proof=_PROOF_52B,
    checks=(_q52b_overflow, _q52b_stable, _q52b_vanish, _q52b_symbolic),
    figures=(
        FigureSpec("q5_naive_overflow",
                   "Stable (log-sum-exp) against naive (explicit exp) Eq. (1) for the scaled simplex, N = 3: the naive "
                   "form is nan beyond log(finfo.max) (dotted lines), the stable one follows the closed form.",
                   lambda ctx: _overflow(ctx)["naive_vs_stable"], figs.naive_overflow),
        FigureSpec("q5_gradient_vanishing",
                   "Gradient norm of the stable loss against the largest logit: it decays like exp(-1.5 s) "
                   "and is exactly 0 once the softmax weights underflow.",
                   lambda ctx: _overflow(ctx)["gradients"], figs.gradient_vanishing),
    ),
))
