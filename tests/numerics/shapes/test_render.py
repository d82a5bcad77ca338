"""The vectorized renderer against a per-pixel loop, closed-form areas, splits and files."""

import math
import pickle

import numpy as np
import pytest
import torch

from numerics.shapes import render as rnd


def _inside(shape, u, v, r):
    """Per-pixel definition of the three shapes in their own frame (u, v)."""
    if rnd.SHAPES[shape] == "circle":
        return u * u + v * v <= r * r
    if rnd.SHAPES[shape] == "square":
        return max(abs(u), abs(v)) <= r / math.sqrt(2)
    normals = [(math.cos(a), math.sin(a)) for a in
               (math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 + 4 * math.pi / 3)]
    return all(u * nx + v * ny <= r / 2 for nx, ny in normals)


def _render_loop(f, i):
    """Nested-loop reference: pixel (row, col) is foreground when its centre is inside."""
    img = np.zeros((3, 64, 64), dtype=np.uint8)
    x, y, r, th = (float(f[k][i]) for k in ("x", "y", "size", "rotation"))
    col = rnd.PALETTE_U8[int(f["color"][i])].numpy()
    for row in range(64):
        for c in range(64):
            dx, dy = c + 0.5 - x, row + 0.5 - y
            u = math.cos(th) * dx + math.sin(th) * dy
            v = math.cos(th) * dy - math.sin(th) * dx
            if _inside(int(f["shape"][i]), u, v, r):
                img[:, row, c] = col
    return img


def test_render_matches_per_pixel_loop():
    images, f = rnd.make_dataset(12, seed=3)
    for i in range(12):
        ref = _render_loop(f, i)
        got = images[i].numpy()
        # float32 vs float64 may flip a pixel whose centre lies on the boundary
        assert (ref != got).any(0).sum() <= 2, f"image {i}: {(ref != got).any(0).sum()} pixels differ"


def test_areas_match_closed_forms():
    n = 300
    f = {"shape": torch.arange(n) % 3, "color": torch.zeros(n, dtype=torch.long),
         "x": torch.full((n,), 32.0), "y": torch.full((n,), 32.0), "size": torch.full((n,), 14.0),
         "rotation": torch.linspace(0, 6.28, n)}
    area = rnd.shape_masks(f).sum((1, 2)).double()
    expect = {0: 3 * math.sqrt(3) / 4 * 14 ** 2, 1: math.pi * 14 ** 2, 2: 2 * 14 ** 2}
    for k, a in expect.items():
        measured = area[f["shape"] == k]
        assert (measured - a).abs().max() < 0.05 * a, (rnd.SHAPES[k], measured.min(), measured.max(), a)


def test_dataset_is_deterministic_and_in_range():
    a, fa = rnd.make_dataset(200, seed=1)
    b, fb = rnd.make_dataset(200, seed=1)
    c, _ = rnd.make_dataset(200, seed=2)
    assert a.dtype == torch.uint8 and a.shape == (200, 3, 64, 64)
    assert torch.equal(a, b) and all(torch.equal(fa[k], fb[k]) for k in fa)
    assert not torch.equal(a, c)
    assert set(fa) == set(rnd.FACTOR_NAMES)
    assert fa["shape"].dtype == torch.long and fa["x"].dtype == torch.float32
    assert rnd.validate_factors(fa) == 200
    # every foreground pixel has the image's palette colour; the rest is black; the border is black
    for i in range(200):
        fg = a[i].amax(0) > 0
        assert fg.sum() > 20
        assert torch.equal(a[i][:, fg].T.unique(dim=0), rnd.PALETTE_U8[fa["color"][i]].view(1, 3))
        assert not fg[0].any() and not fg[-1].any() and not fg[:, 0].any() and not fg[:, -1].any()
    assert set(fa["shape"].tolist()) == {0, 1, 2} and set(fa["color"].tolist()) == set(range(9))


def test_split_sizes():
    assert rnd.split_sizes(64000) == (40000, 24000)
    assert rnd.split_sizes(6400) == (4000, 2400)
    tr, va = rnd.split_indices(1000)
    assert len(tr) == 625 and len(va) == 375 and torch.equal(torch.cat((tr, va)), torch.arange(1000))


def test_to_float():
    x = torch.tensor([0, 255, 51], dtype=torch.uint8).view(1, 3, 1, 1)
    assert torch.equal(rnd.to_float(x).view(-1), torch.tensor([0.0, 1.0, 0.2]))
    with pytest.raises(ValueError, match="uint8 or floating"):
        rnd.to_float(torch.zeros(1, dtype=torch.int32))


@pytest.mark.parametrize("key, value, msg", [
    ("shape", 3, "'shape' out of range"), ("color", -1, "'color' out of range"),
    ("x", 60.0, "'x' out of range"), ("size", 2.0, "'size' out of range"),
    ("rotation", float("nan"), "not finite"),
])
def test_factors_out_of_range_are_rejected(key, value, msg):
    _, f = rnd.make_dataset(4, seed=0)
    f = {k: v.clone() for k, v in f.items()}
    f[key][2] = value
    with pytest.raises(ValueError, match=msg):
        rnd.render(f)
    with pytest.raises(ValueError, match="lack"):
        rnd.render({"shape": f["shape"]})


def test_npz_roundtrip_and_bad_files(tmp_path):
    images, f = rnd.make_dataset(50, seed=4)
    path = rnd.save_dataset(tmp_path / "d.npz", images, f)
    im2, f2 = rnd.load_dataset(path)
    assert torch.equal(images, im2) and all(torch.equal(f[k], f2[k]) for k in f)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="corrupt"):
        rnd.load_dataset(bad)
    other = tmp_path / "other.npz"
    np.savez(other, images=images.numpy())
    with pytest.raises(ValueError, match="not a shapes data file"):
        rnd.load_dataset(other)
    mismatched = tmp_path / "mismatched.npz"
    arrays = {"images": images.numpy(), "format": np.array(rnd._FORMAT)}
    arrays.update({f"factor_{k}": v.numpy()[:10] for k, v in f.items()})
    np.savez(mismatched, **arrays)
    with pytest.raises(ValueError, match="to match the images"):
        rnd.load_dataset(mismatched)
    with pytest.raises(ValueError, match="no data file"):
        rnd.load_dataset(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="uint8"):
        rnd.save_dataset(tmp_path / "x.npz", images.float(), f)


def test_homework_npy_loads_and_estimates_colour_and_location(tmp_path):
    images, f = rnd.make_dataset(300, seed=5)
    path = tmp_path / "shapes_dataset_6s898.npy"
    np.save(path, {"imgs": images.permute(0, 2, 3, 1).numpy()}, allow_pickle=True)
    im2, est = rnd.load_dataset(path)
    assert torch.equal(im2, images)
    assert (est["shape"] == rnd.UNKNOWN).all() and torch.isnan(est["size"]).all() and torch.isnan(est["rotation"]).all()
    assert (est["x"] - f["x"]).abs().max() < 1.0 and (est["y"] - f["y"]).abs().max() < 1.0
    # colour clusters: images of one true colour get one estimated index, different colours differ
    pairs = set(zip(f["color"].tolist(), est["color"].tolist()))
    assert len(pairs) == 9 and len({a for a, _ in pairs}) == 9 and len({b for _, b in pairs}) == 9
    # float images in [0, 1], channels first, work too
    np.save(path, {"imgs": images.float().numpy() / 255}, allow_pickle=True)
    assert torch.equal(rnd.load_dataset(path)[0], images)


def test_homework_npy_bad_files(tmp_path):
    p = tmp_path / "a.npy"
    np.save(p, {"images": np.zeros((2, 64, 64, 3), np.uint8)}, allow_pickle=True)
    with pytest.raises(ValueError, match="key 'imgs'"):
        rnd.load_dataset(p)
    np.save(p, {"imgs": np.zeros((2, 32, 32, 3), np.uint8)}, allow_pickle=True)
    with pytest.raises(ValueError, match="must be"):
        rnd.load_dataset(p)
    p.write_bytes(b"not a numpy file" + pickle.dumps(1))
    with pytest.raises(ValueError, match="corrupt"):
        rnd.load_dataset(p)


class _Payload:
    """Pickles as a call to os.system: loading it with a plain unpickler runs a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_npy_is_refused_and_its_payload_never_runs(tmp_path):
    marker = tmp_path / "ran"
    p = tmp_path / "evil.npy"
    np.save(p, np.array({"imgs": _Payload(marker)}, dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="refused to load posix.system|refused to load os.system"):
        rnd.load_homework_npy(p)
    assert not marker.exists()


def test_the_restricted_reader_reads_what_np_load_reads(tmp_path):
    from numerics.shapes.render import read_npy_data

    data = {"imgs": np.arange(24, dtype=np.uint8).reshape(1, 2, 4, 3), "labels": [1, 2], "name": "x",
            "scale": np.float32(0.5)}
    p = tmp_path / "d.npy"
    np.save(p, data, allow_pickle=True)
    got = read_npy_data(p).item()
    assert np.array_equal(got["imgs"], data["imgs"]) and got["labels"] == [1, 2] and got["name"] == "x"
    assert got["scale"] == np.float32(0.5)
    np.save(tmp_path / "plain.npy", np.eye(3))
    assert np.array_equal(read_npy_data(tmp_path / "plain.npy"), np.eye(3))
