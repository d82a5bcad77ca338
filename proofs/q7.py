"""Question 7: the autoencoder.  (b) the loss, (c) nearest neighbours, (d) what they show.
(a) is in :mod:`proofs.q7a`."""

from __future__ import annotations

import numpy as np

from figures.neighbours import neighbour_figure, sensitivity_figure

from .checks import code_tex, hypothesis_holds, run_stated_code
from .measured import (
    FACTOR_WORDS,
    FACTORS,
    THRESHOLDS_TEXT,
    flip_verdict,
    grid_is_well_formed,
    nn_reference_check,
    probes,
    table_complete,
    trained,
    verdict,
)
from .order import POINTS
from .registry import Claim, check, register


def ae_measurements(ctx) -> dict:
    """Measurements of the trained autoencoder for Q7a (cached as results/q7_autoencoder.json)."""
    from numerics.shapes.experiment import autoencoder_measurements

    probes(ctx)  # trains (or loads) every encoder first, in parallel
    return ctx.cached("q7_autoencoder", lambda: autoencoder_measurements(ctx.results_dir, ctx.profile, ctx.seed,
                                                                         n_codes=1000, data=getattr(ctx, "data", None)))


# ---------------------------------------------------------------------------
# q7b: the loss
# ---------------------------------------------------------------------------

def _nested_mse(rec: np.ndarray, x: np.ndarray) -> float:
    total = 0.0
    for i in range(x.shape[0]):
        s = 0.0
        for c in range(x.shape[1]):
            for r in range(x.shape[2]):
                for q in range(x.shape[3]):
                    s += (float(rec[i, c, r, q]) - float(x[i, c, r, q])) ** 2
        total += s / (x.shape[1] * x.shape[2] * x.shape[3])
    return total / x.shape[0]


@check("property", "hypothesis: reconstruction_loss equals the nested-loop mean of per-image MSE")
def _q7b_property(ctx):
    import torch
    from hypothesis import strategies as st

    from numerics.shapes.train import reconstruction_loss

    def prop(seed, b, h):
        g = torch.Generator().manual_seed(seed)
        rec = torch.randn(b, 3, h, h, generator=g, dtype=torch.float64)
        x = torch.randn(b, 3, h, h, generator=g, dtype=torch.float64)
        got = float(reconstruction_loss(rec, x))
        ref = _nested_mse(rec.numpy(), x.numpy())
        assert abs(got - ref) <= 1e-12 * (1 + ref), (got, ref)

    return hypothesis_holds(prop, [st.integers(0, 2**31 - 1), st.integers(1, 4), st.integers(1, 6)],
                            max_examples=60, name="MSE vs nested loops")


Q7B_SHORT = "loss = ((decoder(encoder(x)) - x) ** 2).mean()"


@check("exact", "the stated code, executed on random batches: its value is the nested-loop Eq. (12) and its "
                "gradient 2 (g(f(x)) - x) / n")
def _q7b_stated(ctx, claim):
    import torch

    worst_v = worst_g = 0.0
    for seed, (b, h) in enumerate([(1, 2), (3, 4), (5, 3)], start=ctx.seed):
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(b, 3, h, h, generator=g, dtype=torch.float64)
        rec = torch.randn(b, 3, h, h, generator=g, dtype=torch.float64, requires_grad=True)
        code = object()  # f(x): the decoder returns rec for it, and for nothing else

        def encoder(t, x=x, code=code):
            if t is not x:
                raise ValueError("encoder called on something other than the batch x")
            return code

        def decoder(z, code=code, rec=rec):
            if z is not code:
                raise ValueError("decoder called on something other than encoder(x)")
            return rec

        loss = run_stated_code(claim.short, {"x": x, "encoder": encoder, "decoder": decoder, "torch": torch})["loss"]
        (grad,) = torch.autograd.grad(loss, rec)
        ref = _nested_mse(rec.detach().numpy(), x.numpy())
        worst_v = max(worst_v, abs(float(loss.detach()) - ref) / (1 + ref))
        worst_g = max(worst_g, float((grad - 2 * (rec - x).detach() / x.numel()).abs().max()))
    same_box = claim.answer == code_tex(claim.short)
    ok = worst_v <= 1e-12 and worst_g <= 1e-12 and same_box
    return ok, (f"stated: {claim.short!r}; max relative |value - nested loop| = {worst_v:.1e}, max |grad - "
                f"2(rec - x)/n| = {worst_g:.1e} on batches (1,3,2,2), (3,3,4,4), (5,3,3,3) (tolerance 1e-12); "
                f"the boxed answer is this code: {same_box}")


@check("experiment", "the training loss is the stated code, and training with it drives the reconstruction error down")
def _q7b_experiment(ctx, claim):
    import torch

    from numerics.shapes.train import reconstruction_loss

    # the training loss is the stated code: equal on a random batch, so its training is the stated loss's
    g = torch.Generator().manual_seed(ctx.seed)
    x, rec = torch.randn(2, 4, 3, 8, 8, generator=g, dtype=torch.float64)
    stated = run_stated_code(claim.short, {"x": x, "encoder": lambda t: t, "decoder": lambda z: rec, "torch": torch})
    same = abs(float(stated["loss"]) - float(reconstruction_loss(rec, x))) <= 1e-12
    p = probes(ctx)["autoencoder"]
    ok, detail = trained("autoencoder", p)
    return ok and same, (f"the training loss equals the stated code on a random batch: {same}; {detail}; "
                         f"{p['profile']} profile, {p['steps']} steps: epoch-mean MSE "
                         + " -> ".join(f"{v:.4f}" for v in p["epoch_losses"]))


register(Claim(
    id="q7b", title="Autoencoder loss", points=POINTS["q7b"],
    statement="Implement the MSE reconstruction loss of Eq. (12) in `train_autoencoder`.",
    answer=code_tex(Q7B_SHORT),
    short=Q7B_SHORT,
    alternatives=("loss = (decoder(encoder(x)) - x).mean()", "loss = (decoder(encoder(x)) - x).abs().mean()",
                  "loss = ((decoder(encoder(x)) - x) ** 2).sum()", "loss = ((decoder(encoder(x)) - x) ** 2).mean() ** 0.5",
                  "loss = ((decoder(encoder(x)) - x) ** 2).mean() / 2"),
    proof=("With $x$ the normalized batch $(B, 3, 64, 64)$:\n\n"
           "- `z = encoder(x)` -- $f(x)$, shape $(B, d)$;\n"
           "- `x_hat = decoder(z)` -- $g(f(x))$, shape $(B, 3, 64, 64)$;\n"
           "- `loss = ((x_hat - x) ** 2).mean()`.\n\n"
           "Every image has the same number of entries, so the mean over all entries equals "
           "$\\frac1B\\sum_i \\mathrm{MSE}(g(f(x_i)), x_i)$, the batch estimate of Eq. (12). The project's "
           "`numerics.shapes.train.reconstruction_loss` is this line; it is checked against a literal "
           "nested loop and used to train the autoencoder of (c)."),
    checks=(_q7b_stated, _q7b_property, _q7b_experiment),
))


# ---------------------------------------------------------------------------
# q7c, q7d: neighbours and what they show
# ---------------------------------------------------------------------------

@check("exact", "nn_grid equals a nested-loop nearest-neighbour search")
def _q7c_exact(ctx):
    return nn_reference_check(ctx.seed)


@check("experiment", "autoencoder grids on train and val: 8 queries, each followed by its 10 nearest")
def _q7c_experiment(ctx):
    from numerics.shapes.experiment import grids

    probes(ctx)
    g = grids(ctx.results_dir, ctx.profile, ctx.seed, data=getattr(ctx, "data", None))["grids"]["autoencoder"]
    res = [grid_is_well_formed(g[s]) for s in ("train", "val")]
    return all(r[0] for r in res), "train: " + res[0][1] + "; val: " + res[1][1]


register(Claim(
    id="q7c", title="Autoencoder: nearest neighbours", points=POINTS["q7c"],
    statement="Train the autoencoder and visualize nearest neighbours of training and validation images.",
    answer=r"\text{See the two nearest-neighbour figures (train, val).}",
    proof=("The encoder and decoder are the homework's (six stride-2 convolutions to $d = 128$ and their "
           "mirror), trained with the loss of (b) and Adam (lr $2\\cdot 10^{-4}$, batch 256, 30 epochs in the "
           "full profile; lr $10^{-3}$, batch 64, 2 epochs of 4,000 images in the fast one). Each figure row is "
           "one query (first column) followed by its 10 nearest images of the same set by squared $L_2$ distance "
           "between codes, as `nn_visualize` does; above each neighbour, S/C/L marks the factors it shares with "
           "the query."),
    checks=(_q7c_exact, _q7c_experiment),
    open_answer="figures: the nearest-neighbour grids are drawn from the trained autoencoder",
    figures=(neighbour_figure("q7c_nn_ae_train", "autoencoder", "train",
                              "Autoencoder: nearest neighbours of 8 training images (query first)."),
             neighbour_figure("q7c_nn_ae_val", "autoencoder", "val",
                              "Autoencoder: nearest neighbours of 8 validation images (query first).")),
))


_GROUPING = {"yes": "meaningful", "partly": "partly meaningful", "no": "not meaningful"}


def _meaningful(verdicts: dict) -> str:
    """``yes`` when neighbours share some factor (sensitive), ``partly`` when one only partly."""
    if "sensitive" in verdicts.values():
        return "yes"
    return "partly" if "partly" in verdicts.values() else "no"


def _factor_list(values: dict, verdicts: dict) -> str:
    order = sorted(FACTORS, key=lambda f: -values[f])
    words = {"sensitive": "shared", "partly": "partly shared", "invariant": "not shared"}
    return "; ".join(f"{FACTOR_WORDS[f]} {words[verdicts[f]]} ({values[f]:.2f})" for f in order)


def answer_q7d(probes: dict) -> dict:
    """Q7d's answer from the measurements: ``{"answer": LaTeX, "short": {...}}``.

    ``short``: ``{"train": {factor: verdict}, "val": {factor: verdict}, "meaningful_train": v,
    "meaningful_val": v}`` with verdicts from :func:`proofs.measured.verdict` on the autoencoder's
    normalized 1-NN accuracy (leave-one-out within train; val queries against train), and v
    ``yes`` (some factor shared), ``partly`` or ``no``.
    """
    ae = probes["autoencoder"]
    vals = {"train": {f: ae[f]["train_normalized"] for f in FACTORS}, "val": {f: ae[f]["normalized"] for f in FACTORS}}
    verd = {s: {f: verdict(v) for f, v in vals[s].items()} for s in vals}
    short = {"train": verd["train"], "val": verd["val"], "meaningful_train": _meaningful(verd["train"]),
             "meaningful_val": _meaningful(verd["val"])}
    answer = (f"\\text{{Train: {_GROUPING[short['meaningful_train']]} -- {_factor_list(vals['train'], verd['train'])}. "
              f"Val: {_GROUPING[short['meaningful_val']]} -- {_factor_list(vals['val'], verd['val'])}. "
              "Grouping comes from the smooth network and the pixel loss, not from Eq. (12).}")
    return {"answer": answer, "short": short}


def _proof_q7d(p: dict) -> str:
    ae, r0 = p["autoencoder"], p["random_init"]
    row = lambda e, key: ", ".join(f"{FACTOR_WORDS[f]} {e[f][key]:.2f}" for f in FACTORS)  # noqa: E731
    lin = ", ".join(f"{FACTOR_WORDS[f]} {ae[f]['linear_acc']:.2f} (chance {ae[f]['chance']:.2f})" for f in FACTORS)
    return (f"**Measured** ({ae['profile']} profile, seed {ae['seed']}). {THRESHOLDS_TEXT} The autoencoder's "
            f"neighbours, leave-one-out within the training images: {row(ae, 'train_normalized')}; validation "
            f"queries against the training images: {row(ae, 'normalized')}. A linear probe on the code reads "
            f"{lin}: what the code contains is more than what dominates distances between codes. The untrained "
            f"encoder (the same network at initialization) gives {row(r0, 'normalized')} on validation.\n\n"
            "**Why there is grouping, although Eq. (12) does not ask for it.** (1) The encoder is a continuous "
            "convolutional network: images that differ in few pixels get nearby codes, so an untrained network "
            "already groups images by whatever moves many pixels (the untrained row above). (2) The decoder is one "
            "continuous map shared by all images, so gradient descent places images with similar pixels at "
            "similar codes -- the cheapest way to reconstruct them all with one smooth $g$. (3) MSE weighs what "
            "moves many pixels: where the blob is dominates the error, while the hue of a small shape and its "
            "exact outline (triangle, circle or square differ in a few boundary pixels) weigh little. Which "
            "factors end up shared is the measurement above, on train and val alike when the two rows agree "
            "(the grouping generalizes).\n\n"
            "**Encouraging grouping.** Put it in the objective: a contrastive loss with augmentations (Q8), noise "
            "or a prior on the code (denoising / variational autoencoders), or a penalty on the Jacobian of $f$ "
            "(contractive autoencoders).")


def q7d_wrong_answers(short: dict) -> list[dict]:
    """Each val verdict flipped, and each 'meaningful' reading flipped."""
    out = [{**short, "val": {**short["val"], f: flip_verdict(short["val"][f])}} for f in FACTORS]
    other = {"yes": "no", "partly": "no", "no": "yes"}
    out += [{**short, k: other[short[k]]} for k in ("meaningful_train", "meaningful_val")]
    return out


def _q7d_measured(ctx) -> dict:
    p = probes(ctx)
    return dict(answer_q7d(p), proof=_proof_q7d(p))


@check("experiment", "the stated answer is the one the autoencoder's measurements give")
def _q7d_answer(ctx, claim):
    p = probes(ctx)
    want = answer_q7d(p)["short"]
    ae = p["autoencoder"]
    nums = "; ".join(f"{s}: " + ", ".join(f"{FACTOR_WORDS[f]} {ae[f][k]:.3f} -> {verdict(ae[f][k])}" for f in FACTORS)
                     for s, k in (("train", "train_normalized"), ("val", "normalized")))
    return claim.short == want, f"measured {nums}; stated {claim.short}; measured answer {want}"


@check("experiment", "the autoencoder trained (its numbers are a result)")
def _q7d_trained(ctx):
    return trained("autoencoder", probes(ctx)["autoencoder"])


@check("exact", "the measured table is complete and consistent (normalized = (acc - chance)/(1 - chance)), "
                "and its val row gives the stated per-factor verdicts")
def _q7d_table(ctx, claim):
    p = probes(ctx)
    ok, detail = table_complete(p)
    ae = p["autoencoder"]
    # the verdicts again, from the raw accuracies and chance levels, not from the normalized entries
    row = {f: verdict((ae[f]["knn_acc"] - ae[f]["chance"]) / (1 - ae[f]["chance"])) for f in FACTORS}
    same = isinstance(claim.short, dict) and claim.short.get("val") == row
    return ok and same, f"{detail}; val verdicts from the raw accuracies {row}; stated {(claim.short or {}).get('val')}"


register(Claim(
    id="q7d", title="Autoencoder: what the neighbours show", points=POINTS["q7d"],
    statement=("Is the representation meaningful on train and val, are similar samples grouped, and why "
               "(or how to encourage grouping)?"),
    answer="", short=None, proof="", measured=_q7d_measured, alternatives=q7d_wrong_answers,
    checks=(_q7d_answer, _q7d_trained, _q7d_table),
    figures=(sensitivity_figure("q7d_sensitivity", ("random_init", "autoencoder"),
                                "Autoencoder vs untrained encoder: normalized 1-NN accuracy per factor "
                                "(0 = chance)."),),
))
