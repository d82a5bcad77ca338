"""numerics.tammes_worker: the default search with its symmetric phases in a second process is
the one-process search bit for bit (the reference is the same search with ``processes=1``),
also where the worker's packings decide it; the caller's constants reach the worker; a failure
in the worker is raised in the caller; the worker ends when the caller gives up or dies; the
merged history against a plain loop."""

import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numerics.tammes as tammes_module
import numerics.tammes_worker as worker_module


@pytest.fixture
def short_default_search(monkeypatch):
    """A default search that takes seconds: fewer hops (set in this process only, so the worker
    sees them only through the constants it is handed)."""
    monkeypatch.setattr(tammes_module, "HOP_WORK", 2_000.0)
    monkeypatch.setattr(tammes_module, "FINE_HOPS", 10)
    monkeypatch.setattr(tammes_module, "ORBIT_HOPS", 8)


def _spy_start(monkeypatch) -> list:
    procs = []
    real_start = worker_module.start
    monkeypatch.setattr(worker_module, "start", lambda *a: procs.append(real_start(*a)) or procs[-1])
    return procs


@pytest.mark.parametrize("n,seed", [(24, 0), (31, 3)])
def test_two_processes_give_the_one_process_search(short_default_search, monkeypatch, n, seed):
    one = tammes_module.tammes_search(n, 3, seed=seed, processes=1)
    procs = _spy_start(monkeypatch)
    two = tammes_module.tammes_search(n, 3, seed=seed, processes=2)
    assert len(procs) == 1 and procs[0].returncode == 0
    assert np.array_equal(one.points, two.points)
    assert (two.angle_deg, two.starts, two.hops, two.stopped) == (one.angle_deg, one.starts, one.hops,
                                                                  one.stopped)
    times, angles = zip(*two.history)
    assert list(times) == sorted(times)
    assert all(b > a for a, b in zip(angles, angles[1:]))
    assert angles[-1] == two.angle_deg


def test_the_fresh_chain_alone_runs_in_the_worker(short_default_search, monkeypatch):
    """Without the symmetric phases the default search still hands its fresh chain to a worker:
    the one-process search bit for bit."""
    kw = dict(seed=2, symmetric_starts=(), vacancy_starts=(), orbit_groups=())
    one = tammes_module.tammes_search(24, 3, processes=1, **kw)
    procs = _spy_start(monkeypatch)
    two = tammes_module.tammes_search(24, 3, processes=2, **kw)
    assert len(procs) == 1 and procs[0].returncode == 0
    assert np.array_equal(one.points, two.points)
    assert (two.angle_deg, two.starts, two.hops, two.stopped) == (one.angle_deg, one.starts, one.hops,
                                                                  one.stopped)
    assert one.starts > tammes_module.tammes_search(24, 3, processes=1, fresh_chains=0, **kw).starts


def test_where_the_worker_finds_the_best_the_replay_keeps_it(monkeypatch):
    """Two random starts and no hops leave the random phase 0.1 degrees below the icosahedral
    start at N = 120 (two generic orbits): the result is the worker's packing, the same as the
    one-process search's."""
    kw = dict(seed=1, restarts=2, hops=0, vacancy_starts=())
    random_only = tammes_module.tammes_search(120, 3, symmetric_starts=(), **kw)
    kw["symmetric_starts"] = ("icosahedral",)
    one = tammes_module.tammes_search(120, 3, processes=1, **kw)
    procs = _spy_start(monkeypatch)
    two = tammes_module.tammes_search(120, 3, processes=2, **kw)
    assert len(procs) == 1 and procs[0].returncode == 0
    assert one.angle_deg > random_only.angle_deg + 0.05
    assert np.array_equal(one.points, two.points) and (one.starts, one.hops) == (two.starts, two.hops)
    assert two.history[-1][1] == two.angle_deg


def test_the_default_search_uses_two_processes_only_where_nothing_stops_it_early(monkeypatch):
    started = _spy_start(monkeypatch)
    monkeypatch.setattr(tammes_module, "HOP_WORK", 400.0)
    monkeypatch.setattr(tammes_module, "FINE_HOPS", 2)
    monkeypatch.setattr(tammes_module, "ORBIT_HOPS", 2)
    tammes_module.tammes_search(20, 3, seed=0)  # the default search
    assert len(started) == (1 if tammes_module.PROCESSES > 1 and worker_module.usable_cores() > 1 else 0)
    started.clear()
    for kw in ({"hops": 4}, {"budget": 2.0, "processes": 2}, {"target_deg": 1.0, "processes": 2},
               {"polish_time": 5.0, "processes": 2}, {"processes": 1},
               {"hop_energy": "riesz", "processes": 2}):
        tammes_module.tammes_search(20, 3, seed=0, restarts=2, **kw)
    tammes_module.tammes_search(11, 3, seed=0, processes=2)  # no symmetric phase below N = 12
    tammes_module.tammes_search(20, 4, seed=0, restarts=2, hops=2, processes=2)  # nor off S^2
    assert started == []


def test_a_failure_in_the_worker_is_raised_with_its_traceback(monkeypatch):
    monkeypatch.setattr(tammes_module, "HOP_WORK", 400.0)
    monkeypatch.setattr(tammes_module, "ORBIT_HOPS", "many")  # read only by the orbit chains
    with pytest.raises(RuntimeError, match="(?s)worker process failed.*TypeError"):
        tammes_module.tammes_search(20, 3, seed=0, processes=2)


def test_the_worker_is_ended_when_the_search_gives_up(monkeypatch):
    procs = _spy_start(monkeypatch)

    def progress(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tammes_module.tammes_search(60, 3, seed=0, processes=2, progress=progress)
    assert len(procs) == 1 and procs[0].poll() is not None  # killed, not left to finish


@pytest.mark.parametrize("bad", [0, 3, 1.0, True])
def test_bad_processes_are_rejected(bad):
    with pytest.raises(ValueError, match="processes"):
        tammes_module.tammes_search(20, 3, processes=bad)


def _running_best_loop(history):
    """Plain reference: in time order (ties in the given order), an entry stays when its angle
    beats every angle before it (on this test's grid of 0.1 degrees, no tie is within 1e-12)."""
    order = sorted(range(len(history)), key=lambda k: (history[k][0], k))
    return [history[k] for pos, k in enumerate(order)
            if all(history[k][1] > history[j][1] for j in order[:pos])]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20).map(float), st.integers(0, 30).map(lambda a: a / 10)),
                max_size=12))
def test_the_merged_history_keeps_each_entry_that_beats_all_before_it(history):
    assert tammes_module._running_best(history) == _running_best_loop(history)
    kept = tammes_module._running_best(history)
    if history:
        assert kept[-1][1] == max(a for _, a in history)


def test_the_worker_ends_when_its_caller_is_gone():
    proc = worker_module.start(120, 0, {})  # a symmetric phase of many seconds
    time.sleep(0.5)
    proc.stdin.close()  # what the caller's death does to the pipe
    proc.wait(timeout=30)
    assert proc.returncode == 1
    worker_module.stop(proc)


def test_a_worker_that_dies_without_a_result_is_an_error():
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stderr.write('gone'); sys.exit(3)"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    proc.err_file = err
    with pytest.raises(RuntimeError, match=r"(?s)ended without a result \(exit code 3\).*gone"):
        worker_module.collect(proc)


def test_a_start_that_cannot_hand_over_its_arguments_leaves_no_process(monkeypatch):
    procs = []
    real_popen = subprocess.Popen
    monkeypatch.setattr(worker_module.subprocess, "Popen", lambda *a, **k: procs.append(real_popen(*a, **k)) or procs[-1])
    with pytest.raises(TypeError, match="pickle"):
        worker_module.start(30, 0, {"schedule": (s for s in (1.0,))})  # a generator does not pickle
    assert len(procs) == 1 and procs[0].poll() is not None
