"""Interrupted, concurrent and partial runs never leave a wrong key behind."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from companion.build import OutDirBusy, out_lock
from companion.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _key(out, only):
    return main(["key", "--only", only, "--out", str(out), "--no-pdf"])


def test_only_merges_into_the_existing_key(tmp_path):
    assert _key(tmp_path, "q3") == 0
    first = json.loads((tmp_path / "key.json").read_text())["claims"]
    assert _key(tmp_path, "q4c") == 0
    key = json.loads((tmp_path / "key.json").read_text())["claims"]
    assert list(key) == ["q3", "q4c"]  # the homework's order, q3 kept
    assert key["q3"]["run"] == first["q3"]["run"] != key["q4c"]["run"]
    assert key["q3"]["verdict"] == "verified"
    md = (tmp_path / "answer_key.md").read_text()
    assert "Dot products and distances" in md and "Which condition ensures perfect accuracy" in md


def test_a_second_run_on_the_same_folder_stops_with_one_line(tmp_path, capsys):
    with out_lock(tmp_path):
        assert _key(tmp_path, "q3") == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "in use by another companion run" in err
        with pytest.raises(OutDirBusy):
            with out_lock(tmp_path):
                pass


def test_no_output_file_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        assert _key(tmp_path, "q4a") == 0  # documents, key.json, results, evidence and a figure
    finally:
        os.umask(old)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != ".companion.lock"]
    assert any(p.suffix == ".png" for p in files) and any(p.name == "key.json" for p in files)
    private = [str(p) for p in files if stat.S_IMODE(p.stat().st_mode) != 0o644]
    assert not private, private


def test_an_undecided_check_fails_but_is_not_cached(tmp_path, monkeypatch):
    from proofs import registry
    from proofs.checks import Undecided
    from proofs.registry import Claim, check

    calls = {"n": 0}

    @check("smt", "a solver out of time")
    def _undecided(ctx):
        calls["n"] += 1
        raise Undecided("z3: out of time")

    claim = Claim(id="q4d", title="t", points=0, statement="s", answer="a", proof="p", checks=(_undecided,),
                  open_answer="a test claim")
    monkeypatch.setitem(registry.REGISTRY, "q4d", claim)
    assert main(["check", "--only", "q4d", "--out", str(tmp_path)]) == 1
    assert main(["check", "--only", "q4d", "--out", str(tmp_path)]) == 1
    assert calls["n"] == 2  # run again, not read back
    assert not (tmp_path / "results" / "evidence" / "q4d.json").exists()


def test_z3_interrupted_is_an_interrupt(monkeypatch):
    import z3

    from proofs.checks import Undecided, z3_proves

    monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
    monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: "canceled")
    x = z3.Real("x")
    with pytest.raises(KeyboardInterrupt):
        z3_proves(x * x >= 0, "square")
    monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: "timeout")
    with pytest.raises(Undecided):
        z3_proves(x * x >= 0, "square")


def test_ctrl_c_during_z3_then_a_rerun_verifies(tmp_path):
    """The issue's reproduction: SIGINT while q2's z3 proofs run, then the same command again."""
    cmd = [sys.executable, "-m", "companion", "key", "--only", "q2", "--out", str(tmp_path), "--no-pdf"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    evidence = tmp_path / "results" / "evidence" / "q2.json"
    t0 = time.monotonic()
    time.sleep(4)  # inside q2's checks: start-up takes about 2 s, the checks about 20 s
    # Ctrl-C, and once more if the run goes on for 15 s, as a user would: a SIGINT that lands in
    # a z3 call that does not poll its cancel flag (seen once with two heavy jobs beside the test)
    # is absorbed by z3's own handler.  (Not sooner: a second SIGINT during the orderly shutdown
    # would end the process by the signal instead of with status 130.)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err[-500:])
    assert not evidence.exists(), "an interrupted claim was cached"
    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and "1/1 claims verified" in rerun.stdout, rerun.stderr[-500:]
    assert json.loads(evidence.read_text())["evidence"], time.monotonic() - t0


def _stable(key: dict) -> dict:
    """key.json without what differs between two honest runs: timings and run names."""
    out = {}
    for cid, c in key["claims"].items():
        out[cid] = {k: v for k, v in c.items() if k not in ("run",)}
        out[cid]["evidence"] = [{k: v for k, v in e.items() if k != "seconds"} for e in c["evidence"]]
    return out


ONLY = "q3,q4c,q4f.1,q6.2"


def _key_cmd(out):
    return [sys.executable, "-m", "companion", "key", "--only", ONLY, "--out", str(out), "--no-pdf"]


@pytest.fixture(scope="module")
def reference_key(tmp_path_factory):
    """One uninterrupted run, shared by the interrupted ones."""
    out = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run(_key_cmd(out), cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                   timeout=600, check=True)
    return out


@pytest.mark.parametrize("kill_after", [0.5, 2.5, 4.5])
def test_sigkill_at_any_point_then_a_rerun_gives_the_uninterrupted_key(tmp_path, reference_key, kill_after):
    """SIGKILL at a few points of `companion key` (start-up, checks, figures and documents), then
    the same command again: the key equals an uninterrupted run's, and no temporary file is left."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(_key_cmd(tmp_path), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    proc.kill()
    proc.wait(timeout=60)
    rerun = subprocess.run(_key_cmd(tmp_path), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-500:]
    got = json.loads((tmp_path / "key.json").read_text())
    want = json.loads((reference_key / "key.json").read_text())
    assert _stable(got) == _stable(want)
    assert (tmp_path / "answer_key_short.md").read_text() == (reference_key / "answer_key_short.md").read_text()
    assert not list(tmp_path.rglob("*.tmp")), "a temporary file was left behind"
