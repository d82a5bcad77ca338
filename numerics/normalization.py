"""Question 5's studies: what normalizing features to the sphere buys (Eq. (1)).

* an exact perfect-accuracy configuration on S^1 (three groups of four rational points) and
  its loss, every logit an exact rational (Q5.1: perfect accuracy, positive loss);
* the smallest loss gradient descent finds on the sphere, against the simplex bound (Q5.1);
* the loss of scaled perfect-accuracy configurations against the scale (Q5.2a);
* gradient descent on an unnormalized table: norms grow, the loss falls, at a fitted rate (Q5.2a);
* where the naive loss overflows and where gradients underflow, per dtype (Q5.2b).

Each study returns plain numbers (lists, floats) ready to be cached as JSON.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import torch

from .rational_circle import circle_point

__all__ = ["CIRCLE_T", "circle_groups", "exact_questions", "exact_cluster_study", "sphere_minima", "scale_curve",
           "free_table_descent", "stability_study"]

# ---------------------------------------------------------------------------
# the exact perfect-accuracy configuration
# ---------------------------------------------------------------------------

#: tan(theta/2) of the points of each group: four points near 0, 120 and 240 degrees.
#: Rational t gives the exactly rational unit vector ((1 - t^2), 2t) / (1 + t^2).
CIRCLE_T = (
    (Fraction(-1, 20), Fraction(-1, 60), Fraction(1, 60), Fraction(1, 20)),
    (Fraction(5, 3), Fraction(17, 10), Fraction(26, 15), Fraction(7, 4)),
    (Fraction(-5, 3), Fraction(-17, 10), Fraction(-26, 15), Fraction(-7, 4)),
)


def circle_groups() -> list[list[tuple[Fraction, Fraction]]]:
    """The three groups of exact rational unit vectors."""
    return [[circle_point(t) for t in ts] for ts in CIRCLE_T]


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1]


def exact_questions(groups):
    """Every classification question of Eq. (1): ``(i, exact logit row)`` for each group i,
    anchor x in S_i and choice of one y per group."""
    n, m = len(groups), len(groups[0])
    for i in range(n):
        for x in groups[i]:
            for combo in itertools.product(range(m), repeat=n):
                yield i, [_dot(x, groups[j][combo[j]]) for j in range(n)]


def exact_cluster_study() -> dict:
    """Accuracy (exact), smallest margin (exact) and loss (50 digits) of :func:`circle_groups`."""
    import mpmath

    groups = circle_groups()
    if not all(_dot(pt, pt) == 1 for g in groups for pt in g):
        raise ValueError("the circle points are not exactly unit vectors")
    correct = total = 0
    min_gap = worst = None
    acc = mpmath.mpf(0)
    with mpmath.workdps(50):
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
        loss_text = mpmath.nstr(loss, 40)
    return {"questions": total, "correct": correct, "min_gap": str(min_gap), "min_gap_float": float(min_gap),
            "loss_50_digits": loss_text, "loss": float(loss), "smallest_row_gaps": [str(g) for g in worst[1]],
            "groups": [[[float(c) for c in pt] for pt in g] for g in groups]}


# ---------------------------------------------------------------------------
# gradient descent on the sphere and off it
# ---------------------------------------------------------------------------

def sphere_minima(ns, *, steps: int, seed: int) -> dict:
    """The smallest loss of one point per group on the sphere (d = N), for each N, with the
    simplex bound ``log(1 + (N-1) e^{-N/(N-1)})`` beside it."""
    from .scaling import SPHERE, optimize_table

    out = {"opt_n": list(ns), "opt_loss": [], "bound": []}
    for n in ns:
        tr = optimize_table(n, 1, n, steps=steps, lr=1.0, seed=seed + n, mode=SPHERE, n_records=10)
        out["opt_loss"].append(min(tr["loss"]))
        out["bound"].append(math.log1p((n - 1) * math.exp(-n / (n - 1))))
    return out


def scale_curve(groups, delta: float, scales) -> dict:
    """Eq. (1) of the scaled simplex (N = 3) and of the scaled ``groups`` ``(N, m, d)`` against
    the scale, with the closed form and the upper bound ``log(1 + 2 e^{-delta r^2})``."""
    from .scaling import expected_loss, scaled_losses, simplex

    scales = np.asarray(scales, dtype=np.float64)
    g = torch.as_tensor(np.asarray(groups), dtype=torch.float64)
    return {
        "scale": scales.tolist(),
        "simplex": scaled_losses(simplex(3), scales)["stable"],
        "simplex_closed_form": [math.log1p(2 * math.exp(-1.5 * r * r)) for r in scales],
        "clusters": [float(expected_loss(r * g)) for r in scales],
        "clusters_upper": [math.log1p(2 * math.exp(-delta * r * r)) for r in scales],
        "delta": delta,
    }


def free_table_descent(*, steps: int, seed: int) -> dict:
    """Gradient descent on an unnormalized table (N = 4 groups of 2 points, d = 3), with the
    exponential rate of the loss in the mean squared norm fitted on the second half."""
    from .scaling import FREE, fit_exponential_rate, optimize_table

    tr = optimize_table(4, 2, 3, steps=steps, lr=2.0, seed=seed, mode=FREE, n_records=60)
    half = len(tr["step"]) // 2
    tr["fit"] = fit_exponential_rate(tr["mean_sq_norm"][half:], tr["loss"][half:])
    tr["fit_range"] = [tr["mean_sq_norm"][half], tr["mean_sq_norm"][-1]]
    return tr


# ---------------------------------------------------------------------------
# numerical stability
# ---------------------------------------------------------------------------

def stability_study(seed: int) -> dict:
    """Overflow of the naive loss and underflow of the gradient, per dtype; naive against
    stable on a random 6 x 4 configuration and on the simplex; gradients against the scale."""
    from .scaling import (
        gradient_underflow_logit,
        gradient_vs_scale,
        naive_vs_stable,
        overflow_logit,
    )

    of = {str(dt).replace("torch.", ""): overflow_logit(dt) for dt in (torch.float32, torch.float64)}
    uf = {str(dt).replace("torch.", ""): gradient_underflow_logit(dt) for dt in (torch.float32, torch.float64)}
    logits = np.unique(np.concatenate([np.geomspace(0.1, 1e4, 60), [88.7, 88.75, 709.7, 709.9]]))
    rng = np.random.default_rng(seed)
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
