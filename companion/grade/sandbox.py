"""The child process that grades one code submission: a time limit and an output cap.

:func:`run` starts ``python -m companion.grade.runner`` in its own process group, in an empty
temporary folder, with one thread, and reads what the submission prints through a pipe.  The
**outcome** is one of:

- ``graded``: the runner wrote its result (the cases and the named mistakes);
- ``error``: the submission could not be graded as it stands (no function or snippet, a syntax
  error, running the file raised); the runner says why;
- ``timeout``: it ran past the time limit, and was stopped;
- ``output``: it printed more than the output cap, and was stopped;
- ``crashed``: the process ended without a result (an exit, a signal, memory).

Printed output is never shown whole: the outcome keeps its first :data:`HEAD` characters.
This is isolation from mistakes, not a security sandbox: the submission runs with the
grader's permissions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_TIMEOUT = 120.0
DEFAULT_OUTPUT_CAP = 1_000_000
HEAD = 2000


def _project_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(path: Path, question: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
        output_cap: int = DEFAULT_OUTPUT_CAP) -> dict:
    """Grade ``path`` in a child process: ``{"outcome", "message", "result", "output_head",
    "output_bytes", "seconds"}`` (``result`` is the runner's, for ``graded``)."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="companion-grade-") as tmp:
        result_path = Path(tmp) / "result.json"
        work = Path(tmp) / "work"
        work.mkdir()
        cmd = [sys.executable, "-m", "companion.grade.runner", str(path), "--result", str(result_path)]
        if question:
            cmd += ["--question", question]
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
                   PYTHONPATH=os.pathsep.join([_project_root()] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        state = {"bytes": 0, "head": bytearray(), "tail": b"", "over": False}

        def read():
            while True:
                chunk = proc.stdout.read1(65536) if hasattr(proc.stdout, "read1") else proc.stdout.read(65536)
                if not chunk:
                    return
                state["bytes"] += len(chunk)
                if len(state["head"]) < HEAD:
                    state["head"] += chunk[: HEAD - len(state["head"])]
                state["tail"] = (state["tail"] + chunk)[-HEAD:]
                if state["bytes"] > output_cap and not state["over"]:
                    state["over"] = True
                    _kill(proc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            proc.wait()
        _kill(proc)  # anything the submission left running in its group
        reader.join(timeout=5)
        seconds = time.monotonic() - t0
        head = state["head"].decode("utf-8", errors="replace")
        tail = state["tail"].decode("utf-8", errors="replace")
        out = {"outcome": None, "message": "", "result": None, "output_head": head,
               "output_bytes": state["bytes"], "seconds": round(seconds, 2)}
        result = None
        if result_path.exists():
            try:
                result = json.loads(result_path.read_text())
            except json.JSONDecodeError:
                result = None
    if timed_out:
        out.update(outcome="timeout", message=f"stopped after the time limit of {timeout:g} s")
    elif state["over"]:
        out.update(outcome="output", message=f"printed more than the output cap of {output_cap:,} bytes; stopped")
    elif result is None:
        code = proc.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        last = tail.strip().splitlines()[-1:] if tail.strip() else []
        out.update(outcome="crashed", message=f"the process ended without a result ({how})"
                   + (f"; it printed: {last[0][:200]}" if last else ""))
    elif "error" in result:
        out.update(outcome="error", message=result["error"])
    else:
        out.update(outcome="graded", result=result)
    return out
