"""Question 5.2b: numerical stability of unnormalized encoders."""

from __future__ import annotations

import math

import numpy as np
import torch

from figures import losses as figs
from theory import losses as T

from .order import POINTS, YES_NO
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------- q5.2b

def _overflow(ctx):
    def compute():
        from numerics.normalization import stability_study

        torch.set_num_threads(1)
        return stability_study(ctx.seed)

    return ctx.cached("q5_numerical_stability", compute)


@check("experiment", "the dtype's overflow point of the naive loss: log(finfo.max)", rejects=("No",))
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


@check("experiment", "gradients vanish as the softmax saturates; exact zeros at the dtype's underflow",
       rejects=("No",))
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
    options=YES_NO,
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

