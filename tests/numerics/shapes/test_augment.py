"""Batched augmentations: each operation against its definition, the composed pipelines
against one-image-at-a-time references, torchvision where installed, and the properties that
hold by construction."""

import colorsys
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.shapes import augment as aug
from numerics.shapes import factors as fac
from numerics.shapes import reference as ref
from numerics.shapes.render import make_dataset, to_float


@pytest.fixture(scope="module")
def images():
    return to_float(make_dataset(48, seed=11)[0])


def _noise_images(n, seed):
    """Many-coloured images: every pixel a random colour, plus exact greys and black."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 64, 64, generator=g)
    x[:, :, :8] = x[:, :1, :8]  # grey rows
    x[:, :, -4:] = 0.0
    return x


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("bad, msg", [
    (torch.zeros(2, 3, 32, 32), "shape"), (torch.zeros(3, 64, 64), "shape"),
    (torch.zeros(2, 3, 64, 64, dtype=torch.uint8), "floating point"),
    (torch.full((2, 3, 64, 64), 1.5), r"\[0, 1\]"), (torch.full((2, 3, 64, 64), float("nan")), r"\[0, 1\]"),
])
def test_bad_images_are_rejected(bad, msg):
    with pytest.raises(ValueError, match=msg):
        aug.augment(bad, "A", generator=torch.Generator())


_SPECIAL = [0.0, -0.0, 1.0, 0.5, -1e-45, 1e-45, 1.0000001, 0.99999994, -1.0, 2.0,
            float("inf"), -float("inf"), float("nan"), -float("nan")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_SPECIAL), st.floats(-2.0, 2.0, width=32),
                          st.floats(width=32)), min_size=1, max_size=40),
       st.sampled_from([torch.float32, torch.float64]))
def test_unit_interval_check_against_float_comparisons(values, dtype):
    """The bit-pattern range check against Python's comparisons, value by value."""
    want = all(0.0 <= v <= 1.0 for v in values)  # False for NaN of either sign
    assert aug._in_unit_interval(torch.tensor(values, dtype=dtype)) == want


def test_bad_name_and_generator_are_rejected(images):
    with pytest.raises(ValueError, match="unknown augmentation 'D'"):
        aug.augment(images, "D", generator=torch.Generator())
    with pytest.raises(ValueError, match="torch.Generator"):
        aug.augment(images, "B", generator=0)
    p = aug.sample_params("B", 3, generator=torch.Generator())
    with pytest.raises(ValueError, match="one entry per image"):
        aug.apply_params(images, "B", p)


@pytest.mark.parametrize("name", aug.NAMES)
def test_deterministic_shape_dtype_range(images, name):
    a = aug.augment(images, name, generator=torch.Generator().manual_seed(5))
    b = aug.augment(images, name, generator=torch.Generator().manual_seed(5))
    c = aug.augment(images, name, generator=torch.Generator().manual_seed(6))
    assert a.shape == images.shape and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert float(a.min()) >= 0 and float(a.max()) <= 1


def test_parameter_ranges():
    g = torch.Generator().manual_seed(0)
    n = 4000
    pa = aug.sample_params("A", n, generator=g)
    assert 0.15 < float(pa["gray"].double().mean()) < 0.25
    for k, (lo, hi) in {"brightness": aug.BRIGHTNESS, "contrast": aug.CONTRAST,
                        "saturation": aug.SATURATION, "hue": aug.HUE}.items():
        assert lo <= float(pa[k].min()) and float(pa[k].max()) <= hi
    assert torch.equal(pa["order"].sort(1).values, torch.arange(4).expand(n, 4))
    assert len({tuple(o) for o in pa["order"].tolist()}) == 24
    pb = aug.sample_params("B", n, generator=g)
    area = (pb["crop_height"] * pb["crop_width"]).double() / 112 ** 2
    assert torch.equal(pb["crop_height"], pb["crop_width"])
    assert 0.19 < float(area.min()) and float(area.max()) < 0.61
    assert (pb["crop_top"] + pb["crop_height"] <= 112).all() and (pb["crop_top"] >= 0).all()
    pc = aug.sample_params("C", n, generator=g)
    assert 0.65 < float(pc["warp"].double().mean()) < 0.75
    assert pc["tx"].abs().max() <= 29 and pc["shear_x"].abs().max() <= 80
    ratio = pc["crop_width"].double() / pc["crop_height"]
    assert 0.19 < float(ratio.min()) and float(ratio.max()) < 5.3
    e = pc["endpoints"]
    assert (e[:, 0] <= 28).all() and (e[:, 2] >= 67).all()


# ----------------------------------------------------------------------------- colour ops

def test_brightness_contrast_saturation_against_formulas():
    x = _noise_images(3, 1)
    f = torch.tensor([0.7, 1.0, 1.3], dtype=torch.float64)
    lum = 0.2989 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    fv = f.float().view(-1, 1, 1, 1)
    assert torch.allclose(aug.adjust_brightness(x, f), (fv * x).clamp(0, 1), atol=1e-6)
    m = lum.mean((1, 2)).view(-1, 1, 1, 1)
    assert torch.allclose(aug.adjust_contrast(x, f), (fv * x + (1 - fv) * m).clamp(0, 1), atol=1e-6)
    assert torch.allclose(aug.adjust_saturation(x, f), (fv * x + (1 - fv) * lum.unsqueeze(1)).clamp(0, 1), atol=1e-6)
    assert torch.allclose(aug.grayscale(x), lum.unsqueeze(1).expand_as(x), atol=1e-6)
    # factor 1 is exactly the identity (the batched A relies on it)
    one = torch.ones(3, dtype=torch.float64)
    for op in (aug.adjust_brightness, aug.adjust_contrast, aug.adjust_saturation):
        assert torch.equal(op(x, one), x)


def test_hue_against_colorsys_per_pixel():
    x = _noise_images(2, 2)[:, :, :12, :12]  # nested loop over a small patch
    shift = torch.tensor([0.37, -0.5], dtype=torch.float64)
    y = aug.adjust_hue(x, shift)
    worst = 0.0
    for b in range(2):
        for i in range(12):
            for j in range(12):
                h, s, v = colorsys.rgb_to_hsv(*x[b, :, i, j].tolist())
                want = colorsys.hsv_to_rgb((h + float(shift[b])) % 1.0, s, v)
                worst = max(worst, max(abs(a - c) for a, c in zip(want, y[b, :, i, j].tolist())))
    assert worst < 2e-6, worst


def test_hue_closed_forms():
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    third = torch.tensor([1 / 3], dtype=torch.float64)
    assert torch.allclose(aug.adjust_hue(red, third).view(-1), torch.tensor([0.0, 1.0, 0.0]), atol=1e-6)
    assert torch.allclose(aug.adjust_hue(red, -third).view(-1), torch.tensor([0.0, 0.0, 1.0]), atol=1e-6)
    grey = torch.full((1, 3, 2, 2), 0.4)
    assert torch.equal(aug.adjust_hue(grey, third), grey)
    x = _noise_images(2, 3)
    zero = torch.zeros(2, dtype=torch.float64)
    assert torch.allclose(aug.adjust_hue(x, zero), x, atol=1e-6)
    # HSV round trip of the reference conversions
    assert torch.allclose(aug.hsv_to_rgb(aug.rgb_to_hsv(x)), x, atol=1e-6)


# ----------------------------------------------------------------------------- geometric ops

def test_rotation_by_90_degrees_is_rot90_exactly(images):
    rows, cols = aug._grid("cpu")
    r, c, v = aug.affine_source(rows, cols, aug.rotation_matrix(torch.full((48,), 90.0)), 64)
    assert torch.equal(aug.gather(images, r, c, v, 0), torch.rot90(images, 1, dims=(-2, -1)))
    r, c, v = aug.affine_source(rows, cols, aug.rotation_matrix(torch.zeros(48)), 64)
    assert torch.equal(aug.gather(images, r, c, v, 0), images)


def test_affine_source_against_per_pixel_definition():
    """Nested loop: output pixel centre, relative to the image centre, through the inverse
    matrix, rounded to the nearest input pixel; ties (within 1e-3 of .5) are not judged."""
    angle = torch.tensor([23.0, 301.5])
    shear = (torch.tensor([40.0, -75.0]), torch.tensor([-10.0, 60.0]))
    trans = (torch.tensor([3.0, -7.0]), torch.tensor([0.0, 11.0]))
    m = aug.inverse_affine_matrix(angle, trans, shear)
    rows, cols = aug._grid("cpu")
    r, c, v = aug.affine_source(rows, cols, m, 64)
    checked = 0
    for b in range(2):
        mm = m[b].tolist()
        for i in range(0, 64, 3):
            for j in range(0, 64, 3):
                xc, yc = j - 31.5, i - 31.5
                xs = mm[0] * xc + mm[1] * yc + mm[2] + 31.5
                ys = mm[3] * xc + mm[4] * yc + mm[5] + 31.5
                if min(abs(xs % 1 - 0.5), abs(ys % 1 - 0.5)) < 1e-3:
                    continue
                rr, cc = round(ys), round(xs)
                inside = 0 <= rr < 64 and 0 <= cc < 64
                assert bool(v[b, i, j]) == inside
                if inside:
                    assert (int(r[b, i, j]), int(c[b, i, j])) == (rr, cc)
                checked += 1
    assert checked > 800


def test_perspective_coeffs_map_endpoints_to_startpoints():
    g = torch.Generator().manual_seed(1)
    start, end = aug._perspective_points(5, 96, 0.6, g)
    c = aug.perspective_coeffs(start, end).double()
    for b in range(5):
        for (x, y), (X, Y) in zip(end[b].tolist(), start[b].tolist()):
            den = c[b, 6] * x + c[b, 7] * y + 1
            assert abs((c[b, 0] * x + c[b, 1] * y + c[b, 2]) / den - X) < 1e-3
            assert abs((c[b, 3] * x + c[b, 4] * y + c[b, 5]) / den - Y) < 1e-3


def test_resized_crop_matches_interpolate():
    x = _noise_images(4, 5)
    top, left = torch.tensor([0, 5, 17, 30]), torch.tensor([3, 0, 9, 1])
    h, w = torch.tensor([64, 40, 47, 13]), torch.tensor([61, 64, 21, 50])
    rows, cols = aug._grid("cpu")
    r, c = aug.resized_crop_source(rows, cols, top, left, h, w)
    got = aug.gather(x, r.expand(4, 64, 64), c.expand(4, 64, 64), None, 0)
    for b in range(4):
        crop = x[b:b + 1, :, top[b]:top[b] + h[b], left[b]:left[b] + w[b]]
        want = torch.nn.functional.interpolate(crop, size=(64, 64), mode="nearest")[0]
        assert torch.equal(got[b], want)


@pytest.mark.parametrize("name", aug.NAMES)
def test_batched_equals_one_image_at_a_time(images, name):
    """The composed index maps (and the sorted, sparse colour pipeline) against applying each
    operation in turn to each whole image, with the same parameters."""
    x = torch.cat((images[:40], _noise_images(8, 9)))
    p = aug.sample_params(name, x.shape[0], generator=torch.Generator().manual_seed(21))
    y = aug.apply_params(x, name, p)
    differ = 0
    for i in range(x.shape[0]):
        want = ref.sequential(x[i], name, ref.params_of(p, i))
        d = (want - y[i]).abs()
        assert float(d.max()) < 1e-5 or name != "A", (i, float(d.max()))
        differ += int((d > 1e-5).any(0).sum())
    # float32 rounding at near-ties of the nearest rounding may pick the neighbouring pixel
    assert differ <= 1e-4 * x.shape[0] * 64 * 64, f"{differ} pixels differ"


_PALETTES = [
    [(0, 0, 0), (0.8, 0.1, 0.3)],                      # the first channel tells them apart
    [(0.5, 0.0, 0.0), (0.5, 0.7, 0.0)],                # only the second
    [(0.2, 0.4, 0.1), (0.2, 0.4, 0.9), (0.0, 0.0, 0.0)],  # only the third
    [(0.2, 0.4, 0.6), (0.2, 0.5, 0.7), (0.3, 0.4, 0.7), (0.3, 0.5, 0.6)],  # no single channel
    [(i / 9, (i * 4 % 9) / 9, (i * 7 % 9) / 9) for i in range(9)],  # more than PALETTE_MAX
    [(0.3, 0.6, 0.9)],                                 # one colour
]
_NO_CHANNEL = 3


def _palette_images():
    """One image per palette of :data:`_PALETTES`: horizontal stripes of its colours, three
    rows each, and a diagonal of single pixels in another order."""
    x = torch.zeros(len(_PALETTES), 3, 64, 64)
    for i, pal in enumerate(_PALETTES):
        cols = torch.tensor(pal, dtype=torch.float32)
        for j in range(64):
            x[i, :, j, :] = cols[(j // 3) % len(pal)].view(3, 1)
            x[i, :, j, (7 * j) % 64] = cols[(j + 1) % len(pal)]
    return x


def test_palette_form_of_A_equals_per_pixel_form(images, monkeypatch):
    """The palette form of A (a key channel per image, the or / xor keys, the fallbacks)
    against the per-pixel form, bit for bit, on a batch mixing every kind of image, and on
    each image alone."""
    x = torch.cat((images[:16], _palette_images(), _noise_images(2, 3)))
    for seed in range(4):
        p = aug.sample_params("A", x.shape[0], generator=torch.Generator().manual_seed(seed))
        want = aug._apply_A_pixels(x, p)
        assert torch.equal(aug._apply_A(x, p), want)
        for i in range(x.shape[0]):
            one = {k: v[i:i + 1] for k, v in p.items()}
            assert torch.equal(aug._apply_A(x[i:i + 1], one), want[i:i + 1]), (seed, i)
    # the image no channel separates takes the or / xor key, not the per-pixel path
    i = 16 + _NO_CHANNEL
    one = {k: v[i:i + 1] for k, v in p.items()}
    monkeypatch.setattr(aug, "_apply_A_pixels", lambda *a, **k: pytest.fail("per-pixel path taken"))
    assert torch.equal(aug._apply_A(x[i:i + 1], one), want[i:i + 1])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", aug.NAMES)
def test_chunked_equals_whole_batch(images, name, threads, monkeypatch):
    """A batch larger than a chunk (per-image numbers prepared once, pixels chunk by chunk)
    gives, bit for bit, what one pass over the whole batch gives."""
    monkeypatch.setattr(aug, "CHUNK", 4)
    monkeypatch.setattr(aug, "CHUNK_A", 16)
    x = torch.cat((images, _noise_images(3, 4)))  # 51 images: chunks and a remainder
    p = aug.sample_params(name, x.shape[0], generator=torch.Generator().manual_seed(17))
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        assert aug._chunk(name) < x.shape[0]
        got = aug.apply_params(x, name, p)
    finally:
        torch.set_num_threads(old)
    assert torch.equal(got, aug._PIXELS[name](x, aug._PREPARE[name](p)))


@pytest.mark.parametrize("name", aug.NAMES)
def test_against_torchvision(images, name):
    pytest.importorskip("torchvision")
    x = torch.cat((images[:24], _noise_images(8, 10)))
    p = aug.sample_params(name, x.shape[0], generator=torch.Generator().manual_seed(22))
    y = aug.apply_params(x, name, p)
    differ, worst = 0, 0.0
    for i in range(x.shape[0]):
        want = ref.torchvision_pipeline(x[i], name, ref.params_of(p, i))
        d = (want - y[i]).abs()
        worst = max(worst, float(d[d < 1e-3].max()) if (d < 1e-3).any() else 0.0)
        differ += int((d > 1e-5).any(0).sum())
    assert differ <= 1e-4 * x.shape[0] * 64 * 64 and worst < 1e-5, (differ, worst)


def test_colour_ops_against_torchvision_functional():
    pytest.importorskip("torchvision")
    import torchvision.transforms.functional as TF

    x = _noise_images(2, 12)
    for b, f in enumerate((0.13, 1.71)):
        one = torch.tensor([f], dtype=torch.float64)
        xi = x[b:b + 1]
        assert torch.allclose(aug.adjust_brightness(xi, one)[0], TF.adjust_brightness(xi[0], f), atol=1e-6)
        assert torch.allclose(aug.adjust_contrast(xi, one)[0], TF.adjust_contrast(xi[0], f), atol=1e-6)
        assert torch.allclose(aug.adjust_saturation(xi, one)[0], TF.adjust_saturation(xi[0], f), atol=1e-6)
        h = torch.tensor([f - 1.0], dtype=torch.float64) / 2
        assert torch.allclose(aug.adjust_hue(xi, h)[0], TF.adjust_hue(xi[0], float(h)), atol=2e-6)
        assert torch.allclose(aug.grayscale(xi)[0], TF.rgb_to_grayscale(xi[0], 3), atol=1e-7)


# ----------------------------------------------------------------------------- properties

@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_A_never_changes_which_pixels_are_foreground(seed):
    x = to_float(make_dataset(6, seed=seed % 100000)[0])
    y = aug.augment(x, "A", generator=torch.Generator().manual_seed(seed))
    bg = y[:, :, :1, :1]  # every black pixel of an image goes to one colour
    assert torch.equal((x != 0).any(1), (y != bg).any(1))
    assert torch.equal(fac.foreground_mask(x), fac.foreground_mask(y))


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["B", "C"]))
def test_B_and_C_never_create_a_colour(seed, name):
    x = _noise_images(3, seed)
    x[:, :, 20:40, 20:40] = to_float(make_dataset(3, seed=seed % 1000)[0])[:, :, 20:40, 20:40]
    y = aug.augment(x, name, generator=torch.Generator().manual_seed(seed))
    for i in range(3):
        have = set(map(tuple, x[i].reshape(3, -1).T.tolist())) | {(0.0, 0.0, 0.0)}
        made = set(map(tuple, y[i].reshape(3, -1).T.tolist()))
        assert made <= have


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_B_and_C_keep_exactly_the_source_pixel_values(seed):
    """Every output pixel is a copy of one input pixel (or black): the multiset of colours of
    the output is drawn from the input's, never mixed (nearest sampling)."""
    x = _noise_images(2, seed)
    for name in ("B", "C"):
        y = aug.augment(x, name, generator=torch.Generator().manual_seed(seed))
        flat_in = x.reshape(2, 3, -1)
        for i in range(2):
            out = y[i].reshape(3, -1)
            nonblack = out.abs().sum(0) > 0
            # each non-black output pixel matches some input pixel in all three channels
            cols = out[:, nonblack].T
            match = (cols[:, None, :] == flat_in[i].T[None, :, :]).all(-1).any(1)
            assert bool(match.all())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", aug.NAMES)
def test_cuda_matches_cpu(images, name):
    p = aug.sample_params(name, images.shape[0], generator=torch.Generator().manual_seed(3))
    cpu = aug.apply_params(images, name, p)
    gpu = aug.apply_params(images.cuda(), name, {k: v.cuda() for k, v in p.items()}).cpu()
    assert float((cpu - gpu).abs().max()) < 1e-4 or int(((cpu - gpu).abs() > 1e-4).any(1).sum()) <= 4
    g = torch.Generator(device="cuda").manual_seed(0)
    out = aug.augment(images.cuda(), name, generator=g)
    assert out.is_cuda and out.shape == images.shape


def test_rotation_angles_cover_the_circle():
    p = aug.sample_params("B", 2000, generator=torch.Generator().manual_seed(0))
    hist = torch.histc(p["angle"].float(), bins=8, min=0, max=360)
    assert float(hist.min()) > 150 and math.isclose(float(hist.sum()), 2000)


def test_keeping_freed_memory_changes_no_result(images):
    from numerics.shapes.cpu import keep_freed_memory

    p = aug.sample_params("A", images.shape[0], generator=torch.Generator().manual_seed(1))
    before = aug.apply_params(images, "A", p)
    assert keep_freed_memory() in (True, False)
    assert torch.equal(aug.apply_params(images, "A", p), before)
