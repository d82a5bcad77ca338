"""The second process of the default Tammes search: its symmetric phases, beside the random one.

Terms.  In the default search of :func:`numerics.tammes.tammes_search` (no ``budget``, no
``target_deg``) the **symmetric phases** (the symmetric and vacancy starts and their chain, then
the orbit chains) draw from generators of their own and look at nothing the random starts and
chains found: they depend only on ``(n, seed)``, the arguments and the module constants.  So
they can run in a second process while the first makes the random phase, and the first
**replays** their better packings afterwards, in their order, as if it had found them itself:
the search's best packing, and every count, is the one-process search's bit for bit.  Only the
clock changes.

Stages.

1. **Start** (:func:`start`): a fresh interpreter (``python -m numerics.tammes_worker``, not
   :mod:`multiprocessing`, which would import the caller's ``__main__`` again in the child and
   run an unguarded script twice) reads ``(n, seed, arguments, constants)`` pickled on its
   standard input.  The constants are the module constants of :mod:`numerics.tammes`,
   :mod:`numerics.overlap` and :mod:`numerics.symmetric_starts` as the caller sees them, so
   that a constant set for a run (as the bench's variants do) holds in both processes.
2. **Work** (:func:`main`): the search with ``_worker`` set runs the symmetric phases only and
   writes down each better packing it finds, with the time (``time.perf_counter``, one clock
   for the machine's processes on Linux).
3. **Collect** (:func:`collect`): the caller reads the pickled result from the child's standard
   output; a failure in the child is raised in the caller with the child's traceback.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
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


# ---------------------------------------------------------------------------
# stage 1: start
# ---------------------------------------------------------------------------

def start(n: int, seed: int, arguments: dict) -> subprocess.Popen:
    """Start the worker on the symmetric phases of ``tammes_search(n, 3, seed=seed, **arguments)``."""
    root = str(Path(__file__).resolve().parents[1])  # the folder that holds the package
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    proc = subprocess.Popen([sys.executable, "-m", "numerics.tammes_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=root)
    pickle.dump((n, seed, arguments, _constants()), proc.stdin)
    proc.stdin.close()
    proc.stdin = None  # written: communicate() only reads
    return proc


# ---------------------------------------------------------------------------
# stage 2: work (in the child)
# ---------------------------------------------------------------------------

def main() -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the standard error, not into the result
    try:
        import importlib

        n, seed, arguments, constants = pickle.load(sys.stdin.buffer)
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


# ---------------------------------------------------------------------------
# stage 3: collect
# ---------------------------------------------------------------------------

def collect(proc: subprocess.Popen) -> dict:
    """Wait for the worker; ``-> {"events": [(perf_counter, (n, 3)), ...], "starts", "hops",
    "ran", "early"}``.  Raises ``RuntimeError`` with the child's traceback when it failed."""
    out, err = proc.communicate()
    try:
        status, payload = pickle.loads(out)
    except Exception as exc:  # noqa: BLE001 - no result at all: the child died
        raise RuntimeError(f"the Tammes worker process ended without a result (exit code "
                           f"{proc.returncode}):\n{err.decode(errors='replace')}") from exc
    if status != "ok":
        raise RuntimeError(f"the Tammes worker process failed:\n{payload}")
    return payload


def stop(proc: subprocess.Popen) -> None:
    """End the worker now (the caller gave up: an error or an interrupt)."""
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


if __name__ == "__main__":
    main()
