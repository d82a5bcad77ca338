"""The experiment: jobs, workers, caches and the probes.json schema (a tiny profile)."""

import json
import operator

import numpy as np
import pytest

from numerics.shapes.experiment import (
    JobFailed,
    experiment_dir,
    load_nn_grids,
    run_experiment,
)
from numerics.shapes.probe import ENCODERS
from numerics.shapes.train import Profile, Schedule

_SCH = Schedule(epochs=1, batch_size=8, lr=1e-3, steps_per_epoch=4)
TINY = Profile("tiny", n_images=64, n_train=40, n_val=24, d=16,
               schedules={"autoencoder": _SCH, "contrastive_A": _SCH, "contrastive_B": _SCH, "contrastive_C": _SCH},
               curve_points=4, curve_gallery=20, curve_queries=12, curve_pairs=6)


def _strip(probes):
    """The entries without the wall-clock fields."""
    return {k: {f: v for f, v in e.items() if f not in ("job_seconds", "train_seconds")} for k, e in probes.items()}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    return out, run_experiment(out, TINY, 3, progress=False, n_pairs=12, jobs=1)


def test_probes_schema_and_grids(tiny_run):
    out, probes = tiny_run
    on_disk = json.loads((out / "probes.json").read_text())
    assert list(on_disk) == list(ENCODERS) == list(probes)
    for enc, e in on_disk.items():
        for f in ("shape", "color", "location"):
            assert set(e[f]) == {"knn_acc", "chance", "normalized", "linear_acc", "train_knn_acc", "train_normalized"}
            assert 0 <= e[f]["knn_acc"] <= 1 and 0 < e[f]["chance"] < 1
        assert {"alignment", "uniformity", "train_seconds", "profile", "config", "curve", "epoch_losses"} <= set(e)
        assert e["profile"] == "tiny" and e["seed"] == 3 and set(e["alignment"]) == {"A", "B", "C"}
    assert on_disk["random_init"]["steps"] == 0 and on_disk["random_init"]["curve"] == []
    for enc in ENCODERS[1:]:
        curve = on_disk[enc]["curve"]
        assert [p["step"] for p in curve] == [0, 1, 2, 3, 4] and on_disk[enc]["steps"] == 4
        assert all(set(p["normalized"]) == {"shape", "color", "location"} for p in curve)
        assert curve[0]["loss"] == on_disk[enc]["first_loss"]
    grids = load_nn_grids(out, "tiny", 3)["grids"]
    g = grids["contrastive_B"]["val"]
    assert g["images"].shape == (8, 11, 64, 64, 3) and g["labels"].shape == (8, 11, 3)
    assert g["indices"].shape == (8, 11) and np.all(g["dists"][:, 0] == 0)
    assert np.all(np.diff(g["dists"][:, 1:], axis=1) >= -1e-12)


def test_random_init_is_the_contrastive_encoders_step_0(tiny_run):
    _, probes = tiny_run
    starts = [probes[f"contrastive_{a}"]["curve"][0]["normalized"] for a in "ABC"]
    assert starts[0] == starts[1] == starts[2]


def test_probes_json_and_finished_jobs_are_reused(tiny_run):
    out, probes = tiny_run
    (experiment_dir(out, "tiny", 3) / "autoencoder" / "checkpoint.pt").unlink()
    assert run_experiment(out, TINY, 3, progress=False, n_pairs=12) == json.loads((out / "probes.json").read_text())
    (out / "probes.json").unlink()  # each job's own result is reused: nothing retrains
    again = run_experiment(out, TINY, 3, progress=False, n_pairs=12, jobs=1)
    assert _strip(again) == _strip(probes)
    assert not (experiment_dir(out, "tiny", 3) / "autoencoder" / "checkpoint.pt").exists()


def test_two_worker_processes_give_the_numbers_of_one(tiny_run, tmp_path):
    _, probes = tiny_run
    parallel = run_experiment(tmp_path, TINY, 3, progress=False, n_pairs=12, jobs=2)
    assert _strip(parallel) == _strip(probes)


def test_a_failing_job_is_named(tmp_path):
    # operator.truediv is picklable and takes no `generator`: every job that augments raises
    with pytest.raises(JobFailed, match=r"^training/measuring \w+ failed: TypeError: [^\n]*$") as info:
        run_experiment(tmp_path, TINY, 3, progress=False, n_pairs=12, jobs=2, augment_fn=operator.truediv)
    assert "Traceback" in info.value.traceback
    with pytest.raises(TypeError):
        run_experiment(tmp_path / "one", TINY, 3, progress=False, n_pairs=12, jobs=1, augment_fn=operator.truediv)


def test_bad_seed_is_refused(tmp_path):
    with pytest.raises(ValueError, match="seed"):
        run_experiment(tmp_path, TINY, -1)
