"""A data file in place of the rendered data: checking it, its sample, its estimated factors,
and the experiment's results keyed by the file (a tiny profile)."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from numerics.shapes import render as rnd
from numerics.shapes.datafile import (
    DataFileError,
    data_sample,
    open_data_file,
    read_data_file,
    sample_indices,
    usable_images,
)
from numerics.shapes.experiment import experiment_dir, load_probes, run_experiment
from numerics.shapes.probe import ENCODERS
from numerics.shapes.train import Profile, Schedule


def homework_npy(path, images) -> str:
    """Write ``images`` (uint8 ``(n, 3, 64, 64)``) as the homework's file: a pickled dict whose
    ``imgs`` are ``(n, 64, 64, 3)``."""
    np.save(path, {"imgs": images.permute(0, 2, 3, 1).numpy()}, allow_pickle=True)
    return str(path)


@pytest.fixture(scope="module")
def rendered():
    return rnd.make_dataset(120, seed=21)


def test_the_homework_npy_is_checked_and_identified(tmp_path, rendered):
    images, _ = rendered
    images = images.clone()
    images[7] = 0  # one image shows nothing
    p = homework_npy(tmp_path / "shapes_dataset_6s898.npy", images)
    d = open_data_file(p)
    assert d.path == p and d.format == "npy" and d.n_images == 120 and d.n_usable == 119
    assert d.sha256 == hashlib.sha256(Path(p).read_bytes()).hexdigest()
    assert d.estimated == ("shape", "color", "location")
    assert usable_images(images).tolist() == [i != 7 for i in range(120)]


def test_a_saved_npz_keeps_its_factors_and_estimates_the_unknown_ones(tmp_path, rendered):
    images, f = rendered
    d = open_data_file(rnd.save_dataset(tmp_path / "d.npz", images, f))
    assert d.format == "npz" and d.estimated == ()
    g = dict(f, shape=torch.full_like(f["shape"], rnd.UNKNOWN))
    assert open_data_file(rnd.save_dataset(tmp_path / "e.npz", images, g)).estimated == ("shape",)


def _save(path, obj):
    np.save(path, obj, allow_pickle=True)
    return path


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("true",))


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.npy", "no such file"),
    (lambda d: d, "not a file"),
    (lambda d: _save(d / "a.npy", {"imgs": np.zeros((2, 32, 32, 3), np.uint8)}), "must be (n, 64, 64, 3)"),
    (lambda d: _save(d / "a.npy", {"imgs": np.zeros((2, 64, 64, 3), np.int64)}), "must be uint8 or float"),
    (lambda d: _save(d / "a.npy", {"imgs": np.full((2, 64, 64, 3), np.nan, np.float32)}), "NaN"),
    (lambda d: _save(d / "a.npy", {"imgs": np.full((2, 64, 64, 3), 2.0)}), "[0, 1]"),
    (lambda d: _save(d / "a.npy", {"imgs": "not an array"}), "must be (n, 64, 64, 3)"),
    (lambda d: _save(d / "a.npy", {"imgs": [[1, 2], [3]]}), "not an array of images"),
    (lambda d: _save(d / "a.npy", np.zeros((2, 64, 64, 3), np.uint8)), "expected a dict with key 'imgs'"),
    (lambda d: _save(d / "a.npy", {"images": np.zeros((2, 64, 64, 3), np.uint8)}), "expected a dict with key 'imgs'"),
    (lambda d: _save(d / "a.npy", np.array({"imgs": _Payload()}, dtype=object)), "refused to load"),
    (lambda d: _save(d / "a.npy", {"imgs": np.zeros((0, 64, 64, 3), np.uint8)}), "holds no images"),
    (lambda d: _save(d / "a.npy", {"imgs": np.zeros((3, 64, 64, 3), np.uint8)}), "none of its 3 images"),
    (lambda d: (d / "a.npy").write_bytes(b"not numpy") and d / "a.npy", "corrupt or not a .npy"),
    (lambda d: (d / "a.csv").write_text("1,2") and d / "a.csv", "unknown format '.csv'"),
    (lambda d: np.savez(d / "a.npz", images=np.zeros((2, 3, 64, 64), np.uint8)) or d / "a.npz",
     "not a shapes data file"),
])
def test_a_malformed_file_is_refused_in_one_line_naming_it(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(DataFileError) as err:
        open_data_file(path)
    text = str(err.value)
    assert message in text and str(path) in text and "\n" not in text


def test_an_npz_with_object_arrays_or_factors_out_of_range_is_refused(tmp_path, rendered):
    images, f = rendered
    arrays = rnd.dataset_arrays(images, f)
    np.savez(tmp_path / "obj.npz", **dict(arrays, factor_x=np.array([object()] * len(images))))
    with pytest.raises(DataFileError, match="obj.npz"):
        read_data_file(tmp_path / "obj.npz")
    np.savez(tmp_path / "range.npz", **dict(arrays, factor_color=np.full(len(images), 12)))
    with pytest.raises(DataFileError, match="'color' must lie in -1..8"):
        read_data_file(tmp_path / "range.npz")
    np.savez(tmp_path / "kind.npz", **dict(arrays, factor_shape=np.zeros(len(images), np.float32)))
    with pytest.raises(DataFileError, match="'shape' must hold integers"):
        read_data_file(tmp_path / "kind.npz")


def test_the_sample_is_a_seeded_random_draw_of_usable_images():
    usable = torch.ones(50, dtype=torch.bool)
    usable[[3, 9]] = False
    a, b = sample_indices(usable, 40, 0), sample_indices(usable, 40, 1)
    assert torch.equal(a, sample_indices(usable, 40, 0)) and not torch.equal(a, b)
    assert len(set(a.tolist())) == 40 and not {3, 9} & set(a.tolist())
    assert a.tolist() != sorted(a.tolist())  # not the file's order
    with pytest.raises(DataFileError, match="48 of the file's 50 images show a shape; 49 are needed"):
        sample_indices(usable, 49, 0)


def test_the_sample_estimates_the_factors_and_is_stored_once(tmp_path, rendered, monkeypatch):
    images, f = rendered
    d = open_data_file(homework_npy(tmp_path / "hw.npy", images))
    sample, est = data_sample(d, 100, seed=5, cache=tmp_path / "cache")
    idx = sample_indices(usable_images(images), 100, 5)
    assert torch.equal(sample, images[idx])
    # rendered images: the estimates are the renderer's factors (colour clusters ordered by hue
    # are the palette's order; the moment classifier names every shape)
    assert torch.equal(est["shape"], f["shape"][idx]) and torch.equal(est["color"], f["color"][idx])
    assert (est["x"] - f["x"][idx]).abs().max() < 1 and (est["y"] - f["y"][idx]).abs().max() < 1
    assert torch.isnan(est["size"]).all() and torch.isnan(est["rotation"]).all()
    # stored once: a second call reads the stored sample, not the file
    from numerics.shapes import datafile

    monkeypatch.setattr(datafile, "read_data_file", lambda path: pytest.fail("the file was read again"))
    again, est2 = data_sample(d, 100, seed=5, cache=tmp_path / "cache")
    assert torch.equal(again, sample) and all(torch.equal(est[k], est2[k]) for k in ("shape", "color"))
    monkeypatch.undo()
    # a file that changed since it was checked is refused
    homework_npy(tmp_path / "hw.npy", images.flip(0))
    with pytest.raises(DataFileError, match="changed since it was checked"):
        data_sample(d, 100, seed=5)


_SCH = Schedule(epochs=1, batch_size=8, lr=1e-3, steps_per_epoch=2)
TINY = Profile("tiny", n_images=64, n_train=40, n_val=24, d=16,
               schedules={"autoencoder": _SCH, "contrastive_A": _SCH, "contrastive_B": _SCH, "contrastive_C": _SCH},
               curve_points=4, curve_gallery=20, curve_queries=12, curve_pairs=6)


def test_the_experiment_on_a_file_is_kept_apart_and_keyed_by_it(tmp_path, rendered):
    images, f = rendered
    a = open_data_file(rnd.save_dataset(tmp_path / "a.npz", images, f))
    b = open_data_file(rnd.save_dataset(tmp_path / "b.npz", images.flip(0), {k: v.flip(0) for k, v in f.items()}))
    out = tmp_path / "out"
    pa = run_experiment(out, TINY, 3, progress=False, n_pairs=12, jobs=1, data=a)
    assert all(pa[e]["data"] == a.sha256 for e in ENCODERS)
    dir_a = experiment_dir(out, "tiny", 3, a)
    assert dir_a != experiment_dir(out, "tiny", 3) and dir_a.name.endswith(a.sha256[:16])
    assert (dir_a / "contrastive_B" / "checkpoint.pt").exists() and (dir_a / "sample-v1-64.npz").exists()
    # the probes of file a are never those of rendered data or of another file
    assert load_probes(out, "tiny", 3, a) is not None
    assert load_probes(out, "tiny", 3) is None and load_probes(out, "tiny", 3, b) is None
    pb = run_experiment(out, TINY, 3, progress=False, n_pairs=12, jobs=1, data=b)
    assert all(pb[e]["data"] == b.sha256 for e in ENCODERS)
    assert (experiment_dir(out, "tiny", 3, b) / "contrastive_B" / "checkpoint.pt").exists()
    assert pa["contrastive_B"]["final_loss"] != pb["contrastive_B"]["final_loss"]  # trained on b, not reused
