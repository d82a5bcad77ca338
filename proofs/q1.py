"""Question 1: augmentations and image contrastive learning."""

from __future__ import annotations

import math

from numerics import instance_discrimination as inst

from .order import POINTS
from .registry import Claim, check, register

SHORT = {"N": "K", "p_i": "p_aug(. | img_i)"}

#: How a stated N reads for K images, and which image each group's p_i augments.
READ_N = {"K": lambda K: K, "1": lambda K: 1, "2K": lambda K: 2 * K, "K-1": lambda K: K - 1}
READ_P = {"p_aug(. | img_i)": lambda i: i, "p_aug(. | img_1)": lambda i: 0}


def boxed(short: dict) -> str:
    """The boxed answer, rendered from the stated N and p_i."""
    n = short["N"]
    img = {"p_aug(. | img_i)": "i", "p_aug(. | img_1)": "1"}.get(short["p_i"], "?")
    return rf"N = {n},\qquad p_i = p_{{\mathrm{{aug}}}}(\cdot \mid \mathrm{{img}}_{img}),\quad i = 1, \dots, {n}"


@check("exact", "the stated N and p_i, put into Eq. (1), give the expected batch loss (enumeration)")
def _exact(ctx, claim):
    n_text, p_text = claim.short.get("N"), claim.short.get("p_i")
    if n_text not in READ_N or p_text not in READ_P:
        return False, f"cannot read N = {n_text!r}, p_i = {p_text!r}; known forms: {list(READ_N)}, {list(READ_P)}"
    K = 4
    images = inst.toy_images(K, 6, seed=ctx.seed)
    views = inst.finite_views(images, inst.random_encoder(6, 5, seed=ctx.seed), M=3)
    N = READ_N[n_text](K)
    image_of = [READ_P[p_text](i) for i in range(N)]
    if max(image_of) >= K:
        return False, f"N = {n_text} = {N} groups but only K = {K} images: p_i is undefined for i > K"
    a, b = inst.eq1_exact(views[image_of]), inst.batch_exact(views)
    same_box = claim.answer == boxed(claim.short)
    return abs(a - b) <= 1e-12 and same_box, (f"boxed answer rendered from the stated one: {same_box}; "
                                              f"K = 4 toy images, 3 equally likely augmentations each; stated N = {n_text}, "
                                 f"p_i = {p_text}: Eq. (1) by enumeration = {a:.15f}, expected two-view batch "
                                 f"loss = {b:.15f}, |diff| = {abs(a - b):.1e} (tolerance 1e-12)")


@check("experiment", "Monte-Carlo Eq. (1) against instance discrimination on augmented batches")
def _monte_carlo(ctx):
    n = ctx.setting("q1_draws")
    images = inst.toy_images(6, 6, seed=ctx.seed)
    f = inst.random_encoder(6, 8, seed=ctx.seed)
    (m1, s1), (m2, s2) = (inst.eq1_monte_carlo(images, f, inst.augment, n, seed=ctx.seed),
                          inst.batch_instance_discrimination(images, f, inst.augment, n, seed=ctx.seed + 1))
    z = abs(m1 - m2) / math.hypot(s1, s2)
    # Control: pairing each x_i with views of another image (p_i = p_aug(.|img_{i+1})) must be
    # told apart by the same test, or the agreement above would mean nothing.
    m3, s3 = inst.eq1_monte_carlo(images, f, inst.augment, n // 4, seed=ctx.seed + 2,
                                  y_images=images[[*range(1, len(images)), 0]])
    z_wrong = abs(m3 - m2) / math.hypot(s3, s2)
    return z < 4 and z_wrong > 4, (f"K = 6 toy images, random shift + brightness + noise, fixed random encoder to S^7, "
                   f"{n} draws each: Eq. (1) MC = {m1:.4f} ± {s1:.4f}, batch instance discrimination = "
                   f"{m2:.4f} ± {s2:.4f}, |diff| = {z:.2f} standard errors (< 4 required); control with "
                   f"p_i = p_aug(.|img_(i+1)): {m3:.4f}, {z_wrong:.0f} standard errors away (> 4 required)")


register(Claim(
    id="q1",
    title="Augmentations and image contrastive learning",
    points=POINTS["q1"],
    statement=("For an image data set $\\{\\mathrm{img}_i\\}_{i=1}^K$ with augmentation distribution "
               "$p_{\\mathrm{aug}}(\\cdot\\mid\\mathrm{img})$, give $N$ and $\\{p_i\\}_i$ that cast image "
               "contrastive learning as Eq. (1)."),
    answer=boxed(SHORT),
    short=dict(SHORT),
    alternatives=({**SHORT, "N": "1"}, {**SHORT, "N": "K-1"}, {**SHORT, "N": "2K"},
                  {**SHORT, "p_i": "p_aug(. | img_1)"}),
    proof=(
        "Each image defines its own similarity group: two augmentations of the same image form a positive "
        "pair, and augmentations of different images are negatives. So there is one group per image, "
        "$N = K$, and the group's distribution is the distribution of augmented versions of that image, "
        "$p_i = p_{\\mathrm{aug}}(\\cdot\\mid\\mathrm{img}_i)$. Drawing $x_i \\sim p_i$ and $y_i \\sim p_i$ "
        "gives two independent augmentations of $\\mathrm{img}_i$ (the positive pair), and $y_j \\sim p_j$ "
        "for $j \\ne i$ gives one augmentation of every other image (the negatives). This is instance "
        "discrimination: classify which of the $K$ images the view $x_i$ came from.\n\n"
        "The checks confirm that Eq. (1) under this choice is the loss that training code computes from "
        "two augmented views of a batch of all $K$ images: exactly, by enumerating a finite augmentation, "
        "and within sampling error for a continuous one. (Expectation is linear, and the batch's second "
        "views are independent draws $y_j \\sim p_j$, so sharing them across rows changes nothing in "
        "expectation.)"),
    checks=(_exact, _monte_carlo),
))
