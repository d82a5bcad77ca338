"""The second process of the default Tammes search: its symmetric phases, beside the random one.

Terms.  In the default search of :func:`numerics.tammes.tammes_search` (no ``budget``, no
``target_deg``, no ``polish_time``: nothing that reads the clock) the **symmetric phases** (the
symmetric and vacancy starts and their chain, then the orbit chains, then the fresh chains from
random starts of their own) draw from generators of their own and look at nothing the random
starts and chains found: they depend only on
``(n, seed)``, the arguments and the module constants.  So they can run in a second process
while the first makes the random phase, and the first **replays** their packings afterwards, in
their order, as if it had found them itself: the search's best packing, and every count, is the
one-process search's bit for bit.  What changes is the clock: the history merges the two
processes' better packings by time (:func:`numerics.tammes._running_best`).

Stages.

1. **Start** (:func:`start`): a fresh interpreter (``python -m numerics.tammes_worker``, not
   :mod:`multiprocessing`, which would import the caller's ``__main__`` again in the child and
   run an unguarded script twice) reads ``(n, seed, arguments, constants)`` pickled on its
   standard input.  The constants are the module constants of ``CONSTANT_MODULES`` as the
   caller sees them (upper-case names bound to numbers, strings or tuples; not dictionaries or
   functions), so that a constant set for a run (as the bench's variants do) holds in both
   processes.  The child keeps reading its standard input: when the caller dies, the pipe
   closes and the child ends too.
2. **Work** (:func:`main`): the search with ``_worker`` set runs the symmetric phases only and
   writes down each packing above every angle it found before (a superset of those the
   one-process search keeps: it keeps a packing only above its best by 1e-12), with the time
   (``time.perf_counter``, one clock for the machine's processes on Linux).
3. **Collect** (:func:`collect`): the caller reads the pickled result from the child's standard
   output; a failure in the child is raised in the caller with the child's traceback, and what
   the child wrote to its standard error is passed on to the caller's.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

#: The modules whose constants (upper-case names of numbers, strings and tuples) the worker takes
#: from the caller.
CONSTANT_MODULES = ("numerics.tammes", "numerics.overlap", "numerics.symmetric_starts")


def _constants() -> dict:
    """``{"module.NAME": value}`` of the caller's module constants (see ``CONSTANT_MODULES``)."""
    out = {}
    for name in CONSTANT_MODULES:
        module = sys.modules.get(name)
        for attr, value in vars(module).items() if module is not None else ():
            if attr.isupper() and isinstance(value, (bool, int, float, str, tuple)):
                out[f"{name}.{attr}"] = value
    return out


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------
# stage 1: start
# ---------------------------------------------------------------------------

def start(n: int, seed: int, arguments: dict) -> subprocess.Popen:
    """Start the worker on the symmetric phases of ``tammes_search(n, 3, seed=seed, **arguments)``."""
    root = str(Path(__file__).resolve().parents[1])  # the folder that holds the package
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else root
    err = tempfile.TemporaryFile()  # not a pipe: a child that writes much must not block on it
    proc = subprocess.Popen([sys.executable, "-m", "numerics.tammes_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=err, env=env, cwd=root)
    proc.err_file = err
    try:
        pickle.dump((n, seed, arguments, _constants()), proc.stdin)
        proc.stdin.flush()  # and kept open: its end tells the child that the caller is gone
    except BaseException:
        stop(proc)
        raise
    return proc


# ---------------------------------------------------------------------------
# stage 2: work (in the child)
# ---------------------------------------------------------------------------

def _exit_when_the_caller_is_gone(stdin) -> None:
    stdin.read()  # returns at end of file: the caller closed the pipe, or died
    os._exit(1)


def main() -> None:
    # the result goes to the original standard output; everything else, also what compiled
    # code writes to file descriptor 1, to the standard error
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        import importlib

        n, seed, arguments, constants = pickle.load(sys.stdin.buffer)
        threading.Thread(target=_exit_when_the_caller_is_gone, args=(sys.stdin.buffer,), daemon=True).start()
        for name, value in constants.items():
            module, attr = name.rsplit(".", 1)
            setattr(importlib.import_module(module), attr, value)
        from numerics.tammes import tammes_search

        found: dict = {}
        tammes_search(n, 3, seed=seed, _worker=found, **arguments)
        pickle.dump(("ok", found), out)
    except BaseException:  # noqa: BLE001 - every failure goes back to the caller
        pickle.dump(("error", traceback.format_exc()), out)
    out.flush()
    sys.stderr.flush()
    # no interpreter shutdown: it would wait on the daemon thread's read of the standard input
    # and abort (SIGABRT) instead
    os._exit(0)


# ---------------------------------------------------------------------------
# stage 3: collect
# ---------------------------------------------------------------------------

def _stderr_of(proc: subprocess.Popen) -> str:
    proc.err_file.seek(0)
    text = proc.err_file.read().decode(errors="replace")
    proc.err_file.close()
    return text


def collect(proc: subprocess.Popen) -> dict:
    """Wait for the worker; ``-> {"events": [(perf_counter, (n, 3)), ...], "starts", "hops",
    "ran", "early"}``.  Raises ``RuntimeError`` with the child's traceback when it failed."""
    out = proc.stdout.read()  # until the child closes it: it has finished
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()
    err = _stderr_of(proc)
    try:
        status, payload = pickle.loads(out)
    except Exception as exc:  # noqa: BLE001 - no result at all: the child died
        raise RuntimeError(f"the Tammes worker process ended without a result (exit code "
                           f"{proc.returncode}):\n{err}") from exc
    if status != "ok":
        raise RuntimeError(f"the Tammes worker process failed:\n{payload}")
    if err:
        sys.stderr.write(err)
    return payload


def stop(proc: subprocess.Popen) -> None:
    """End the worker now (the caller gave up: an error or an interrupt)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for f in (proc.stdin, proc.stdout, proc.err_file):
        try:
            f.close()
        except (OSError, ValueError):  # a pipe already broken or closed
            pass


if __name__ == "__main__":
    main()
