"""``companion key --data FILE``: the file is checked before any work, every cache is keyed by
it, and the key says which data it used."""

import json
import time

import numpy as np
import pytest

from companion import render
from companion.build import _previous_claims, cached_evidence, key_json
from companion.cli import main
from numerics.shapes.datafile import DataFile
from proofs.context import Context, code_fingerprint
from proofs.registry import Claim, ClaimResult, Evidence, check

FILE_A = DataFile("/data/shapes_dataset_6s898.npy", "a" * 64, "npy", 64000, 63990, ("shape", "color", "location"))
FILE_B = DataFile("/data/shapes_dataset_6s898.npy", "b" * 64, "npy", 64000, 64000, ("shape", "color", "location"))


def _npy(path, obj):
    np.save(path, obj, allow_pickle=True)
    return path


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("true",))


@pytest.mark.parametrize("command", ["key", "check"])
@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.npy", "no such file"),
    (lambda d: _npy(d / "f.npy", {"imgs": np.zeros((4, 32, 32, 3), np.uint8)}), "must be (n, 64, 64, 3)"),
    (lambda d: _npy(d / "f.npy", {"imgs": np.zeros((4, 64, 64, 3), np.int32)}), "must be uint8 or float"),
    (lambda d: _npy(d / "f.npy", np.zeros((4, 64, 64, 3), np.uint8)), "expected a dict with key 'imgs'"),
    (lambda d: _npy(d / "f.npy", np.array({"imgs": _Payload()}, dtype=object)), "refused to load"),
])
def test_a_malformed_file_is_a_one_line_usage_error_before_any_work(tmp_path, capsys, command, make, message):
    path = make(tmp_path)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    assert main([command, "--data", str(path), "--only", "q8d", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"companion: error: --data {path}") and message in err and err.count("\n") == 1
    assert not out.exists() and time.perf_counter() - t0 < 10  # nothing was built, nothing trained


def test_a_file_too_small_for_the_profile_is_a_usage_error(tmp_path, capsys):
    from numerics.shapes.render import make_dataset

    images, _ = make_dataset(20, seed=1)
    path = _npy(tmp_path / "small.npy", {"imgs": images.permute(0, 2, 3, 1).numpy()})
    assert main(["key", "--data", str(path), "--only", "q8d", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "20 of its 20 images show a shape; the fast profile trains and measures on 6,400" in err


def test_cached_results_are_keyed_by_the_data(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    for data in (None, FILE_A, FILE_A, FILE_B, None):
        Context(out_dir=tmp_path, data=data).cached("x", compute)
    assert len(calls) == 4  # only the second FILE_A reuses


def test_evidence_is_keyed_by_the_data(tmp_path):
    runs = []

    @check("exact", "reads the data")
    def _reads(ctx, claim):  # judges the answer: never memoized in-process, only cached on disk
        runs.append(ctx.data_sha256)
        return True, f"data {ctx.data_sha256}"

    claim = Claim(id="q3", title="t", points=0, statement="s", answer="a", proof="p", checks=(_reads,),
                  open_answer="a test claim")
    fp = code_fingerprint()
    for data in (FILE_A, FILE_A, FILE_B, None, FILE_A):
        cached_evidence(claim, Context(out_dir=tmp_path, data=data), fp)
    assert runs == ["a" * 64, "b" * 64, None, "a" * 64]


def _result():
    @check("exact", "ok")
    def _ok(ctx):
        return True, "fine"

    c = Claim(id="q3", title="T", points=0.5, statement="S", answer="x", proof="P", checks=(_ok,),
              open_answer="a rendering test claim")
    return ClaimResult(c, [Evidence("exact", True, "fine", "ok")])


def test_the_key_states_its_data(tmp_path):
    ctx = Context(out_dir=tmp_path, seed=3, data=FILE_A)
    data = key_json([_result()], ctx)["data"]
    assert data["source"] == "file" and data["sha256"] == "a" * 64 and data["path"] == FILE_A.path
    assert data["n_images"] == 64000 and data["n_usable"] == 63990 and data["estimated"] == ["shape", "color", "location"]
    assert data["sample"] == {"images": 6400, "train": 4000, "val": 2400, "seed": 3}
    for doc in (render.markdown, render.short_markdown, render.latex, render.short_latex):
        text = doc([_result()], ctx)
        assert "Data." in text and "shapes" in text and "a" * 16 in text and "63,990 showing a shape" in text
        assert "drawn at random for seed 3" in text and "moment classifier" in text
    rendered = key_json([_result()], Context(out_dir=tmp_path))["data"]
    assert rendered["source"] == "rendered" and "sha256" not in rendered
    assert "rendered by `numerics.shapes.render` for seed 0" in render.markdown([_result()], Context(out_dir=tmp_path))


def test_only_merges_claims_of_the_same_data(tmp_path):
    rendered = Context(out_dir=tmp_path)
    (tmp_path / "key.json").write_text(json.dumps(key_json([_result()], rendered)))
    assert set(_previous_claims(rendered)) == {"q3"}
    assert _previous_claims(Context(out_dir=tmp_path, data=FILE_A)) == {}
    (tmp_path / "key.json").write_text(json.dumps(key_json([_result()], Context(out_dir=tmp_path, data=FILE_A))))
    assert set(_previous_claims(Context(out_dir=tmp_path, data=FILE_A))) == {"q3"}
    assert _previous_claims(Context(out_dir=tmp_path, data=FILE_B)) == {} and _previous_claims(rendered) == {}


@pytest.mark.slow
def test_key_trains_and_measures_on_a_homework_npy(tmp_path, capsys):
    """End to end, fast profile: a homework-format file of rendered images (6,400, what the
    profile trains and measures on); the trained claims of Q7 and Q8 are built from it."""
    from numerics.shapes.experiment import experiment_dir
    from numerics.shapes.render import make_dataset

    images, _ = make_dataset(6400, seed=77)
    path = _npy(tmp_path / "shapes_dataset_6s898.npy", {"imgs": images.permute(0, 2, 3, 1).numpy()})
    out = tmp_path / "out"
    rc = main(["key", "--data", str(path), "--only", "q7d,q8d", "--out", str(out), "--no-pdf"])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert f"data of the shapes experiment: {path}" in printed
    key = json.loads((out / "key.json").read_text())
    sha = key["data"]["sha256"]
    assert key["data"]["source"] == "file" and key["data"]["path"] == str(path) and key["data"]["n_images"] == 6400
    assert set(key["claims"]) == {"q7d", "q8d"} and all(c["verdict"] == "verified" for c in key["claims"].values())
    probes = json.loads((out / "results" / "probes.json").read_text())
    assert all(e["data"] == sha for e in probes.values())
    assert (experiment_dir(out / "results", "fast", 0).parent / f"fast-seed0-data{sha[:16]}" / "sample-v1-6400.npz").exists()
    assert not experiment_dir(out / "results", "fast", 0).exists()  # nothing rendered was trained
    md = (out / "answer_key.md").read_text()
    assert "**Data.**" in md and "`shapes_dataset_6s898.npy`" in md and sha[:16] in md
