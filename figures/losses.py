"""Figures for Questions 5 and 6: pure functions of JSON-able results returning a Figure."""

from __future__ import annotations

import numpy as np

from .style import PALETTE, new_figure


def _arr(xs):
    return np.array([float(x) for x in xs], dtype=np.float64)


def lower_bounds(results: dict):
    """Q5.1: the two lower bounds against N, with the optimum found on the sphere."""
    fig, ((ax,),) = new_figure()
    n = np.arange(2, int(results["n_max"]) + 1)
    ax.plot(n, np.log1p((n - 1) * np.exp(-2.0)), "-", color=PALETTE[1], label=r"$\log(1+(N-1)e^{-2})$ (logits in $[-1,1]$)")
    ax.plot(n, np.log1p((n - 1) * np.exp(-n / (n - 1))), "-", color=PALETTE[0],
            label=r"$\log(1+(N-1)e^{-N/(N-1)})$ (simplex bound)")
    ax.plot(results["opt_n"], results["opt_loss"], "o", color=PALETTE[3], ms=6,
            label="minimum found by gradient descent on the sphere")
    ax.plot(results["config_n"], results["config_loss"], "s", color=PALETTE[2], ms=7,
            label="perfect-accuracy clusters (exact enumeration)")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("number of groups $N$")
    ax.set_ylabel(r"contrastive loss $\mathcal{L}_{contr}$ (nats)")
    ax.set_title("Perfect accuracy on the sphere never gives zero loss")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def loss_vs_scale(results: dict):
    """Q5.2a: Eq. (1) of scaled configurations against the scale, log y-axis."""
    fig, ((ax,),) = new_figure()
    r = _arr(results["scale"])
    ax.semilogy(r, _arr(results["simplex"]), "-", color=PALETTE[0], lw=2, label="scaled simplex ($N=3$), computed")
    ax.semilogy(r, _arr(results["simplex_closed_form"]), "--", color="k", lw=1,
                label=r"closed form $\log(1+2e^{-3r^2/2})$")
    ax.semilogy(r, _arr(results["clusters"]), "-", color=PALETTE[2], lw=2,
                label="scaled perfect-accuracy clusters (all draws)")
    ax.semilogy(r, _arr(results["clusters_upper"]), ":", color=PALETTE[2],
                label=r"upper bound $\log(1+2e^{-\delta r^2})$")
    ax.axvline(1.0, color=PALETTE[7], lw=0.8)
    ax.text(1.1, 1e-40, "unit sphere ($r = 1$)", rotation=90, va="bottom", fontsize=8)
    ax.set_xlabel(r"feature norm $r = \|f(x)\|_2$")
    ax.set_ylabel(r"$\mathcal{L}_{contr}$ (nats, log scale)")
    ax.set_title("Unnormalized features: the loss goes to 0 as the norm grows")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def norm_growth(results: dict):
    """Q5.2a: gradient descent on an unnormalized table: loss against mean squared norm, with
    the fitted rate, and the norm against the step."""
    fig, ((ax, ax2),) = new_figure(2, width=7.0, height=3.4)
    rho2 = _arr(results["mean_sq_norm"])
    loss = _arr(results["loss"])
    fit = results["fit"]
    n = results["config"]["n_groups"]
    ax.semilogy(rho2, loss, "o", ms=3.5, color=PALETTE[0], label="gradient descent")
    xs = np.linspace(rho2.min(), rho2.max(), 200)
    ax.semilogy(xs, fit["C"] * np.exp(-fit["a"] * xs), "-", color=PALETTE[3],
                label=rf"fit ${fit['C']:.2f}\,e^{{-{fit['a']:.3f}\,\rho^2}}$")
    ax.semilogy(xs, np.log1p((n - 1) * np.exp(-xs * n / (n - 1))), "--", color="k", lw=1,
                label=rf"lower bound, rate $N/(N-1)={n / (n - 1):.3f}$")
    ax.set_xlabel(r"mean squared norm $\rho^2 = \mathrm{mean}_s \|f(s)\|^2$")
    ax.set_ylabel(r"$\mathcal{L}_{contr}$ (nats, log scale)")
    ax.legend(fontsize=7.5, loc="lower left")
    ax.set_title("Loss against norm")
    steps = np.maximum(_arr(results["step"]), 1)
    ax2.semilogx(steps, np.sqrt(rho2), "-", color=PALETTE[2], label=r"rms norm $\rho$")
    ax2.semilogx(steps, _arr(results["max_norm"]), "--", color=PALETTE[4], label="max norm")
    ax2.set_xlabel("gradient step")
    ax2.set_ylabel(r"norm $\|f(s)\|_2$")
    ax2.legend(fontsize=7.5)
    ax2.set_title("Norms keep growing")
    fig.tight_layout()
    return fig


def _plot_nonfinite(ax, x, y, color, label, marker):
    y = np.array([float(v) if isinstance(v, (int, float)) else float(v) for v in y])
    ok = np.isfinite(y)
    ax.loglog(x[ok], np.maximum(y[ok], 1e-300), marker, color=color, label=label, ms=4)
    return ok


def naive_overflow(results: dict):
    """Q5.2b: stable against naive Eq. (1) as the logits grow; naive nan drawn in a top band."""
    fig, ((ax, ax2),) = new_figure(2, width=7.0, height=3.5)
    s = _arr(results["logit"])
    ref = _arr(results["reference"])
    ax.loglog(s, ref, "-", color="k", lw=1, label="stable, float64")
    top = ref.max() * 20
    for name, col, mk, off in (("float32", PALETTE[3], "o", 1.0), ("float64", PALETTE[0], "s", 2.2)):
        st = _arr(results[f"stable_{name}"])
        if name == "float32":
            ax.loglog(s, st, mk, mfc="none", color=col, ms=4, label="stable (log-sum-exp), float32")
        nv = _arr(results[f"naive_{name}"])
        ok = np.isfinite(nv)
        ax.loglog(s[ok], nv[ok], "x", color=col, ms=4, label=f"naive (explicit exp), {name}")
        ax.loglog(s[~ok], np.full((~ok).sum(), top * off), "|", color=col, ms=8, label=f"naive {name} = nan")
        thr = results[f"overflow_{name}"]
        ax.axvline(thr, color=col, ls=":", lw=1.2)
        ax.text(thr * 1.08, ref.min() * 3 * off, f"{thr:.2f}", color=col, fontsize=8)
    ax.set_xlabel(r"logit scale $s$ (logits $s\,f(x_i)^\top f(y_j)$)")
    ax.set_ylabel(r"$\mathcal{L}_{contr}$ (nats, log scale)")
    ax.set_title("Random unit features, $N=6$", fontsize=10)
    ax.legend(fontsize=6.5, loc="upper left")
    cf = _arr(results["simplex_closed_form"])
    st = _arr(results["simplex_stable_float32"])
    ok = cf > 0
    ax2.loglog(s[ok], cf[ok], "-", color="k", lw=1, label=r"closed form $\log(1+2e^{-3s/2})$")
    pos = st > 0
    ax2.loglog(s[pos], st[pos], "o", mfc="none", color=PALETTE[3], ms=4, label="stable, float32")
    ax2.axvline(results["overflow_float32"], color=PALETTE[3], ls=":", lw=1.2)
    ax2.set_ylim(1e-60, 10)
    ax2.set_xlabel("logit scale $s$")
    ax2.set_title("Scaled simplex, $N=3$: precise tiny losses", fontsize=10)
    ax2.legend(fontsize=7, loc="lower left")
    fig.suptitle("The explicit exp overflows past log(finfo.max); log-sum-exp does not", fontsize=11)
    fig.tight_layout()
    return fig


def gradient_vanishing(results: dict):
    """Q5.2b: gradient norm against the largest logit; exact zeros drawn at the bottom."""
    fig, ((ax,),) = new_figure(height=3.6)
    s = _arr(results["logit"])
    floor = 1e-320
    for name, col, mk in (("float32", PALETTE[3], "o"), ("float64", PALETTE[0], "s")):
        gn = _arr(results[f"grad_{name}"])
        ax.semilogy(s, np.maximum(gn, floor), mk + "-", color=col, ms=4, label=f"$\\|\\nabla_f \\mathcal{{L}}\\|$, {name}")
        zero = gn == 0
        if zero.any():
            first = s[zero][0]
            ax.annotate(f"exactly 0 from s = {first:.0f}", (first, floor), xytext=(first, 1e-200 if name == "float64" else 1e-280),
                        color=col, fontsize=8, arrowprops={"arrowstyle": "->", "color": col})
    fit = results["fit"]
    xs = np.linspace(s.min(), s.max(), 200)
    ax.semilogy(xs, np.exp(fit["intercept"] - fit["rate"] * xs), "--", color="k", lw=1,
                label=rf"fit $\propto e^{{-{fit['rate']:.3f}\,s}}$ (theory $N/(N-1) = 1.5$)")
    ax.set_ylim(floor / 10, 10)
    ax.set_xlabel(r"largest logit $s = r^2$")
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title("Saturating softmax: the gradient vanishes")
    ax.legend(fontsize=7.5, loc="upper right")
    return fig


def dual_vs_ce(results: dict):
    """Q6.1: per-sample dual-encoder term against cross-entropy term, and the effect of class
    balance on the averaged objectives."""
    fig, ((ax, ax2),) = new_figure(2, width=7.0, height=3.3)
    ce = _arr(results["ce_terms"])
    de = _arr(results["dual_terms"])
    ax.plot(ce, de, "o", ms=3, color=PALETTE[0])
    lim = [0, max(ce.max(), de.max()) * 1.05]
    ax.plot(lim, lim, "-", color="k", lw=0.8)
    ax.set_xlabel("cross-entropy term of Eq. (9) (nats)")
    ax.set_ylabel("dual-encoder term of Eq. (8) (nats)")
    ax.set_title(f"Per sample: max |diff| = {results['max_term_diff']:.1e}", fontsize=9)
    labels = ["balanced", "unbalanced"]
    x = np.arange(2)
    ax2.bar(x - 0.2, [results["balanced"]["ce"], results["unbalanced"]["ce"]], 0.4, color=PALETTE[1],
            label=r"$\mathcal{L}_{xce}$ (dataset mean)")
    ax2.bar(x + 0.2, [results["balanced"]["dual"], results["unbalanced"]["dual"]], 0.4, color=PALETTE[2],
            label=r"$\frac{1}{N}\sum_i \mathbb{E}_{p_i}$ (Eq. 8)")
    ax2.set_xticks(x, labels)
    ax2.set_ylabel("loss (nats)")
    ax2.set_title("Class balance is what makes the means equal", fontsize=9)
    ax2.legend(fontsize=7.5, loc="lower right")
    fig.tight_layout()
    return fig


def accuracy_agreement(results: dict):
    """Q6.2: accuracy of g by argmax against the dual-encoder accuracy, over random models."""
    fig, ((ax,),) = new_figure(height=3.4)
    a = _arr(results["ce_accuracy"])
    b = _arr(results["dual_accuracy"])
    ax.plot(a, b, "o", color=PALETTE[0], ms=5)
    ax.plot([0, 1], [0, 1], "-", color="k", lw=0.8)
    ax.set_xlabel("supervised accuracy (unique argmax of $g(x)$ = $y$)")
    ax.set_ylabel("dual-encoder contrastive accuracy")
    ax.set_title(f"{len(a)} models along training; {results['n_ties']} tied samples included", fontsize=10)
    return fig


__all__ = ["lower_bounds", "loss_vs_scale", "norm_growth", "naive_overflow", "gradient_vanishing",
           "dual_vs_ce", "accuracy_agreement"]
