"""Question 8b: which factors (shape, location, colour) augmentations A, B and C make the
contrastive encoder invariant or sensitive to, by the (*) analysis, with the positive pairs'
agreement on each factor measured on the augmentations themselves."""

from __future__ import annotations

import math

import torch

from figures import shapes as shape_figs
from numerics.shapes import FACTORS
from numerics.shapes import augment as aug
from numerics.shapes import factors as fac
from numerics.shapes import render as rnd

from .checks import hypothesis_holds
from .order import POINTS
from .registry import Claim, FigureSpec, check, register

#: The (*) analysis' answers (derived in the proofs below).
THEORY = {
    "A": {"shape": "sensitive", "location": "sensitive", "color": "invariant"},
    "B": {"shape": "sensitive", "location": "invariant", "color": "sensitive"},
    "C": {"shape": "invariant", "location": "invariant", "color": "sensitive"},
}
#: Decision rule: the two views of an image agree on factor F with Cohen's kappa >= THRESHOLD
#: (F survives augmentation, so it separates the S_i: sensitive); below it, F varies inside
#: S_i (invariant).  0.5 is halfway between chance agreement (0) and perfect agreement (1).
THRESHOLD = 0.5

_FACTOR_WORDS = {"shape": "shape", "location": "location", "color": "colour"}


def _pairs(ctx) -> int:
    return ctx.setting("q8b_pairs")


def _compute_agreement(ctx) -> dict:
    torch.manual_seed(ctx.seed)
    clf = fac.train_shape_classifier(1500, seed=ctx.seed + 801)
    images, factors = rnd.make_dataset(_pairs(ctx), seed=ctx.seed + 800)
    x = rnd.to_float(images)
    clean = fac.measure(x, clf)
    acc = {"shape": float((clean["shape"] == factors["shape"]).double().mean()),
           "color": float((clean["color"] == factors["color"]).double().mean()),
           "location_max_error_px": float(torch.maximum((clean["x"] - factors["x"]).abs(),
                                                        (clean["y"] - factors["y"]).abs()).max())}
    table = {}
    for k, name in enumerate(aug.NAMES):
        g = torch.Generator().manual_seed(ctx.seed * 1000 + 17 + k)
        table[name] = fac.pair_agreement(x, name, clf, generator=g)
    return {"pairs": _pairs(ctx), "threshold": THRESHOLD, "clean_accuracy": acc,
            "classifier_train_accuracy": clf.train_accuracy, "table": table,
            "factors": list(FACTORS)}


def agreement_results(ctx) -> dict:
    """Measured agreement of positive pairs (cached as results/q8b_agreement.json)."""
    return ctx.cached("q8b_agreement", lambda: _compute_agreement(ctx))


def measured_answer(row: dict, threshold: float = THRESHOLD) -> dict:
    """Short answer read off one augmentation's agreement row by the stated threshold."""
    return {f: ("sensitive" if row[f]["kappa"] >= threshold else "invariant") for f in FACTORS}


def _experiment(name):
    @check("experiment", f"positive pairs of augmentation {name}: the measured agreement on shape, location and "
                         "colour gives the stated answer")
    def run(ctx, claim):
        res = agreement_results(ctx)
        row = res["table"][name]
        got = measured_answer(row)
        acc = res["clean_accuracy"]
        ok_instr = acc["shape"] >= 0.95 and acc["color"] >= 0.99 and acc["location_max_error_px"] <= 1.0
        parts = []
        for f in FACTORS:
            r = row[f]
            parts.append(f"{_FACTOR_WORDS[f]}: agree {r['agree']:.3f} (chance {r['chance']:.3f}), "
                         f"kappa {r['kappa']:.2f} -> {got[f]}")
        detail = (f"{res['pairs']} images, two views each, both views show the object in "
                  f"{100 * row['both_visible']:.1f}% of pairs; " + "; ".join(parts) +
                  f". Rule: sensitive iff kappa >= {THRESHOLD}. Measured answer {got}, stated {claim.short}. "
                  f"Instruments on clean images: shape classifier accuracy {acc['shape']:.3f}, colour "
                  f"{acc['color']:.3f}, centroid error <= {acc['location_max_error_px']:.2f} px")
        same_box = claim.answer == _answer_tex(claim.short)
        return got == claim.short and ok_instr and same_box, detail + f"; boxed answer rendered from it: {same_box}"
    return run


# ----------------------------------------------------------------------------- properties

def _rendered(seed: int, n: int) -> torch.Tensor:
    return rnd.to_float(rnd.make_dataset(n, seed)[0])


def _multicolour(seed: int, n: int) -> torch.Tensor:
    """Images with many colours: a random shape image whose foreground is speckled with
    random colours (the homework's own data need not have only two colours)."""
    g = torch.Generator().manual_seed(seed)
    x = _rendered(seed, n)
    fg = x.amax(1, keepdim=True) > 0
    noise = torch.rand(x.shape, generator=g)
    return torch.where(fg, noise, x)


def _property_A(ctx):
    from hypothesis import strategies as st

    def prop(seed):
        x = _rendered(seed, 8)
        g = torch.Generator().manual_seed(seed)
        y = aug.augment(x, "A", generator=g)
        bg = y[:, :, :1, :1]  # A maps every black pixel of an image to one colour
        fg_in = (x != 0).any(1)
        fg_out = (y != bg).any(1)
        assert torch.equal(fg_in, fg_out), f"seed {seed}: foreground changed in {int((fg_in != fg_out).sum())} pixels"
        assert torch.equal(fac.foreground_mask(x), fac.foreground_mask(y)), f"seed {seed}: measured mask changed"

    return hypothesis_holds(prop, [st.integers(0, 2**31 - 1)], max_examples=ctx.setting("q8b_A_examples"),
                            name="A keeps exactly the foreground pixels of every image (8 images per example)",
                            seed=ctx.seed)


def _colour_property(name):
    def run(ctx):
        from hypothesis import strategies as st

        def prop(seed):
            x = _multicolour(seed, 4)
            y = aug.augment(x, name, generator=torch.Generator().manual_seed(seed))
            for i in range(x.shape[0]):
                cin = set(map(tuple, x[i].reshape(3, -1).T.tolist())) | {(0.0, 0.0, 0.0)}
                cout = set(map(tuple, y[i].reshape(3, -1).T.tolist()))
                new = cout - cin
                assert not new, f"seed {seed}, image {i}: {len(new)} new colours, e.g. {next(iter(new))}"

        return hypothesis_holds(prop, [st.integers(0, 2**31 - 1)], max_examples=ctx.setting("q8b_colour_examples"),
                                name=f"{name} creates no colour absent from the image (many-coloured images, "
                                     f"4 per example)", seed=ctx.seed)
    return run


@check("property", "hypothesis: A changes no pixel's membership of the foreground")
def _prop_A(ctx):
    return _property_A(ctx)


_prop_B = check("property", "hypothesis: B creates no new colour (nearest sampling, black fill)")(_colour_property("B"))
_prop_C = check("property", "hypothesis: C creates no new colour (nearest sampling, black fill)")(_colour_property("C"))


# ----------------------------------------------------------------------------- enumerations

@check("exact", "every palette colour reaches every other by A's hue rotation alone (9 x 9 enumeration)")
def _exact_A(ctx):
    hsv = aug.rgb_to_hsv(rnd.PALETTE.view(-1, 3, 1, 1))[:, :, 0, 0]
    worst, reached = 0.0, 0
    k = len(rnd.PALETTE)
    src = rnd.PALETTE.view(k, 1, 3).expand(k, k, 3).reshape(-1, 3, 1, 1)
    dh = (hsv[:, 0].view(1, k) - hsv[:, 0].view(k, 1)).reshape(-1)
    shift = torch.remainder(dh + 0.5, 1.0) - 0.5  # in [-0.5, 0.5): inside A's hue range
    assert float(shift.min()) >= aug.HUE[0] and float(shift.max()) <= aug.HUE[1]
    out = aug.adjust_hue(src, shift)[:, :, 0, 0].view(k, k, 3)
    err = (out - rnd.PALETTE.view(1, k, 3)).abs().amax(-1)
    worst = float(err.max())
    idx = fac.color_index(out.reshape(-1, 3)).view(k, k)
    reached = int((idx == torch.arange(k).view(1, k)).sum())
    return reached == k * k and worst < 1e-5, (
        f"{reached} of {k * k} (source, target) palette pairs reached by a hue shift in [-0.5, 0.5] "
        f"(max channel error {worst:.1e}); so the views of one image take every colour: colour varies "
        f"inside each S_i")


def _reachable_cells(name: str, seed: int) -> tuple[int, int]:
    """Cells of the 3 x 3 grid where the object of one image lands over an enumerated grid of
    rotations and crop positions (other parameters fixed at identity)."""
    x = _rendered(seed, 1)
    pad = aug.B_PAD if name == "B" else aug.C_PAD
    size = 64 + 2 * pad
    side = int(round(math.sqrt((aug.B_SCALE[0] if name == "B" else aug.C_SCALE[0]) * size * size)))
    angles = torch.arange(0.0, 360.0, 30.0, dtype=torch.float64)
    offs = torch.linspace(0, size - side, 5).round().long()
    ia, it, il = torch.meshgrid(torch.arange(len(angles)), torch.arange(len(offs)), torch.arange(len(offs)),
                                indexing="ij")
    A, T, L = angles[ia], offs[it], offs[il]
    n = A.numel()
    p = {"crop_top": T.reshape(-1), "crop_left": L.reshape(-1),
         "crop_height": torch.full((n,), side), "crop_width": torch.full((n,), side)}
    if name == "B":
        p["angle"] = A.reshape(-1)
    else:
        z = torch.zeros(n, dtype=torch.float64)
        p.update({"angle1": A.reshape(-1), "warp": torch.zeros(n, dtype=torch.bool),
                  "tx": torch.zeros(n, dtype=torch.long), "ty": torch.zeros(n, dtype=torch.long),
                  "shear_x": z, "shear_y": z,
                  "startpoints": torch.tensor([[0, 0], [size - 1, 0], [size - 1, size - 1], [0, size - 1]]).expand(n, 4, 2),
                  "endpoints": torch.tensor([[0, 0], [size - 1, 0], [size - 1, size - 1], [0, size - 1]]).expand(n, 4, 2),
                  "angle2": z})
    y = aug.apply_params(x.expand(n, -1, -1, -1).contiguous(), name, p)
    cells = fac.measure(y)["cell"]
    return len(set(cells[cells >= 0].tolist())), n


def _exact_cells(name):
    def run(ctx):
        reached, n = _reachable_cells(name, ctx.seed + 5)
        return reached == 9, (f"enumerating {n} views of one image ({name}'s rotation angles every 30 degrees "
                              f"x a 5 x 5 grid of positions of the smallest square crop): its centroid lands in "
                              f"{reached} of the 9 cells of the 3 x 3 grid; location varies inside each S_i")
    return run


_exact_B = check("exact", "B's views of one image put it in every cell of a 3 x 3 grid (enumeration)")(_exact_cells("B"))
_exact_C = check("exact", "C's views of one image put it in every cell of a 3 x 3 grid (enumeration)")(_exact_cells("C"))


# ----------------------------------------------------------------------------- figures

def _encode(images_u8) -> list[str]:
    return [shape_figs.encode_image(im.numpy()) for im in images_u8]


def _to_u8(x: torch.Tensor) -> torch.Tensor:
    return (x.clamp(0, 1) * 255).round().to(torch.uint8)


def _samples_data(ctx):
    def compute():
        images, f = rnd.make_dataset(32, seed=ctx.seed + 900)
        return {"images": _encode(images), "cols": 8}
    return ctx.cached("q8b_dataset_samples", compute)


def _variation_data(ctx):
    def compute():
        def row(label, n, captions, **over):
            base = {"shape": 0, "color": 3, "x": 32.0, "y": 32.0, "size": 12.0, "rotation": 0.0}
            f = {k: torch.tensor([over.get(k, [base[k]] * n)[i] for i in range(n)],
                                 dtype=torch.long if k in ("shape", "color") else torch.float32)
                 for k in base}
            return {"label": label, "images": _encode(rnd.render(f)), "captions": captions}

        locs = [(18.0, 18.0), (46.0, 18.0), (32.0, 32.0), (18.0, 46.0), (46.0, 46.0), (25.0, 40.0)]
        return {"rows": [
            row("shape", 3, list(rnd.SHAPES), shape=[0, 1, 2]),
            row("colour", 9, list(rnd.COLOR_NAMES), color=list(range(9))),
            row("location", len(locs), [f"({int(a)}, {int(b)})" for a, b in locs],
                x=[a for a, _ in locs], y=[b for _, b in locs]),
        ]}
    return ctx.cached("q8b_dataset_variation", compute)


def _rows_data(name):
    def data(ctx):
        def compute():
            images, _ = rnd.make_dataset(3, seed=ctx.seed + 950)
            x = rnd.to_float(images)
            g = torch.Generator().manual_seed(ctx.seed + 960 + aug.NAMES.index(name))
            rows = [_encode(_to_u8(aug.augment(x[i:i + 1].expand(14, -1, -1, -1).contiguous(), name, generator=g)))
                    for i in range(3)]
            return {"name": name, "originals": _encode(images), "rows": rows}
        return ctx.cached(f"q8b_augment_{name}", compute)
    return data


_FIG_SAMPLES = FigureSpec("q8b_dataset_samples", "Figure 1: random samples of the rendered data set.",
                          _samples_data, shape_figs.samples)
_FIG_VARIATION = FigureSpec("q8b_dataset_variation",
                            "Figure 2: the three kinds of variation (shape, colour, location), the others fixed.",
                            _variation_data, shape_figs.variation)
_FIG_AGREEMENT = FigureSpec("q8b_agreement",
                            "Agreement of the two views of each image on each measured factor (Cohen's kappa; "
                            "observed and chance agreement printed above each bar); dashed: the decision threshold.",
                            agreement_results, shape_figs.agreement)


def _rows_fig(name):
    return FigureSpec(f"q8b_augment_{name}",
                      f"Each row: one image (framed), then 14 random augmentations of it under {name}.",
                      _rows_data(name), shape_figs.augmentation_rows)


# ----------------------------------------------------------------------------- claims

_RULE = (
    "**The rule $(\\star)$.** Positive pairs are two draws from $p_{\\text{aug}}(\\cdot\\mid\\text{img}_i)$, "
    "whose support is $S_i$ (Question 1: $N=K$, $p_i=p_{\\text{aug}}(\\cdot\\mid\\text{img}_i)$). "
    "By Question 4e the optimal encoder is constant on each $S_i$ (alignment) and separates "
    "different $S_i$ (uniformity). So a factor that *varies inside* $S_i$ cannot be read off "
    "$f^*$: the encoder is **invariant** to it. A factor that is *the same in every view* of an image "
    "but differs between images distinguishes the $S_i$, and $f^*$ keeps it: the encoder is "
    "**sensitive** to it.\n\n"
)

_MEASURE = (
    "**Measured on the augmentations.** For each of $n$ rendered images we draw two views and "
    "measure each factor from the pixels alone: colour as the mean foreground colour named by the "
    "nearest of the nine palette colours; location as the 3 x 3 grid cell of the foreground "
    "centroid; shape by a small classifier (logistic regression on four translation-, rotation- and "
    "scale-invariant moments of the foreground mask) trained on clean images. We report how often "
    "the two views agree and Cohen's $\\kappa = (p_o - p_e)/(1 - p_e)$, with $p_e$ the agreement of "
    "independent views with the same label frequencies, over pairs in which both views show the "
    "object. The stated rule: **sensitive iff $\\kappa \\ge 0.5$**, halfway between chance "
    "($\\kappa=0$) and perfect agreement ($\\kappa=1$). The evidence below lists the table; the "
    "measured answer must equal the one derived above.\n"
)

_PROOFS = {
    "A": (
        "**Augmentation A** is a colour map applied to every pixel of an image alike: grayscale with "
        "probability 0.2, then brightness, contrast, saturation and hue in a random order.\n\n"
        "- *Colour varies inside $S_i$.* The hue factor is uniform on $[-0.5, 0.5]$ turns, so a "
        "saturated colour is rotated to any hue (every palette colour reaches every other, see the "
        "enumeration), and one view in five is gray. Hence **invariant to colour**.\n"
        "- *Shape and location are the same in every view.* Each operation maps a pixel's colour "
        "through one function for the whole image, and on the data set it keeps the shape's pixels "
        "distinct from the background (tested below): the set of foreground pixels, hence the "
        "shape and its position, is unchanged. Hence **sensitive to shape** and **sensitive to "
        "location**.\n\n"
    ),
    "B": (
        "**Augmentation B** pads by 24 pixels, rotates by a uniform angle about the centre, and "
        "crops a square of 20-60% of the area, resized to 64 x 64 by nearest sampling.\n\n"
        "- *Location varies inside $S_i$.* The rotation carries the shape around the centre of the "
        "padded image and the crop window is placed anywhere, so the shape's position in a view takes "
        "every cell of the image (enumeration below). Hence **invariant to location**.\n"
        "- *Colour is the same in every view.* Nearest sampling copies pixels and the fill is black: "
        "no new colour appears (tested below). Hence **sensitive to colour**.\n"
        "- *Shape is the same in every view.* Rotation and a square crop resized to a square are "
        "similarities: a triangle stays a triangle, a circle a circle, a square a square, at another "
        "tilt and size, and tilt and size already vary in the data. Only crops that cut the shape "
        "change it, which the agreement below quantifies. Hence **sensitive to shape**.\n\n"
    ),
    "C": (
        "**Augmentation C** pads by 16, rotates, with probability 0.7 applies a shear of up to 80 "
        "degrees in each axis with a translation and a perspective warp, crops 40-80% of the area "
        "with aspect ratio between 1/5 and 5, resizes to 64 x 64, and rotates again.\n\n"
        "- *Location varies inside $S_i$*, as for B (enumeration below): **invariant to location**.\n"
        "- *Colour is the same in every view* (nearest sampling, black fill; tested below): "
        "**sensitive to colour**.\n"
        "- *Shape varies inside $S_i$.* Shear, perspective and the anisotropic crop are not "
        "similarities: circles become ellipses, squares become parallelograms and general "
        "quadrilaterals, and strong shears flatten every shape into a sliver, so views of a circle, "
        "a square and a triangle overlap and the views of one image do not share a shape. Hence "
        "**invariant to shape**.\n\n"
    ),
}


def _answer_tex(short: dict) -> str:
    inv = [_FACTOR_WORDS[f] for f in FACTORS if short[f] == "invariant"]
    sen = [_FACTOR_WORDS[f] for f in FACTORS if short[f] == "sensitive"]
    parts = ([f"invariant to {' and '.join(inv)}"] if inv else []) + ([f"sensitive to {' and '.join(sen)}"] if sen else [])
    text = "; ".join(parts)
    return f"\\text{{{text[:1].upper() + text[1:]}.}}"


_CHECKS = {
    "A": (_experiment("A"), _prop_A, _exact_A),
    "B": (_experiment("B"), _prop_B, _exact_B),
    "C": (_experiment("C"), _prop_C, _exact_C),
}
_FIGS = {
    "A": (_FIG_SAMPLES, _FIG_VARIATION, _rows_fig("A"), _FIG_AGREEMENT),
    "B": (_rows_fig("B"),),
    "C": (_rows_fig("C"),),
}

for _name in aug.NAMES:
    register(Claim(
        id=f"q8b.{_name}",
        title=f"Augmentation {_name}: invariances of the contrastive encoder",
        points=POINTS[f"q8b.{_name}"],
        statement=(f"Will a contrastive encoder learned with augmentation {_name} be invariant or "
                   "sensitive to shape, location and colour? (By the $(\\star)$ analysis.)"),
        answer=_answer_tex(THEORY[_name]),
        short=dict(THEORY[_name]),
        alternatives=tuple({**THEORY[_name], f: {"invariant": "sensitive", "sensitive": "invariant"}[v]}
                           for f, v in THEORY[_name].items()),
        proof=_RULE + _PROOFS[_name] + _MEASURE,
        checks=_CHECKS[_name],
        figures=_FIGS[_name],
    ))
