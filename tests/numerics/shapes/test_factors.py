"""Measuring factors from pixels: masks, centroids, colours, invariant shape features, the
shape classifier and the agreement statistic."""

import math

import pytest
import torch

from numerics.shapes import factors as fac
from numerics.shapes import render as rnd


@pytest.fixture(scope="module")
def data():
    images, f = rnd.make_dataset(600, seed=21)
    return rnd.to_float(images), f


@pytest.fixture(scope="module")
def classifier():
    return fac.train_shape_classifier(900, seed=7)


def test_mask_and_centroid_against_loops(data):
    x, f = data
    m = fac.foreground_mask(x[:5])
    xy = fac.centroid(m)
    for b in range(5):
        pts = [(j + 0.5, i + 0.5) for i in range(64) for j in range(64) if float(x[b, :, i, j].max()) > 0]
        assert int(m[b].sum()) == len(pts)
        assert abs(sum(p[0] for p in pts) / len(pts) - float(xy[b, 0])) < 1e-9
        assert abs(sum(p[1] for p in pts) / len(pts) - float(xy[b, 1])) < 1e-9
    assert torch.isnan(fac.centroid(torch.zeros(1, 64, 64, dtype=torch.bool))).all()


def test_tinted_background_is_not_foreground(data):
    x, _ = data
    tinted = x[:4] + (x[:4].amax(1, keepdim=True) == 0) * 0.2  # background (0.2, 0.2, 0.2)
    assert torch.equal(fac.foreground_mask(tinted), fac.foreground_mask(x[:4]))


def test_location_cell_closed_form():
    xy = torch.tensor([[1.0, 1.0], [63.0, 1.0], [32.0, 32.0], [1.0, 63.0], [float("nan"), 3.0], [21.3, 42.7]])
    assert fac.location_cell(xy).tolist() == [0, 2, 4, 6, -1, 3 * 2 + 0]


def test_measurements_on_clean_images(data, classifier):
    x, f = data
    m = fac.measure(x, classifier)
    assert torch.equal(m["color"], f["color"])
    assert float((m["x"] - f["x"]).abs().max()) < 1.0 and float((m["y"] - f["y"]).abs().max()) < 1.0
    assert float((m["shape"] == f["shape"]).double().mean()) >= 0.98
    assert classifier.train_accuracy >= 0.98
    cell_truth = fac.location_cell(torch.stack((f["x"], f["y"]), 1).double())
    assert float((m["cell"] == cell_truth).double().mean()) > 0.95


def test_color_index_of_the_palette_and_nan():
    assert fac.color_index(rnd.PALETTE).tolist() == list(range(9))
    assert fac.color_index(torch.tensor([[float("nan")] * 3])).tolist() == [-1]


def test_shape_features_closed_forms():
    """Large shapes approach the continuum values of fill, spread and symmetry moments."""
    n = 3
    f = {"shape": torch.arange(3), "color": torch.zeros(n, dtype=torch.long),
         "x": torch.full((n,), 32.0), "y": torch.full((n,), 32.0), "size": torch.full((n,), 14.0),
         "rotation": torch.full((n,), 0.3)}
    feats = fac.shape_features(rnd.shape_masks(f))
    tri, circ, sq = feats.tolist()
    assert circ[0] == pytest.approx(1.0, abs=0.08) and sq[0] == pytest.approx(2 / math.pi, abs=0.06)
    assert tri[0] == pytest.approx(3 * math.sqrt(3) / (4 * math.pi), abs=0.05)
    assert circ[1] == pytest.approx(1 / (2 * math.pi), abs=0.005) and sq[1] == pytest.approx(1 / 6, abs=0.005)
    assert tri[1] == pytest.approx(math.sqrt(3) / 9, abs=0.006)
    assert tri[2] > 0.2 > max(circ[2], sq[2])
    assert sq[3] > 0.1 > max(circ[3], tri[3])


def test_shape_features_invariant_to_rot90_and_shift(data):
    x, _ = data
    m = fac.foreground_mask(x[:50])
    a = fac.shape_features(m)
    b = fac.shape_features(torch.rot90(m, 1, dims=(1, 2)))
    c = fac.shape_features(torch.roll(m, shifts=(0, 0), dims=(1, 2)))
    assert torch.allclose(a, b, atol=1e-9) and torch.allclose(a, c)
    shifted = torch.zeros_like(m)
    shifted[:, 1:, 2:] = m[:, :-1, :-2]
    assert torch.allclose(a, fac.shape_features(shifted), atol=1e-9)
    assert torch.isnan(fac.shape_features(torch.zeros(1, 64, 64, dtype=torch.bool))).all()


def test_agreement_closed_forms():
    a = torch.tensor([0, 1, 2, 0, 1, 2])
    r = fac.agreement(a, a, 3)
    assert r["agree"] == 1 and r["kappa"] == 1 and r["chance"] == pytest.approx(1 / 3)
    b = torch.tensor([1, 2, 0, 1, 2, 0])
    r = fac.agreement(a, b, 3)
    assert r["agree"] == 0 and r["kappa"] == pytest.approx(-0.5)
    r = fac.agreement(torch.tensor([0, -1, 1]), torch.tensor([0, 1, -1]), 2)
    assert r["pairs"] == 1
    g = torch.Generator().manual_seed(0)
    u, v = torch.randint(0, 9, (20000,), generator=g), torch.randint(0, 9, (20000,), generator=g)
    assert abs(fac.agreement(u, v, 9)["kappa"]) < 0.02


def test_pair_agreement_identity_views(data, classifier):
    """A sanity case of the Q8b measurement: views that are the image itself agree on all."""
    x, _ = data
    from numerics.shapes import augment

    orig = augment.augment
    try:
        augment.augment = lambda images, name, *, generator: images
        res = fac.pair_agreement(x[:200], "A", classifier, generator=torch.Generator())
    finally:
        augment.augment = orig
    assert res["both_visible"] == 1.0
    assert all(res[k]["kappa"] == pytest.approx(1.0) for k in ("shape", "location", "color"))


def test_bad_input():
    with pytest.raises(ValueError, match="shape"):
        fac.foreground_mask(torch.zeros(2, 64, 64))
    with pytest.raises(ValueError, match="torch.Tensor"):
        fac.measure([1, 2])
