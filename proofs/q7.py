"""Question 7: the autoencoder.  (a) what a perfect autoencoder must and need not do,
(b) the loss, (c) nearest neighbours, (d) what they show."""

from __future__ import annotations

import numpy as np

from figures.neighbours import neighbour_figure, sensitivity_figure

from .checks import hypothesis_holds, z3_proves
from .measured import (FACTOR_WORDS, FACTORS, THRESHOLDS_TEXT, grid_is_well_formed, nn_reference_check, probes,
                       table_complete, trained, verdict)
from .order import POINTS
from .registry import Claim, check, register

def ae_measurements(ctx) -> dict:
    """Measurements of the trained autoencoder for Q7a (cached as results/q7_autoencoder.json)."""
    from numerics.shapes.experiment import autoencoder_measurements

    probes(ctx)  # trains (or loads) every encoder first, in parallel
    return ctx.cached("q7_autoencoder", lambda: autoencoder_measurements(ctx.results_dir, ctx.profile, ctx.seed,
                                                                         n_codes=1000))


# ---------------------------------------------------------------------------
# q7a: perfect lookup-table autoencoders on a finite universe
# ---------------------------------------------------------------------------

N_TRAIN, N_FRESH, RED, BLUE = 12, 12, 0, 6


_UNIVERSE: dict = {}


def _universe():
    if "universe" not in _UNIVERSE:
        from numerics.autoencoder_witness import make_universe

        _UNIVERSE["universe"] = make_universe(N_TRAIN, N_FRESH, seed=7)
    return _UNIVERSE["universe"]


def witnesses() -> dict:
    """Perfect lookup-table autoencoders on the universe (all with zero loss in Eq. (12)).

    - ``index``: codes are one-hot indices e_k in R^m for every image (injective everywhere);
    - ``colour_clusters``: code = 0.1 e_k + 10 * colour * e_last (grouped by colour);
    - ``colour_scrambled``: training code k = (k mod 2) * 10 e_1 + 0.1 e_k, so two red images
      sit far apart and a red and a blue image can sit close; fresh images get their own codes;
    - ``fresh_collapsed``: training codes as ``index``, every fresh image mapped to one unused code;
    - ``fresh_near_same``: each fresh code is the code of a training image of the same colour
      plus 0.01 e_last;
    - ``fresh_near_other``: the same but next to a training image of another colour.
    """
    from numerics.autoencoder_witness import perfect_autoencoder

    images, colours, _, _ = _universe()
    m = len(images)
    e = np.eye(m + 1)
    base = e[:m, :]  # one-hot codes in R^{m+1}
    col_hot = np.zeros((m, m + 1))
    for k in range(m):
        col_hot[k] = 0.1 * e[k]
        col_hot[k, m] = 10.0 * colours[k]
    scrambled = np.array([10.0 * (k % 2) * e[m] + 0.1 * e[k] for k in range(m)])
    collapsed = base.copy()
    collapsed[N_TRAIN:] = e[m]
    near_same, near_other = base.copy(), base.copy()
    for j in range(N_TRAIN, m):
        same = next(i for i in range(N_TRAIN) if colours[i] == colours[j])
        other = next(i for i in range(N_TRAIN) if colours[i] != colours[j])
        near_same[j] = base[same] + 0.01 * e[m]
        near_other[j] = base[other] + 0.01 * e[m]
    tables = {"index": base, "colour_clusters": col_hot, "colour_scrambled": scrambled,
              "fresh_collapsed": collapsed, "fresh_near_same": near_same, "fresh_near_other": near_other}
    return {name: perfect_autoencoder(images, N_TRAIN, codes, name) for name, codes in tables.items()}


def _all_perfect() -> tuple[bool, str]:
    from numerics.autoencoder_witness import ae_loss

    images = _universe()[0]
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


@check("smt", "z3: g(f(x_i)) = x_i and distinct x_i imply that idx(g(.)) recovers i, N = 2..8")
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


@check("exact", "every witness is perfect, and h = index-of(g(z)) returns i for every training image")
def _q7ai_exact(ctx):
    ok, detail = _all_perfect()
    images = _universe()[0]
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


@check("experiment", "trained autoencoder: codes of distinct training images are distinct")
def _q7ai_experiment(ctx):
    m = ae_measurements(ctx)
    ok = m["min_code_dist"] > 0 and m["self_retrieval"] == 1.0
    return ok, (f"{m['n_codes']} training codes: smallest distance between two {m['min_code_dist']:.4f} > 0; "
                f"each image's nearest training code is its own for {100 * m['self_retrieval']:.1f}%")


@check("smt", "z3: g(f(x_i)) = x_i implies colour(g(f(x_i))) = colour(x_i), N = 2..8")
def _q7aii_smt(ctx):
    for n in range(2, 9):
        z3, X, Z, f, g, xs, prem = _z3_premises(n)
        colour = z3.Function("colour", X, z3.IntSort())
        ok, msg = z3_proves(z3.Implies(prem, z3.And(*[colour(g(f(x))) == colour(x) for x in xs])), f"N={n}")
        if not ok:
            return False, msg
    return True, "z3 proved h = colour o g decides the colour on D_train for N = 2..8"


@check("exact", "witnesses: colour(g(f(x_i))) = colour(x_i) for every training image")
def _q7aii_exact(ctx):
    ok, detail = _all_perfect()
    images, colours, _, masks = _universe()
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

    _, colours, _, _ = _universe()
    w = witnesses()
    triples = red_red_blue_triples(colours, N_TRAIN, RED, BLUE)
    frac = {n: float(np.mean([eq13_holds(w[n].codes, *t) for t in triples]))
            for n in ("colour_clusters", "colour_scrambled", "index")}
    return triples, frac


@check("counterexample", "one perfect pair satisfies Eq. (13) on a red-red-blue triple, another violates it")
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


@check("exact", "all red-red-blue triples: fraction with Eq. (13) under each witness")
def _q7aiii_exact(ctx):
    triples, frac = _eq13_witness()
    ok = frac["colour_clusters"] == 1.0 and frac["colour_scrambled"] < 1.0 and 0 < len(triples)
    return ok, f"{len(triples)} triples; Eq. (13) holds for fractions {frac}"


@check("experiment", "trained autoencoder: Eq. (13) holds for some red-red-blue triples and not others")
def _q7aiii_experiment(ctx):
    m = ae_measurements(ctx)
    f = m["eq13_fraction"]
    return 0.0 < f < 1.0, f"Eq. (13) holds for {100 * f:.1f}% of {m['eq13_triples']} random training triples"


def _fresh():
    return list(range(N_TRAIN, N_TRAIN + N_FRESH))


@check("counterexample", "two perfect pairs: f decides the colour of fresh images in one, not in the other")
def _q7aiv_counter(ctx):
    from numerics.autoencoder_witness import decides

    ok, detail = _all_perfect()
    _, colours, _, _ = _universe()
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


@check("counterexample", "two perfect pairs: the 1-NN colour rule is right on every fresh image in one, wrong on every one in the other")
def _q7av_counter(ctx):
    from numerics.autoencoder_witness import nn_colour_rule

    ok, detail = _all_perfect()
    _, colours, _, _ = _universe()
    w = witnesses()
    acc = {n: float(np.mean(nn_colour_rule(w[n].codes, colours, N_TRAIN, _fresh()) == colours[_fresh()]))
           for n in ("fresh_near_same", "fresh_near_other")}
    return ok and acc["fresh_near_same"] == 1.0 and acc["fresh_near_other"] == 0.0, (
        f"{detail}; 1-NN colour accuracy on {N_FRESH} fresh images: {acc}")


@check("experiment", "trained autoencoder: the 1-NN colour rule on val is right for some images, wrong for others")
def _q7av_experiment(ctx):
    p = probes(ctx)["autoencoder"]["color"]
    return 0.0 < p["knn_acc"] < 1.0, (
        f"val queries vs train gallery: 1-NN colour accuracy {p['knn_acc']:.3f} (chance {p['chance']:.3f}, "
        f"normalized {p['normalized']:.3f}): neither always right nor always wrong")


@check("exact", "rendered data: every background pixel is black, so h = 'black' decides it")
def _q7avi_exact(ctx):
    from numerics.shapes.render import make_dataset, shape_masks

    images, factors = make_dataset(3000, ctx.seed + 11)
    bg = ~shape_masks(factors)
    vals = images.permute(1, 0, 2, 3)[:, bg]
    n_bad = int((vals != 0).any(0).sum())
    # and the constant rule is right for every witness, including the adversarial ones
    u_images, _, _, u_masks = _universe()
    rule_ok = all(np.all(u_images[k][:, ~u_masks[k]] == 0) for k in range(len(u_images)))
    return n_bad == 0 and rule_ok, (f"{int(bg.sum())} background pixels in 3000 images: {n_bad} not black; "
                                    f"h(z) = black is right on all {len(u_images)} universe images for every "
                                    f"one of the {len(witnesses())} witnesses (it ignores z)")


@check("property", "hypothesis: backgrounds are black for any seed and size")
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
    proof=(_DEF + " If $f^*(x_i) = f^*(x_j)$ then $x_i = g^*(f^*(x_i)) = g^*(f^*(x_j)) = x_j$, so "
           "$i = j$ because the samples are distinct: $f^*$ is injective on $\\mathcal{D}_{train}$ and "
           "$h(z) = $ (the index of $g^*(z)$ in $\\mathcal{D}_{train}$) satisfies $h(f^*(x_i)) = i$.\n\n"
           "The checks prove this with z3 for uninterpreted $f, g$ and up to 8 samples, verify it on six "
           "explicit zero-loss lookup-table autoencoders of rendered shapes, and observe it on the "
           "trained autoencoder (its training codes are pairwise distinct)."),
    checks=(_q7ai_smt, _q7ai_exact, _q7ai_experiment),
))

register(Claim(
    id="q7a.ii", title="Perfect autoencoder: colour of a training image", points=POINTS["q7a.ii"],
    statement="For $x_i \\in \\mathcal{D}_{train}$, can the colour of $x_i$ be decided by $f^*(x_i)$ alone?",
    answer=r"\text{Yes}", short="Yes",
    proof=(_DEF + " Take $h = \\mathrm{colour}\\circ g^*$: $h(f^*(x_i)) = \\mathrm{colour}(x_i)$. "
           "(Equivalently, the index is decided by (i), and the index decides everything about $x_i$.)"),
    checks=(_q7aii_smt, _q7aii_exact),
))

register(Claim(
    id="q7a.iii", title="Perfect autoencoder: are same-colour images closer?", points=POINTS["q7a.iii"],
    statement=("For $x, y, z \\in \\mathcal{D}_{train}$ with $x, y$ red and $z$ blue, is "
               "$\\|f^*(x) - f^*(y)\\|_2 < \\|f^*(x) - f^*(z)\\|_2$ (Eq. (13))?"),
    answer=r"\text{Maybe}", short="Maybe",
    proof=(_DEF + " Zero loss only asks $f^*$ to be injective on the training set; any injective "
           "placement of the codes, with $g^*$ defined as the inverse table, is perfect. Distances between "
           "codes are therefore arbitrary. Witnesses on 12 rendered training images (red, green, blue): "
           "codes grouped by colour (`colour_clusters`) satisfy Eq. (13) on every red-red-blue triple; codes "
           "with two red images placed far apart and a red next to a blue (`colour_scrambled`) violate it, "
           "and both have loss exactly 0. The trained autoencoder satisfies Eq. (13) on some triples and "
           "not on others."),
    checks=(_q7aiii_counter, _q7aiii_exact, _q7aiii_experiment),
))

register(Claim(
    id="q7a.iv", title="Perfect autoencoder: colour of a fresh sample", points=POINTS["q7a.iv"],
    statement="For random $x \\sim p_x$, can the colour of $x$ be decided by $f^*(x)$ alone (with probability 1)?",
    answer=r"\text{Maybe}", short="Maybe",
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
    proof=(_DEF + " Where a fresh image is encoded is again free. Placing each fresh code next to the code of "
           "a training image of the same colour (`fresh_near_same`) makes the 1-NN colour rule right on every "
           "fresh image; placing it next to a training image of another colour (`fresh_near_other`) makes it "
           "wrong on every one, and both pairs are perfect. The trained autoencoder lies in between: its "
           "1-NN colour rule is right on some val images and wrong on others."),
    checks=(_q7av_counter, _q7aiv_exact, _q7av_experiment),
))

register(Claim(
    id="q7a.vi", title="Perfect autoencoder: background colour", points=POINTS["q7a.vi"],
    statement="For random $x \\sim p_x$, can the background colour of $x$ be decided by $f^*(x)$ alone?",
    answer=r"\text{Yes}", short="Yes",
    proof=("Every image of the data set has a black background (the factors that vary are shape, colour "
           "and location), so with probability 1 the background colour is black and the constant function "
           "$h(z) = \\text{black}$ decides it from $f^*(x)$ -- for every $f^*$, perfect or not. Unlike (iv), "
           "no witness can fail: the property does not vary. The checks confirm that every background pixel "
           "of the rendered data is exactly black and that the constant rule is right for every witness, "
           "including the adversarial ones of (iii)-(v)."),
    checks=(_q7avi_exact, _q7avi_property),
))


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


@check("experiment", "training with it drives the reconstruction error down")
def _q7b_experiment(ctx):
    p = probes(ctx)["autoencoder"]
    ok, detail = trained("autoencoder", p)
    return ok, (f"{detail}; {p['profile']} profile, {p['steps']} steps: epoch-mean MSE "
                + " -> ".join(f"{v:.4f}" for v in p["epoch_losses"]))


register(Claim(
    id="q7b", title="Autoencoder loss", points=POINTS["q7b"],
    statement="Implement the MSE reconstruction loss of Eq. (12) in `train_autoencoder`.",
    answer=r"\texttt{loss = ((decoder(encoder(x)) - x) ** 2).mean()}",
    short="loss = ((decoder(encoder(x)) - x) ** 2).mean()",
    proof=("With $x$ the normalized batch $(B, 3, 64, 64)$:\n\n"
           "- `z = encoder(x)` -- $f(x)$, shape $(B, d)$;\n"
           "- `x_hat = decoder(z)` -- $g(f(x))$, shape $(B, 3, 64, 64)$;\n"
           "- `loss = ((x_hat - x) ** 2).mean()`.\n\n"
           "Every image has the same number of entries, so the mean over all entries equals "
           "$\\frac1B\\sum_i \\mathrm{MSE}(g(f(x_i)), x_i)$, the batch estimate of Eq. (12). The project's "
           "`numerics.shapes.train.reconstruction_loss` is this line; it is checked against a literal "
           "nested loop and used to train the autoencoder of (c)."),
    checks=(_q7b_property, _q7b_experiment),
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
    g = grids(ctx.results_dir, ctx.profile, ctx.seed)["grids"]["autoencoder"]
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


@check("exact", "the measured table is complete and consistent: normalized = (acc - chance)/(1 - chance)")
def _q7d_table(ctx):
    return table_complete(probes(ctx))


register(Claim(
    id="q7d", title="Autoencoder: what the neighbours show", points=POINTS["q7d"],
    statement=("Is the representation meaningful on train and val, are similar samples grouped, and why "
               "(or how to encourage grouping)?"),
    answer="", short=None, proof="", measured=_q7d_measured,
    checks=(_q7d_answer, _q7d_trained, _q7d_table),
    figures=(sensitivity_figure("q7d_sensitivity", ("random_init", "autoencoder"),
                                "Autoencoder vs untrained encoder: normalized 1-NN accuracy per factor "
                                "(0 = chance)."),),
))
