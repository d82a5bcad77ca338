"""Question 8: contrastive encoders.  (a) the loss, (c) nearest neighbours, (d) what they
learned, against Q8b's predictions: an answer generated from the measurements."""

from __future__ import annotations

import math

import numpy as np

from figures.curves import learning_curve_figure
from figures.neighbours import neighbour_figure, sensitivity_figure

from .checks import code_tex, hypothesis_holds, run_stated_code
from .measured import (
    FACTOR_WORDS,
    FACTORS,
    RUN_WORDS,
    THRESHOLDS_TEXT,
    all_trained,
    factor_dynamics,
    flip_verdict,
    grid_is_well_formed,
    nn_reference_check,
    probes,
    reference_loss,
    table_complete,
    trained,
    verdict,
)
from .order import POINTS
from .registry import REGISTRY, Claim, check, register

CONTRASTIVE = ("contrastive_A", "contrastive_B", "contrastive_C")


def predictions() -> dict[str, dict[str, str]]:
    """Q8b's answers, the one source of the predictions: ``{"contrastive_A": {factor: ...}, ...}``."""
    from . import load_all

    load_all()
    return {f"contrastive_{a}": dict(REGISTRY[f"q8b.{a}"].short) for a in "ABC"}


def comparison_table(probes: dict, predicted: dict | None = None) -> list[dict]:
    """One row per (encoder, factor): prediction, measured numbers, verdict, agreement."""
    predicted = predictions() if predicted is None else predicted
    rows = []
    for enc in ("random_init", "autoencoder") + CONTRASTIVE:
        for f in FACTORS:
            m = probes[enc][f]
            pred = (predicted.get(enc) or {}).get(f, "-")
            v = verdict(m["normalized"])
            rows.append({"encoder": enc, "factor": f, "predicted": pred, "measured": v,
                         "knn_acc": m["knn_acc"], "chance": m["chance"], "normalized": m["normalized"],
                         "linear_acc": m["linear_acc"], "agrees": None if pred == "-" else pred == v})
    return rows


def table_text(rows: list[dict]) -> str:
    head = "encoder | factor | predicted | 1-NN acc | chance | normalized | linear | measured | agrees"
    lines = [head]
    for r in rows:
        lines.append(f"{r['encoder']} | {r['factor']} | {r['predicted']} | {r['knn_acc']:.3f} | {r['chance']:.3f} | "
                     f"{r['normalized']:.3f} | {r['linear_acc']:.3f} | {r['measured']} | "
                     f"{'-' if r['agrees'] is None else ('yes' if r['agrees'] else 'NO')}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# q8a
# ---------------------------------------------------------------------------

def _nested_info_nce(z: np.ndarray, zp: np.ndarray, tau: float) -> float:
    """Eq. (14) with K = b - 1 in-batch negatives, written out with loops."""
    b, d = z.shape
    total = 0.0
    for i in range(b):
        def dot(u, v):
            return sum(u[t] * v[t] for t in range(d))

        pos = math.exp(dot(z[i], zp[i]) / tau)
        neg = sum(math.exp(dot(z[i], zp[j]) / tau) for j in range(b) if j != i)
        total += -math.log(pos / (pos + neg))
    return total / b


def _nested_info_nce_torch(z, zp, tau: float):
    """The same double loop on torch scalars, so that autograd gives its gradient."""
    import torch

    b = z.shape[0]
    rows = []
    for i in range(b):
        pos = torch.exp((z[i] * zp[i]).sum() / tau)
        neg = sum(torch.exp((z[i] * zp[j]).sum() / tau) for j in range(b) if j != i)
        rows.append(-torch.log(pos / (pos + neg)))
    return sum(rows) / b


Q8A_SHORT = "logits = z @ z_pos.T / tau; loss = cross_entropy(logits, arange(b))"


def _q8a_names(z, z_pos, tau: float) -> dict:
    """What the stated code of Q8a may use: the two views' features ``(b, d)``, tau, b and torch's
    cross-entropy and index builders."""
    import torch
    import torch.nn.functional as F

    return {"z": z, "z_pos": z_pos, "tau": tau, "b": z.shape[0], "torch": torch, "F": F,
            "cross_entropy": F.cross_entropy, "arange": torch.arange, "zeros": torch.zeros,
            "zeros_like": torch.zeros_like}


@check("exact", "the stated code, executed on random unit features: value and gradients equal the nested-loop "
                "Eq. (14) with the b-1 in-batch negatives")
def _q8a_stated(ctx, claim):
    import torch
    import torch.nn.functional as F

    worst_v = worst_g = 0.0
    for seed, (b, d, tau) in enumerate([(2, 3, 0.07), (5, 4, 0.5), (8, 6, 0.2)], start=ctx.seed):
        g = torch.Generator().manual_seed(seed)
        z = F.normalize(torch.randn(b, d, generator=g, dtype=torch.float64), dim=1).requires_grad_(True)
        zp = F.normalize(torch.randn(b, d, generator=g, dtype=torch.float64), dim=1).requires_grad_(True)
        loss = run_stated_code(claim.short, _q8a_names(z, zp, tau))["loss"]
        got = torch.autograd.grad(loss, (z, zp))
        ref = _nested_info_nce_torch(z, zp, tau)
        want = torch.autograd.grad(ref, (z, zp))
        worst_v = max(worst_v, abs(float(loss.detach()) - float(ref.detach())) / (1 + abs(float(ref.detach()))))
        worst_g = max(worst_g, max(float((a - w).abs().max()) for a, w in zip(got, want)))
    same_box = claim.answer == code_tex(claim.short)
    ok = worst_v <= 1e-12 and worst_g <= 1e-12 and same_box
    return ok, (f"stated: {claim.short!r}; max relative |value - nested loop| = {worst_v:.1e}, max |grad - nested "
                f"loop's grad| = {worst_g:.1e} for (b, d, tau) = (2, 3, 0.07), (5, 4, 0.5), (8, 6, 0.2) "
                f"(tolerance 1e-12); the boxed answer is this code: {same_box}")


@check("property", "hypothesis: info_nce equals the nested-loop Eq. (14) with the b-1 in-batch negatives")
def _q8a_property(ctx):
    import torch
    from hypothesis import strategies as st

    from numerics.losses import info_nce

    def prop(seed, b, d, tau):
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((b, d))
        zp = rng.standard_normal((b, d))
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        zp /= np.linalg.norm(zp, axis=1, keepdims=True)
        got = float(info_nce(torch.from_numpy(z), torch.from_numpy(zp), tau))
        ref = _nested_info_nce(z, zp, tau)
        assert abs(got - ref) <= 1e-9 * (1 + abs(ref)), (got, ref)

    return hypothesis_holds(prop, [st.integers(0, 2**31 - 1), st.integers(2, 12), st.integers(1, 8),
                                   st.floats(0.05, 1.0)], max_examples=80, name="info_nce vs nested loops")


@check("exact", "training step: the loss of two views is info_nce(f(view1), f(view2)) with one forward pass")
def _q8a_exact(ctx):
    import torch

    from numerics.shapes.models import Encoder
    from numerics.shapes.train import contrastive_step_loss

    torch.manual_seed(ctx.seed)
    enc = Encoder(16, normalize=True).double()
    v1 = torch.rand(5, 3, 64, 64, dtype=torch.float64)
    v2 = torch.rand(5, 3, 64, 64, dtype=torch.float64)
    with torch.no_grad():
        got = float(contrastive_step_loss(enc, v1, v2, 0.07))
        ref = _nested_info_nce(enc(v1).numpy(), enc(v2).numpy(), 0.07)
    return abs(got - ref) < 1e-9, f"step loss {got:.12f} vs nested-loop Eq. (14) {ref:.12f} (b = 5, tau = 0.07)"


@check("experiment", "the training loss is the stated code, and trained with it every contrastive encoder's loss "
                     "falls from about log b to at most 0.7 log b")
def _q8a_experiment(ctx, claim):
    import torch
    import torch.nn.functional as F

    from numerics.losses import info_nce

    # the training loss is the stated code: equal on random unit features
    g = torch.Generator().manual_seed(ctx.seed)
    z, zp = F.normalize(torch.randn(2, 6, 5, generator=g, dtype=torch.float64), dim=2)
    same = abs(float(run_stated_code(claim.short, _q8a_names(z, zp, 0.07))["loss"]) - float(info_nce(z, zp, 0.07))) <= 1e-12
    p = probes(ctx)
    parts, ok = [f"the training loss (info_nce) equals the stated code on random unit features: {same}"], same
    for enc in CONTRASTIVE:
        e = p[enc]
        good, detail = trained(enc, e)
        ok &= good
        parts.append(f"{detail} (first step {e['first_loss'] / reference_loss(e):.3f} log b; epoch means "
                     + " -> ".join(f"{v:.3f}" for v in e["epoch_losses"]) + ")")
    return ok, "; ".join(parts)


register(Claim(
    id="q8a", title="Contrastive loss", points=POINTS["q8a"],
    statement="Implement the contrastive loss of Eq. (14) with in-batch negatives in `train_contrastive`.",
    answer=code_tex(Q8A_SHORT),
    short=Q8A_SHORT,
    alternatives=("logits = z @ z_pos.T; loss = cross_entropy(logits, arange(b))",
                  "logits = z @ z_pos.T * tau; loss = cross_entropy(logits, arange(b))",
                  "logits = z @ z_pos.T / tau; loss = cross_entropy(logits, zeros_like(arange(b)))",
                  "logits = z @ z.T / tau; loss = cross_entropy(logits, arange(b))",
                  "logits = z @ z_pos.T / tau; loss = cross_entropy(logits, arange(b)) / b"),
    proof=("With `z = f(x)` and `z_pos = f(x_pos)`, both $(b, d)$ with unit rows:\n\n"
           "- `logits = z @ z_pos.T / tau` -- entry $(i, j)$ is $f(x_i)^\\top f(x^+_j)/\\tau$, shape $(b, b)$;\n"
           "- `labels = torch.arange(b)` -- the positive of row $i$ is column $i$;\n"
           "- `loss = F.cross_entropy(logits, labels)`.\n\n"
           "Row $i$ of the cross-entropy is $-\\log\\big(e^{l_{ii}} / \\sum_j e^{l_{ij}}\\big)$ with "
           "$l_{ij} = f(x_i)^\\top f(x^+_j)/\\tau$: the positive pair in the numerator, and in the "
           "denominator the positive plus the $K = b-1$ negatives $f(x^+_j)$, $j \\ne i$ -- exactly Eq. (14). "
           "The mean over rows is the batch estimate of the expectation. `numerics.losses.info_nce` is this "
           "computation (via `log_softmax`, so large logits do not overflow); it is checked against the "
           "literal double loop. Trained with it, every encoder's loss falls from about $\\log b$ (the loss "
           "of equal logits) to at most $0.7 \\log b$ in its last epoch."),
    checks=(_q8a_stated, _q8a_property, _q8a_exact, _q8a_experiment),
))


# ---------------------------------------------------------------------------
# q8c
# ---------------------------------------------------------------------------

@check("exact", "nn_grid equals a nested-loop nearest-neighbour search")
def _q8c_exact(ctx):
    return nn_reference_check(ctx.seed)


@check("experiment", "grids of encoders A, B, C on val and train: 8 queries, each followed by its 10 nearest")
def _q8c_experiment(ctx):
    from numerics.shapes.experiment import grids

    probes(ctx)
    g = grids(ctx.results_dir, ctx.profile, ctx.seed, data=getattr(ctx, "data", None))["grids"]
    res = {f"{a}/{s}": grid_is_well_formed(g[f"contrastive_{a}"][s]) for a in "ABC" for s in ("val", "train")}
    return all(r[0] for r in res.values()), "; ".join(f"{k}: {r[1]}" for k, r in res.items())


register(Claim(
    id="q8c", title="Contrastive encoders: nearest neighbours", points=POINTS["q8c"],
    statement="Train one contrastive encoder per augmentation (A, B, C) and visualize nearest neighbours on val.",
    answer=r"\text{See the nearest-neighbour figures of encoders A, B and C (val; train too).}",
    proof=("Each encoder is the homework's network with an l2-normalized output, trained with the loss of (a) "
           "($\\tau = 0.07$, Adam) on pairs of independent augmentations of the same image. Rows: a query "
           "(first column) and its 10 nearest images of the same set by squared $L_2$ distance between "
           "embeddings. Above each neighbour, S/C/L marks the factors it shares with the query (shape, "
           "colour, location cell); (d) turns these pictures into numbers."),
    checks=(_q8c_exact, _q8c_experiment),
    open_answer="figures: the nearest-neighbour grids are drawn from the trained encoders",
    figures=tuple(neighbour_figure(f"q8c_nn_{a.lower()}_{s}", f"contrastive_{a}", s,
                                   f"Contrastive encoder {a}: nearest neighbours of 8 "
                                   f"{'validation' if s == 'val' else 'training'} images (query first).")
                  for s in ("val", "train") for a in "ABC"),
))


# ---------------------------------------------------------------------------
# q8d: the answer, generated from the measurements
# ---------------------------------------------------------------------------

def _consistency(measured: dict, predicted: dict) -> str:
    agree = sum(measured[f] == predicted[f] for f in FACTORS)
    return "yes" if agree == len(FACTORS) else ("no" if agree == 0 else "partly")


def answer_q8d(probes: dict, predicted: dict | None = None) -> dict:
    """Q8d's answer from the measurements: ``{"answer": LaTeX, "short": {...}}``.

    ``short = {"B": {"shape": v, "color": v, "location": v}, "consistent_with_q8b": c}``: v the
    :func:`proofs.measured.verdict` of encoder B's normalized 1-NN accuracy per factor; c
    ``yes`` when all three verdicts equal Q8b's predictions for B (``predicted``, default
    :func:`predictions`), ``no`` when none does, ``partly`` otherwise.
    """
    predicted = predictions() if predicted is None else predicted
    b = probes["contrastive_B"]
    meas = {f: verdict(b[f]["normalized"]) for f in FACTORS}
    pred = predicted["contrastive_B"]
    short = {"B": meas, "consistent_with_q8b": _consistency(meas, pred)}
    parts = ", ".join(f"{FACTOR_WORDS[f]} {meas[f]} ({b[f]['normalized']:.2f})" for f in FACTORS)
    agree = [FACTOR_WORDS[f] for f in FACTORS if meas[f] == pred[f]]
    differ = [f"{FACTOR_WORDS[f]} predicted {pred[f]}, measured {meas[f]}" for f in FACTORS if meas[f] != pred[f]]
    how = "; ".join(([" and ".join(agree) + " as predicted"] if agree else []) + differ)
    answer = (f"\\text{{B: {parts}. Consistent with Q8b: {short['consistent_with_q8b']} -- {how}. "
              f"See (iii) for which factors are easy or hard to learn.}}")
    return {"answer": answer, "short": short}


def _dynamics_sentence(p: dict, enc: str) -> str:
    e = p[enc]
    parts = []
    for f in FACTORS:
        d = factor_dynamics(e["curve"], f)
        if d["moved_at"] is None:
            parts.append(f"{FACTOR_WORDS[f]} did not move ({d['start']:.2f} -> {d['end']:.2f})")
        else:
            parts.append(f"{FACTOR_WORDS[f]} moved {d['direction']} by step {d['moved_at']} "
                         f"({d['images_at']:,} images) and ended at {d['end']:.2f} (from {d['start']:.2f})")
    name = RUN_WORDS[enc][0].upper() + RUN_WORDS[enc][1:]
    return f"{name} ({e['curve'][-1]['step']} steps): " + "; ".join(parts)


def proof_q8d(probes: dict, predicted: dict | None = None) -> str:
    """The argument of Q8d, with the measured numbers and the learning curves' (Markdown)."""
    predicted = predictions() if predicted is None else predicted
    p = probes
    b = p["contrastive_B"]
    rows = {enc: {f: verdict(p[enc][f]["normalized"]) for f in FACTORS} for enc in CONTRASTIVE}
    agreement = []
    for enc in CONTRASTIVE:
        good = [FACTOR_WORDS[f] for f in FACTORS if rows[enc][f] == predicted[enc][f]]
        bad = [f"{FACTOR_WORDS[f]} ({predicted[enc][f]} predicted, {rows[enc][f]} measured, "
               f"{p[enc][f]['normalized']:.2f})" for f in FACTORS if rows[enc][f] != predicted[enc][f]]
        agreement.append(f"{RUN_WORDS[enc]}: " + (", ".join(good) + " as predicted" if good else "nothing as predicted")
                         + ("; not " + ", ".join(bad) if bad else ""))
    ok_all, trained_lines = all_trained(p)
    trained_text = ("Every encoder trained: " if ok_all else "**Not every encoder trained** (failed evidence): ") \
        + "; ".join(trained_lines) + "."
    moves = {f: factor_dynamics(p["contrastive_B"]["curve"], f) for f in FACTORS}
    moved = sorted((d["moved_at"], f) for f, d in moves.items() if d["moved_at"] is not None)
    still = [FACTOR_WORDS[f] for f in FACTORS if moves[f]["moved_at"] is None]
    order_b = ", then ".join(f"{FACTOR_WORDS[f]} (step {s})" for s, f in moved)
    summary_b = (f"For B, {order_b} moved" if moved else "For B, no factor moved") + (
        f"; {' and '.join(still)} stayed near the untrained level" if still else "") + ". "
    curve = p["contrastive_B"]["curve"]
    return (f"**Measured** ({b['profile']} profile, seed {b['seed']}): per-factor 1-NN accuracy of validation "
            "queries against the training images, normalized so that 0 is chance and 1 is perfect, for the "
            "untrained encoder, the autoencoder and encoders A, B and C (figure; the full table, with a linear "
            f"probe beside each entry, is in the evidence). {THRESHOLDS_TEXT} {trained_text}\n\n"
            f"**(i) B.** Shape {b['shape']['normalized']:.2f} ({rows['contrastive_B']['shape']}), colour "
            f"{b['color']['normalized']:.2f} ({rows['contrastive_B']['color']}), location "
            f"{b['location']['normalized']:.2f} ({rows['contrastive_B']['location']}); a linear probe reads shape, "
            f"colour and location at {b['shape']['linear_acc']:.2f}, {b['color']['linear_acc']:.2f} and "
            f"{b['location']['linear_acc']:.2f} accuracy (chance {b['shape']['chance']:.2f}, "
            f"{b['color']['chance']:.2f}, {b['location']['chance']:.2f}).\n\n"
            "**(ii) Against Q8b.** " + "; ".join(agreement) + ".\n\n"
            "**(iii) Easy and hard factors: the learning curves** (figure: normalized 1-NN accuracy against the "
            f"training step, on a fixed subset of {curve[0].get('gallery', 'the')} training images as gallery and "
            f"{curve[0].get('queries', 'some')} validation queries -- a smaller gallery than the table's, so lower "
            "values -- with the untrained level dashed; a factor has moved once it is 0.1 away from that level). "
            + ". ".join(_dynamics_sentence(p, enc) for enc in ("autoencoder",) + CONTRASTIVE) + ". " + summary_b +
            "Why: invariance has to be *learned*. The untrained convolutional network already separates images "
            "by what moves many pixels (its step-0 levels), so an encoder becomes invariant to a factor only by "
            "actively discarding it, and sensitive to one it does not yet see only by building features for it. "
            "Colour lives in the first layer's per-pixel channel mix: merging all hues (A) or keeping them apart "
            "(B, C) is a simple function, learned first. Location is carried through every layer of a "
            "translation-equivariant network and is pooled away only slowly, and the loss only asks the "
            "encoder to tell the batch's images apart: a factor that helps with that and is not contradicted "
            "by the positive pairs is kept. Shape is the hardest to learn: at 64x64 a triangle, a circle and a "
            "square of the same size differ in a few boundary pixels, and C's shears and perspective warps "
            "deform them too, so the network picks the easy, high-contrast cues (colour, position) first.")


def q8d_wrong_answers(short: dict) -> list[dict]:
    """Each of B's verdicts flipped (``partly`` counts as sensitive), and the agreement flipped."""
    out = [{**short, "B": {**short["B"], f: flip_verdict(short["B"][f])}} for f in FACTORS]
    other = {"yes": "no", "no": "yes", "partly": "yes"}
    return out + [{**short, "consistent_with_q8b": other[short["consistent_with_q8b"]]}]


def _q8d_measured(ctx) -> dict:
    p = probes(ctx)
    return dict(answer_q8d(p), proof=proof_q8d(p))


@check("experiment", "the stated answer is the one encoder B's measurements and Q8b's predictions give")
def _q8d_answer(ctx, claim):
    p = probes(ctx)
    want = answer_q8d(p)["short"]
    b = p["contrastive_B"]
    nums = ", ".join(f"{FACTOR_WORDS[f]} {b[f]['normalized']:.3f} -> {verdict(b[f]['normalized'])}" for f in FACTORS)
    return claim.short == want, (f"B, normalized 1-NN: {nums}; Q8b predicts {predictions()['contrastive_B']}; "
                                 f"stated {claim.short}; measured answer {want}")


@check("experiment", "every encoder trained: its numbers are a result")
def _q8d_trained(ctx):
    ok, lines = all_trained(probes(ctx))
    return ok, "; ".join(lines)


@check("exact", "the table is complete and consistent, with every learning curve; its rows for B give the "
                "stated verdicts and agreement with Q8b")
def _q8d_table(ctx, claim):
    p = probes(ctx)
    ok, detail = table_complete(p)
    rows = comparison_table(p)
    b_rows = [r for r in rows if r["encoder"] == "contrastive_B"]
    verdicts = {r["factor"]: r["measured"] for r in b_rows}
    agree = sum(bool(r["agrees"]) for r in b_rows)
    consistent = {len(b_rows): "yes", 0: "no"}.get(agree, "partly")
    stated = claim.short if isinstance(claim.short, dict) else {}
    same = stated.get("B") == verdicts and stated.get("consistent_with_q8b") == consistent
    ok &= same
    detail += (f"; B's rows: {verdicts}, {agree} of {len(b_rows)} as Q8b predicts ({consistent}); stated "
               f"{stated.get('B')}, consistent {stated.get('consistent_with_q8b')!r}")
    align = "; ".join(f"{e}: " + ", ".join(f"{k} {v:.3f}" for k, v in p[e]["alignment"].items())
                      for e in ("autoencoder",) + CONTRASTIVE)
    return ok, (detail + "\nalignment E||f(x)-f(x+)||^2 under augmentation A, B, C (0 = invariant): " + align
                + "\n" + table_text(rows))


register(Claim(
    id="q8d", title="Contrastive encoders: theory against measurement", points=POINTS["q8d"],
    statement=("For augmentation B, is the encoder sensitive to shape, colour, location? Are the neighbours "
               "consistent with Q8b; if not, which factors are easier or harder to learn, and why?"),
    answer="", short=None, proof="", measured=_q8d_measured, alternatives=q8d_wrong_answers,
    checks=(_q8d_answer, _q8d_trained, _q8d_table),
    figures=(sensitivity_figure("q8d_sensitivity", ("random_init", "autoencoder") + CONTRASTIVE,
                                "Predicted against measured sensitivity: normalized 1-NN accuracy per encoder and "
                                "factor (0 = chance, 1 = the nearest neighbour always shares it); hatched bars were "
                                "predicted invariant by Q8b.", predictions=predictions),
             learning_curve_figure("q8d_learning_curves",
                                   "Learning curves: normalized 1-NN accuracy of each factor during training (val "
                                   "queries against a train gallery), the untrained level dashed, the loss dotted.")),
))
