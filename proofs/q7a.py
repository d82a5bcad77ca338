"""Question 7a: what a perfect autoencoder must, and need not, do.  Witnesses are zero-loss
lookup-table autoencoders on rendered shapes (:mod:`numerics.autoencoder_witness`)."""

from __future__ import annotations

import numpy as np

from numerics.autoencoder_witness import (
    BLUE,
    N_FRESH,
    N_TRAIN,
    RED,
    universe,
    witnesses,
)

from .checks import hypothesis_holds, z3_proves
from .order import POINTS, YES_NO_MAYBE
from .q7 import ae_measurements
from .registry import Claim, check, register

# ---------------------------------------------------------------------------
# q7a: perfect lookup-table autoencoders on a finite universe
# ---------------------------------------------------------------------------

def _all_perfect() -> tuple[bool, str]:
    from numerics.autoencoder_witness import ae_loss

    images = universe()[0]
    losses = {n: ae_loss(w, images, N_TRAIN) for n, w in witnesses().items()}
    return all(v == 0.0 for v in losses.values()), "Eq. (12) loss of every witness: " + ", ".join(
        f"{n} {v:g}" for n, v in losses.items())


def _z3_premises(n: int):
    import z3

    X, Z = z3.DeclareSort("Image"), z3.DeclareSort("Code")
    f = z3.Function("f", X, Z)
    g = z3.Function("g", Z, X)
    xs = [z3.Const(f"x{i}", X) for i in range(n)]
    prem = z3.And(z3.Distinct(*xs), *[g(f(x)) == x for x in xs])
    return z3, X, Z, f, g, xs, prem


@check("smt", "z3: g(f(x_i)) = x_i and distinct x_i imply that idx(g(.)) recovers i, N = 2..8",
       rejects=("No", "Maybe"))
def _q7ai_smt(ctx):
    out = []
    for n in range(2, 9):
        z3, X, Z, f, g, xs, prem = _z3_premises(n)
        idx = z3.Function("idx", X, z3.IntSort())  # any labelling of images; the premises fix idx(x_i) = i
        label = z3.And(*[idx(x) == i for i, x in enumerate(xs)])
        ok, msg = z3_proves(z3.Implies(z3.And(prem, label),
                                       z3.And(z3.Distinct(*[f(x) for x in xs]),
                                              *[idx(g(f(x))) == i for i, x in enumerate(xs)])), f"N={n}")
        if not ok:
            return False, msg
        out.append(n)
    return True, f"z3 proved f injective on D_train and h = idx o g decides i, for N = {out[0]}..{out[-1]}"


@check("exact", "every witness is perfect, and h = index-of(g(z)) returns i for every training image",
       rejects=("No",))
def _q7ai_exact(ctx):
    ok, detail = _all_perfect()
    images = universe()[0]
    hits = {}
    for name, w in witnesses().items():
        rec = [w.g(w.f(i), images[i]) for i in range(N_TRAIN)]
        h = [next(j for j in range(N_TRAIN) if np.array_equal(images[j], r)) for r in rec]
        hits[name] = sum(int(h[i] == i) for i in range(N_TRAIN))
    ok &= all(v == N_TRAIN for v in hits.values())
    # A pair in which two training images share a code cannot be perfect.
    from numerics.autoencoder_witness import perfect_autoencoder

    codes = np.eye(len(images))
    codes[1] = codes[0]
    try:
        perfect_autoencoder(images, N_TRAIN, codes)
        ok = False
        shared = "a shared code was accepted"
    except ValueError:
        shared = "a table with a shared training code is refused (no perfect decoder exists)"
    return ok, f"{detail}; index recovered for {hits} of {N_TRAIN}; {shared}"


@check("experiment", "trained autoencoder: codes of distinct training images are distinct", rejects=("No",))
def _q7ai_experiment(ctx):
    m = ae_measurements(ctx)
    ok = m["min_code_dist"] > 0 and m["self_retrieval"] == 1.0
    return ok, (f"{m['n_codes']} training codes: smallest distance between two {m['min_code_dist']:.4f} > 0; "
                f"each image's nearest training code is its own for {100 * m['self_retrieval']:.1f}%")


@check("smt", "z3: g(f(x_i)) = x_i implies colour(g(f(x_i))) = colour(x_i), N = 2..8", rejects=("No", "Maybe"))
def _q7aii_smt(ctx):
    for n in range(2, 9):
        z3, X, Z, f, g, xs, prem = _z3_premises(n)
        colour = z3.Function("colour", X, z3.IntSort())
        ok, msg = z3_proves(z3.Implies(prem, z3.And(*[colour(g(f(x))) == colour(x) for x in xs])), f"N={n}")
        if not ok:
            return False, msg
    return True, "z3 proved h = colour o g decides the colour on D_train for N = 2..8"


@check("exact", "witnesses: colour(g(f(x_i))) = colour(x_i) for every training image", rejects=("No",))
def _q7aii_exact(ctx):
    ok, detail = _all_perfect()
    images, colours, _, masks = universe()
    from numerics.autoencoder_witness import decides

    res = {}
    for name, w in witnesses().items():
        rec = [w.g(w.f(i), images[i]) for i in range(N_TRAIN)]
        # colour of an image: the RGB of its foreground pixels
        got = [tuple(np.round(r[:, masks[i]].mean(1), 6)) for i, r in enumerate(rec)]
        want = [tuple(np.round(images[i][:, masks[i]].mean(1), 6)) for i in range(N_TRAIN)]
        res[name] = sum(int(a == b) for a, b in zip(got, want))
        ok &= decides(w.codes, colours, range(N_TRAIN))
    ok &= all(v == N_TRAIN for v in res.values())
    return ok, f"{detail}; colour of g(f(x_i)) correct for {res} of {N_TRAIN}"


def _eq13_witness():
    from numerics.autoencoder_witness import eq13_holds, red_red_blue_triples

    _, colours, _, _ = universe()
    w = witnesses()
    triples = red_red_blue_triples(colours, N_TRAIN, RED, BLUE)
    frac = {n: float(np.mean([eq13_holds(w[n].codes, *t) for t in triples]))
            for n in ("colour_clusters", "colour_scrambled", "index")}
    return triples, frac


@check("counterexample", "one perfect pair satisfies Eq. (13) on a red-red-blue triple, another violates it",
       rejects=("Yes", "No"))
def _q7aiii_counter(ctx):
    from numerics.autoencoder_witness import eq13_holds

    ok, detail = _all_perfect()
    triples, _ = _eq13_witness()
    w = witnesses()
    t_yes = next(t for t in triples if eq13_holds(w["colour_clusters"].codes, *t))
    t_no = next(t for t in triples if not eq13_holds(w["colour_scrambled"].codes, *t))
    c = w["colour_scrambled"].codes
    return ok and t_yes is not None and t_no is not None, (
        f"{detail}; colour_clusters: Eq. (13) holds on (x, y, z) = {t_yes}; colour_scrambled: fails on "
        f"{t_no} (||f(x)-f(y)|| = {np.linalg.norm(c[t_no[0]] - c[t_no[1]]):.3f} >= ||f(x)-f(z)|| = "
        f"{np.linalg.norm(c[t_no[0]] - c[t_no[2]]):.3f})")


@check("exact", "all red-red-blue triples: fraction with Eq. (13) under each witness", rejects=("Yes", "No"))
def _q7aiii_exact(ctx):
    triples, frac = _eq13_witness()
    ok = frac["colour_clusters"] == 1.0 and frac["colour_scrambled"] < 1.0 and 0 < len(triples)
    return ok, f"{len(triples)} triples; Eq. (13) holds for fractions {frac}"


def _fresh():
    return list(range(N_TRAIN, N_TRAIN + N_FRESH))


@check("counterexample", "two perfect pairs: f decides the colour of fresh images in one, not in the other",
       rejects=("Yes", "No"))
def _q7aiv_counter(ctx):
    from numerics.autoencoder_witness import decides

    ok, detail = _all_perfect()
    _, colours, _, _ = universe()
    w = witnesses()
    yes = decides(w["index"].codes, colours, _fresh())
    no = decides(w["fresh_collapsed"].codes, colours, _fresh())
    fresh_colours = sorted(set(colours[_fresh()].tolist()))
    return ok and yes and not no, (f"{detail}; fresh images (colours {fresh_colours}): colour is a function of f "
                                   f"under 'index': {yes}; under 'fresh_collapsed' (one code, several colours): {no}")


@check("exact", "probability 1: a random draw is a training image only on a measure-zero set")
def _q7aiv_exact(ctx):
    # The location is continuous: P(x in D_train) = P(centre equals one of N training centres) = 0.
    # Exactly: the renderer's centres are float32 draws; count collisions among many fresh draws.
    import torch

    from numerics.shapes.render import sample_factors

    f = sample_factors(20000, generator=torch.Generator().manual_seed(ctx.seed + 3))
    pairs = set(zip(f["x"].tolist(), f["y"].tolist()))
    return len(pairs) > 19990, (f"{len(pairs)} distinct centres among 20000 draws: a fresh x is (almost surely) "
                                "not in D_train, where f* is unconstrained")


@check("counterexample", "two perfect pairs: the 1-NN colour rule is right on every fresh image in one, wrong on "
                         "every one in the other", rejects=("Yes", "No"))
def _q7av_counter(ctx):
    from numerics.autoencoder_witness import nn_colour_rule

    ok, detail = _all_perfect()
    _, colours, _, _ = universe()
    w = witnesses()
    acc = {n: float(np.mean(nn_colour_rule(w[n].codes, colours, N_TRAIN, _fresh()) == colours[_fresh()]))
           for n in ("fresh_near_same", "fresh_near_other")}
    return ok and acc["fresh_near_same"] == 1.0 and acc["fresh_near_other"] == 0.0, (
        f"{detail}; 1-NN colour accuracy on {N_FRESH} fresh images: {acc}")


@check("exact", "rendered data: every background pixel is black, so h = 'black' decides it", rejects=("No",))
def _q7avi_exact(ctx):
    from numerics.shapes.render import make_dataset, shape_masks

    images, factors = make_dataset(3000, ctx.seed + 11)
    bg = ~shape_masks(factors)
    vals = images.permute(1, 0, 2, 3)[:, bg]
    n_bad = int((vals != 0).any(0).sum())
    # and the constant rule is right for every witness, including the adversarial ones
    u_images, _, _, u_masks = universe()
    rule_ok = all(np.all(u_images[k][:, ~u_masks[k]] == 0) for k in range(len(u_images)))
    return n_bad == 0 and rule_ok, (f"{int(bg.sum())} background pixels in 3000 images: {n_bad} not black; "
                                    f"h(z) = black is right on all {len(u_images)} universe images for every "
                                    f"one of the {len(witnesses())} witnesses (it ignores z)")


@check("property", "hypothesis: backgrounds are black for any seed and size", rejects=("Maybe",))
def _q7avi_property(ctx):
    from hypothesis import strategies as st

    from numerics.shapes.render import make_dataset, shape_masks

    def prop(seed, n):
        images, factors = make_dataset(n, seed)
        bg = ~shape_masks(factors)
        assert int(images.permute(1, 0, 2, 3)[:, bg].abs().sum()) == 0

    return hypothesis_holds(prop, [st.integers(0, 2**31 - 1), st.integers(1, 40)], max_examples=30,
                            name="background = black")


_DEF = ("A perfect pair has $g^*(f^*(x_i)) = x_i$ for every training image; nothing constrains "
        "$f^*$ or $g^*$ anywhere else.")

register(Claim(
    id="q7a.i", title="Perfect autoencoder: the index", points=POINTS["q7a.i"],
    statement="For $x_i \\in \\mathcal{D}_{train}$, can its index $i$ be decided by $f^*(x_i)$ alone?",
    answer=r"\text{Yes}", short="Yes",
    options=YES_NO_MAYBE,
    proof=(_DEF + " If $f^*(x_i) = f^*(x_j)$ then $x_i = g^*(f^*(x_i)) = g^*(f^*(x_j)) = x_j$, so "
           "$i = j$ because the samples are distinct: $f^*$ is injective on $\\mathcal{D}_{train}$ and "
           "$h(z) =$ (the index of $g^*(z)$ in $\\mathcal{D}_{train}$) satisfies $h(f^*(x_i)) = i$.\n\n"
           "The checks prove this with z3 for uninterpreted $f, g$ and up to 8 samples, verify it on six "
           "explicit zero-loss lookup-table autoencoders of rendered shapes, and observe it on the "
           "trained autoencoder (its training codes are pairwise distinct)."),
    checks=(_q7ai_smt, _q7ai_exact, _q7ai_experiment),
))

register(Claim(
    id="q7a.ii", title="Perfect autoencoder: colour of a training image", points=POINTS["q7a.ii"],
    statement="For $x_i \\in \\mathcal{D}_{train}$, can the colour of $x_i$ be decided by $f^*(x_i)$ alone?",
    answer=r"\text{Yes}", short="Yes",
    options=YES_NO_MAYBE,
    proof=(_DEF + " Take $h = \\mathrm{colour}\\circ g^*$: $h(f^*(x_i)) = \\mathrm{colour}(x_i)$. "
           "(Equivalently, the index is decided by (i), and the index decides everything about $x_i$.)"),
    checks=(_q7aii_smt, _q7aii_exact),
))

register(Claim(
    id="q7a.iii", title="Perfect autoencoder: are same-colour images closer?", points=POINTS["q7a.iii"],
    statement=("For $x, y, z \\in \\mathcal{D}_{train}$ with $x, y$ red and $z$ blue, is "
               "$\\|f^*(x) - f^*(y)\\|_2 < \\|f^*(x) - f^*(z)\\|_2$ (Eq. (13))?"),
    answer=r"\text{Maybe}", short="Maybe",
    options=YES_NO_MAYBE,
    proof=(_DEF + " Zero loss only asks $f^*$ to be injective on the training set; any injective "
           "placement of the codes, with $g^*$ defined as the inverse table, is perfect. Distances between "
           "codes are therefore arbitrary. Witnesses on 12 rendered training images (red, green, blue): "
           "codes grouped by colour (`colour_clusters`) satisfy Eq. (13) on every red-red-blue triple; codes "
           "with two red images placed far apart and a red next to a blue (`colour_scrambled`) violate it, "
           "and both have loss exactly 0."),
    checks=(_q7aiii_counter, _q7aiii_exact),
))

register(Claim(
    id="q7a.iv", title="Perfect autoencoder: colour of a fresh sample", points=POINTS["q7a.iv"],
    statement="For random $x \\sim p_x$, can the colour of $x$ be decided by $f^*(x)$ alone (with probability 1)?",
    answer=r"\text{Maybe}", short="Maybe",
    options=YES_NO_MAYBE,
    proof=(_DEF + " The location is continuous, so a fresh $x$ is a training image with probability 0, "
           "and $f^*(x)$ is unconstrained there. If $f^*$ is injective on the whole data space (the `index` "
           "witness) the colour is decided; if $f^*$ sends every non-training image to one code (the "
           "`fresh_collapsed` witness, still zero loss), images of different colours share that code and no "
           "$h$ can decide the colour."),
    checks=(_q7aiv_counter, _q7aiv_exact),
))

register(Claim(
    id="q7a.v", title="Perfect autoencoder: colour from nearest training neighbours", points=POINTS["q7a.v"],
    statement="For random $x \\sim p_x$, can the colour of $x$ be decided by the colours of $f^*(x)$'s nearest training neighbours alone?",
    answer=r"\text{Maybe}", short="Maybe",
    options=YES_NO_MAYBE,
    proof=(_DEF + " Where a fresh image is encoded is again free. Placing each fresh code next to the code of "
           "a training image of the same colour (`fresh_near_same`) makes the 1-NN colour rule right on every "
           "fresh image; placing it next to a training image of another colour (`fresh_near_other`) makes it "
           "wrong on every one, and both pairs are perfect."),
    checks=(_q7av_counter, _q7aiv_exact),
))

register(Claim(
    id="q7a.vi", title="Perfect autoencoder: background colour", points=POINTS["q7a.vi"],
    statement="For random $x \\sim p_x$, can the background colour of $x$ be decided by $f^*(x)$ alone?",
    answer=r"\text{Yes}", short="Yes",
    options=YES_NO_MAYBE,
    proof=("Every image of the data set has a black background (the factors that vary are shape, colour "
           "and location), so with probability 1 the background colour is black and the constant function "
           "$h(z) = \\text{black}$ decides it from $f^*(x)$ -- for every $f^*$, perfect or not. Unlike (iv), "
           "no witness can fail: the property does not vary. The checks confirm that every background pixel "
           "of the rendered data is exactly black and that the constant rule is right for every witness, "
           "including the adversarial ones of (iii)-(v)."),
    checks=(_q7avi_exact, _q7avi_property),
))


