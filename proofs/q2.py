"""Question 2: instance discrimination as classification; the range of the logits."""

from __future__ import annotations

import numpy as np

from theory.logits import (
    cross_entropy_derivation,
    lagrange_identity_holds,
    sphere_lower_bound_derivation,
    sphere_upper_bound_derivation,
)

from .checks import derivations_hold, hypothesis_holds, z3_proves
from .formal import Theorem
from .order import POINTS
from .registry import Claim, check, register

LAGRANGE_DIMS = range(2, 9)


@check("symbolic", "cross-entropy form (symbolic N), range certificates (symbolic d), Lagrange identity")
def _symbolic(ctx):
    ok, detail = derivations_hold(cross_entropy_derivation(), sphere_upper_bound_derivation(),
                                  sphere_lower_bound_derivation())
    lagrange = {dim: lagrange_identity_holds(dim) for dim in LAGRANGE_DIMS}
    ok &= all(lagrange.values())
    return ok, (detail + "; Lagrange identity (sum a^2)(sum b^2) - (a.b)^2 = 1/2 sum_pq (a_p b_q - a_q b_p)^2 "
                f"expanded exactly for d = {min(LAGRANGE_DIMS)}..{max(LAGRANGE_DIMS)}: "
                f"{'all hold' if all(lagrange.values()) else lagrange}")


@check("smt", "z3: the linearised implications give -1 <= logit <= 1")
def _smt(ctx):
    import z3

    c, D, E, g = z3.Reals("c D E g")
    # Linear: c = 1 - D/2 with D = ||u-v||^2 >= 0, and c = E/2 - 1 with E = ||u+v||^2 >= 0.
    lin = z3.Implies(z3.And(D >= 0, E >= 0, c == 1 - D / 2, c == E / 2 - 1), z3.And(c <= 1, c >= -1))
    ok1, m1 = z3_proves(lin, "linear sphere certificate")
    # Cauchy-Schwarz form: ||a||^2 = ||b||^2 = 1 and the Lagrange SOS g = 1 - c^2 >= 0.
    cs = z3.Implies(z3.And(g >= 0, g == 1 - c * c), z3.And(c <= 1, c >= -1))
    ok2, m2 = z3_proves(cs, "Lagrange certificate")
    # The full statement in d = 3, without any certificate: unit vectors have |a.b| <= 1.
    a, b = z3.RealVector("a", 3), z3.RealVector("b", 3)
    dot = z3.Sum([x * y for x, y in zip(a, b)])
    unit = z3.And(z3.Sum([x * x for x in a]) == 1, z3.Sum([y * y for y in b]) == 1)
    ok3, m3 = z3_proves(z3.Implies(unit, z3.And(dot <= 1, dot >= -1)), "d=3 unit vectors")
    return ok1 and ok2 and ok3, "; ".join([m1, m2, m3])


@check("property", "hypothesis: logits of unit vectors lie in [-1, 1], attained at y = ±x")
def _property(ctx):
    from hypothesis import strategies as st

    def prop(dim, seed):
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal((2, dim))
        x /= np.linalg.norm(x)
        y /= np.linalg.norm(y)
        assert -1 - 1e-12 <= x @ y <= 1 + 1e-12, x @ y
        assert abs(x @ x - 1) < 1e-12 and abs(x @ -x + 1) < 1e-12  # both ends are attained

    return hypothesis_holds(prop, [st.integers(1, 1024), st.integers(0, 2**32 - 1)], name="logit range")


SHORT = {"classes": "N", "target": "i", "range": "[-1, 1]"}

#: How a stated number of classes and target read, for N groups and row i.
READ_CLASSES = {"N": lambda N: N, "N-1": lambda N: N - 1, "2N": lambda N: 2 * N, "N+1": lambda N: N + 1}
READ_TARGET = {"i": lambda i, N: i, "1": lambda i, N: 0, "N": lambda i, N: N - 1}


def _read_range(text: str) -> tuple[float, float]:
    import re

    m = re.fullmatch(r"\s*\[\s*([-+0-9.einf]+)\s*,\s*([-+0-9.einf]+)\s*\]\s*", text)
    if not m:
        raise ValueError(f"cannot read the range {text!r} (expected '[a, b]')")
    return float(m.group(1)), float(m.group(2))


def boxed(short: dict) -> str:
    """The boxed answer, rendered from the stated classes, target and range."""
    return (rf"C = {short['classes']},\quad \ell = \big(f(x_i)^\top f(y_1), \dots, f(x_i)^\top f(y_N)\big) "
            rf"\in \mathbb{{R}}^N,\quad \text{{target }} {short['target']},\quad \ell_j \in {short['range']}")


@check("exact", "the stated classes and target give Eq. (1)'s term as a cross-entropy; the stated range "
                "holds for every logit and both its ends are attained")
def _stated(ctx, claim):
    import torch

    s = claim.short
    if s.get("classes") not in READ_CLASSES or s.get("target") not in READ_TARGET:
        return False, f"cannot read classes = {s.get('classes')!r}, target = {s.get('target')!r}"
    lo, hi = _read_range(s.get("range", ""))
    rng = np.random.default_rng(ctx.seed)
    worst = 0.0
    for N, dim in [(2, 3), (5, 8), (17, 4)]:
        C = READ_CLASSES[s["classes"]](N)
        fx, fy = rng.standard_normal((2, N, dim))
        fx /= np.linalg.norm(fx, axis=1, keepdims=True)
        fy /= np.linalg.norm(fy, axis=1, keepdims=True)
        if C != N:
            return False, f"N = {N} groups give {N} logits f(x_i)^T f(y_j), but the stated number of classes is {C}"
        for i in range(N):
            logits = fy @ fx[i]
            term = -np.log(np.exp(logits[i]) / np.exp(logits).sum())  # Eq. (1), written out
            t = READ_TARGET[s["target"]](i, N)
            ce = torch.nn.functional.cross_entropy(torch.from_numpy(logits)[None], torch.tensor([t])).item()
            worst = max(worst, abs(term - ce))
    # the range: every logit of unit vectors inside [lo, hi], and both ends reached (y = x, y = -x)
    x = rng.standard_normal((2000, 7))
    y = rng.standard_normal((2000, 7))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    dots = np.concatenate([np.sum(x * y, axis=1), np.sum(x * x, axis=1), np.sum(x * -x, axis=1)])
    inside = bool(np.all((dots >= lo - 1e-12) & (dots <= hi + 1e-12)))
    ends = abs(dots.max() - hi) <= 1e-12 and abs(dots.min() - lo) <= 1e-12
    same_box = claim.answer == boxed(claim.short)
    ok = worst < 1e-12 and inside and ends and same_box
    return ok, (f"boxed answer rendered from the stated one: {same_box}; max |Eq. (1) term - cross_entropy(logits, target {s['target']})| = {worst:.1e} over N in (2, 5, 17); "
                f"logits of 6000 unit pairs in [{dots.min():.6f}, {dots.max():.6f}]: inside the stated "
                f"[{lo:g}, {hi:g}]: {inside}, both ends attained: {ends}")


register(Claim(
    id="q2",
    title="Instance discrimination as classification",
    points=POINTS["q2"],
    statement=("For $x_i$ and $\\{y_j\\}_{j=1}^N$, give the number of classes $C$, the logits vector, "
               "the target class, and the range of the logits."),
    answer=boxed(SHORT),
    short=dict(SHORT),
    alternatives=({**SHORT, "classes": "N-1"}, {**SHORT, "target": "1"}, {**SHORT, "range": "[0, 1]"},
                  {**SHORT, "range": "[-2, 2]"}),
    proof=(
        "Fix $x_i$ and $y_1, \\dots, y_N$ and write $\\ell_j = f(x_i)^\\top f(y_j)$. The term inside the "
        "expectation of Eq. (1) is the cross-entropy of the logits vector $\\ell \\in \\mathbb{R}^N$ with "
        "target class $i$, one class per group:\n\n$$" + cross_entropy_derivation().latex() + "$$\n\n"
        "Every logit is a dot product of two unit vectors, so it lies in $[-1, 1]$ (Cauchy–Schwarz). A "
        "certificate in any dimension $d$ uses Question 3:\n\n$$" + sphere_upper_bound_derivation().latex() +
        "$$\n\n$$" + sphere_lower_bound_derivation().latex() + "$$\n\n"
        "Equivalently, the Lagrange identity $\\|a\\|^2\\|b\\|^2 - (a^\\top b)^2 = \\tfrac12\\sum_{p,q}"
        "(a_p b_q - a_q b_p)^2 \\ge 0$ gives $(a^\\top b)^2 \\le 1$ for unit vectors. Both ends are "
        "attained: $\\ell_j = 1$ when $f(y_j) = f(x_i)$ and $\\ell_j = -1$ when $f(y_j) = -f(x_i)$."),
    checks=(_stated, _symbolic, _smt, _property),
    formal=(
        Theorem("Q2", "logits_in_unit_interval",
                "forall (d : nat) (fx : list R) (fy : nat -> list R),\n"
                "    length fx = d -> norm2 fx = 1 ->\n"
                "    (forall j, length (fy j) = d /\\ norm2 (fy j) = 1) ->\n"
                "    forall j, -1 <= dot fx (fy j) <= 1",
                uses=("dot", "norm2")),
        Theorem("Q2", "logit_bounds_attained",
                "forall u : list R, norm2 u = 1 -> dot u u = 1 /\\ dot u (vopp u) = -1",
                uses=("dot", "norm2", "vopp")),
    ),
))
