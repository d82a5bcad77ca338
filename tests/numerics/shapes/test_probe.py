"""Probes: nearest neighbours, 1-NN accuracy and chance, linear probe, alignment, uniformity."""

import numpy as np
import pytest
import torch

from numerics.shapes.models import Encoder
from numerics.shapes.probe import (
    alignment,
    chance_level,
    check_unit_rows,
    embed,
    factor_entry,
    knn_accuracy,
    linear_probe_accuracy,
    location_bins,
    nearest_neighbours,
    nn_grid,
    pairwise_sq_dists,
    uniformity,
)


def _unit(rng, n, d):
    z = rng.standard_normal((n, d))
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def test_pairwise_sq_dists_matches_nested_loops():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((7, 4)), rng.standard_normal((5, 4))
    ref = np.array([[sum((a[i, t] - b[j, t]) ** 2 for t in range(4)) for j in range(5)] for i in range(7)])
    assert np.allclose(pairwise_sq_dists(a, b), ref, atol=1e-12)


def test_nearest_neighbours_and_grid_match_brute_force():
    rng = np.random.default_rng(1)
    emb = rng.standard_normal((40, 3))
    nn = nearest_neighbours(emb[:5], emb, 4)
    for i in range(5):
        d = sorted((float(((emb[i] - emb[j]) ** 2).sum()), j) for j in range(40))
        assert nn[i].tolist() == [j for _, j in d[:4]]
        assert nn[i, 0] == i
    grid = nn_grid(emb, [3, 9], k=10)
    assert grid.shape == (2, 11) and grid[:, 0].tolist() == [3, 9]
    assert 3 not in grid[0, 1:] and 9 not in grid[1, 1:]


def test_nn_grid_puts_query_first_even_with_duplicates():
    emb = np.zeros((12, 2))
    grid = nn_grid(emb, [5], k=10)
    assert grid[0, 0] == 5 and 5 not in grid[0, 1:]


def test_chance_level_closed_forms():
    assert chance_level(np.array([0, 1, 2] * 10), np.array([0, 1, 2] * 20)) == pytest.approx(1 / 3)
    assert chance_level(np.zeros(5, int), np.zeros(9, int)) == 1.0
    assert chance_level(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])) == pytest.approx(0.5 * 0.75 + 0.5 * 0.25)


def test_knn_accuracy_perfect_and_blind():
    labels = np.arange(30) % 3
    emb = np.eye(3)[labels] * 5 + 0.01 * np.random.default_rng(2).standard_normal((30, 3))
    assert knn_accuracy(emb[:10], labels[:10], emb[10:], labels[10:]) == 1.0
    const = np.zeros((30, 3))  # all ties -> index 0 of the gallery
    acc = knn_accuracy(const[:10], labels[:10], const[10:], labels[10:])
    assert acc == float(np.mean(labels[:10] == labels[10]))


def test_knn_accuracy_matches_loop_reference():
    rng = np.random.default_rng(3)
    q, g = rng.standard_normal((25, 4)), rng.standard_normal((40, 4))
    lq, lg = rng.integers(0, 3, 25), rng.integers(0, 3, 40)
    hits = 0
    for i in range(25):
        best = min(range(40), key=lambda j: (sum((q[i, t] - g[j, t]) ** 2 for t in range(4)), j))
        hits += int(lg[best] == lq[i])
    assert knn_accuracy(q, lq, g, lg, chunk=7) == hits / 25


def test_linear_probe_separable_and_random():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 300)
    x = np.eye(3)[y] + 0.1 * rng.standard_normal((300, 3))
    assert linear_probe_accuracy(x[:200], y[:200], x[200:], y[200:]) == 1.0
    noise = rng.standard_normal((300, 3))
    assert linear_probe_accuracy(noise[:200], y[:200], noise[200:], y[200:]) < 0.6


def test_location_bins_grid():
    from numerics.shapes.render import LOCATION_RANGE

    lo, hi = LOCATION_RANGE
    step = (hi - lo) / 3
    xs = np.array([lo, lo + step * 1.5, hi, lo])
    ys = np.array([lo, lo, hi, hi])
    assert location_bins(xs, ys).tolist() == [0, 1, 8, 6]


def test_alignment_and_uniformity_closed_forms():
    rng = np.random.default_rng(5)
    z = _unit(rng, 20, 3)
    assert alignment(z, z) == 0.0
    assert alignment(z, -z) == pytest.approx(4.0)
    same = np.tile(z[:1], (10, 1))
    assert uniformity(same) == pytest.approx(0.0, abs=1e-12)
    antipodal = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert uniformity(antipodal, t=2) == pytest.approx(-8.0)
    # nested-loop reference
    ref = np.log(np.mean([np.exp(-2 * np.sum((z[i] - z[j]) ** 2)) for i in range(20) for j in range(i + 1, 20)]))
    assert uniformity(z) == pytest.approx(ref, rel=1e-12)


def test_unit_rows_are_required():
    with pytest.raises(ValueError, match="row 1"):
        check_unit_rows(np.array([[1.0, 0.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="row 0"):
        alignment(np.array([[0.5, 0.0]]), np.array([[1.0, 0.0]]))


def test_factor_entry_schema():
    rng = np.random.default_rng(6)
    e = factor_entry(rng.standard_normal((50, 3)), rng.integers(0, 3, 50), rng.standard_normal((20, 3)),
                     rng.integers(0, 3, 20))
    assert set(e) == {"knn_acc", "chance", "normalized", "linear_acc", "train_knn_acc", "train_normalized"}
    assert e["normalized"] == pytest.approx((e["knn_acc"] - e["chance"]) / (1 - e["chance"]))


def test_embed_matches_direct_call_and_batches():
    torch.manual_seed(0)
    enc = Encoder(8, normalize=True)
    imgs = torch.randint(0, 256, (7, 3, 64, 64), dtype=torch.uint8)
    got = embed(enc, imgs, batch_size=3)
    with torch.no_grad():
        ref = enc((imgs.float() / 255 - 0.5) / 0.5).numpy()
    assert got.shape == (7, 8) and np.allclose(got, ref, atol=1e-6)


def test_leave_one_out_knn_matches_loop_reference():
    rng = np.random.default_rng(7)
    emb, lab = rng.standard_normal((30, 3)), rng.integers(0, 3, 30)
    emb[5] = emb[6]  # an exact duplicate: each may return the other, never itself
    hits = 0
    for i in range(30):
        best = min((j for j in range(30) if j != i),
                   key=lambda j: (sum((emb[i, t] - emb[j, t]) ** 2 for t in range(3)), j))
        hits += int(lab[best] == lab[i])
    assert knn_accuracy(emb, lab, emb, lab, leave_one_out=True, chunk=4) == hits / 30
    with pytest.raises(ValueError, match="leave_one_out"):
        knn_accuracy(emb[:5], lab[:5], emb, lab, leave_one_out=True)


def _toy_augment(x01, name, *, generator):
    return x01.flip(-1) if name == "B" else x01 * 0.9


def test_curve_probe_equals_its_definition():
    from numerics.shapes.probe import CurveProbe, normalized_accuracy

    torch.manual_seed(0)
    enc = Encoder(8, normalize=True)
    g = torch.Generator().manual_seed(1)
    imgs = torch.randint(0, 256, (30, 3, 64, 64), generator=g, dtype=torch.uint8)
    labels = {f: np.arange(30) % k for f, k in (("shape", 3), ("color", 9), ("location", 9))}
    gal, qry = {f: v[:20] for f, v in labels.items()}, {f: v[20:] for f, v in labels.items()}
    probe = CurveProbe(imgs[:20], gal, imgs[20:], qry, imgs[:6], augment_fn=_toy_augment)
    got = probe(enc)
    eg, eq = embed(enc, imgs[:20]), embed(enc, imgs[20:])
    for f in ("shape", "color", "location"):
        want = normalized_accuracy(knn_accuracy(eq, qry[f], eg, gal[f]), chance_level(qry[f], gal[f]))
        assert got["normalized"][f] == want
    eq64 = eq.astype(np.float64)
    assert got["uniformity"] == pytest.approx(uniformity(eq64 / np.linalg.norm(eq64, axis=1, keepdims=True)))
    za = embed(enc, imgs[:6], augment_fn=_toy_augment, augmentation="A").astype(np.float64)
    za /= np.linalg.norm(za, axis=1, keepdims=True)
    assert got["alignment"]["A"] == pytest.approx(alignment(za, za))  # _toy_augment A is deterministic: 0
    assert (got["gallery"], got["queries"]) == (20, 10)
    assert probe(enc) == got  # deterministic
