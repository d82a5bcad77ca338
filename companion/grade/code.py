"""``companion grade code FILE.py...``: the two code answers, property-tested against the
verified references.

Each file is read without running it to learn which questions it answers (:mod:`.runner`),
then graded once per question in its own child process (:mod:`.sandbox`), so that a function
that hangs cannot cost another its grade.  A question's **points** are the sum, over its cases
(:mod:`.properties`), of the passed cases' weights times the question's points in the homework
(``proofs.order.POINTS``); a submission that could not be graded (error, timeout, output cap,
crash) scores 0 for the questions it answers, with its outcome said.
"""

from __future__ import annotations

from pathlib import Path

from . import sandbox
from .properties import CASES, FUNCTIONS, QUESTIONS


def points_of(question: str) -> float:
    from proofs.order import POINTS

    return float(POINTS[question])


def grade_file(path: Path, question: str | None = None, *, timeout: float = sandbox.DEFAULT_TIMEOUT,
               output_cap: int = sandbox.DEFAULT_OUTPUT_CAP) -> dict:
    """``{question: row}`` for one submission; a row holds ``points``, ``possible``,
    ``outcome``, ``message``, ``form``, ``mistakes``, ``cases`` and ``seconds``."""
    from .runner import SubmissionError, questions_of

    path = Path(path)
    try:
        questions = questions_of(path, question)
    except SubmissionError as exc:
        qs = [question] if question else list(QUESTIONS)
        return {q: _row(q, "error", str(exc)) for q in qs}
    rows = {}
    for q in questions:
        out = sandbox.run(path, q, timeout=timeout, output_cap=output_cap)
        if out["outcome"] != "graded":
            rows[q] = _row(q, out["outcome"], out["message"], seconds=out["seconds"], output=out["output_head"])
            continue
        res = out["result"]["questions"][q]
        possible = points_of(q)
        rows[q] = {"points": round(res["fraction"] * possible, 10), "possible": possible, "outcome": "graded",
                   "message": "", "form": out["result"]["form"], "mistakes": res["mistakes"],
                   "cases": res["cases"], "seconds": out["seconds"],
                   "output": out["output_head"] if out["output_bytes"] else ""}
    return rows


def _row(q: str, outcome: str, message: str, **kw) -> dict:
    return {"points": 0.0, "possible": points_of(q), "outcome": outcome, "message": message, "form": None,
            "mistakes": [], "cases": [], "seconds": kw.get("seconds", 0.0), "output": kw.get("output", "")}


def grade_files(paths, question: str | None = None, **kw) -> dict[str, dict]:
    """``{file: {question: row}}`` in the order given; a missing file is an error before any work."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no submission files given")
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file")
        if p.is_dir():
            raise ValueError(f"{p}: is a folder, not a Python file")
    return {str(p): grade_file(p, question, **kw) for p in paths}


def summary_lines(results: dict[str, dict]) -> list[str]:
    """A table, one row per file and question, then each failed case and each outcome's message."""
    lines = [f"{'file':<32} {'question':<8} {'points':>9}  result"]
    for f, rows in results.items():
        for q, r in rows.items():
            if r["outcome"] != "graded":
                what = f"{r['outcome'].upper()}: {r['message']}"
            elif r["mistakes"]:
                what = "mistake: " + "; ".join(r["mistakes"])
            elif r["cases"] and len({c["result"] for c in r["cases"]}) == 1 and r["points"] == 0:
                what = "every case " + r["cases"][0]["result"].replace("failed: ", "failed: it ", 1)
            elif r["points"] < r["possible"]:
                what = "no known mistake matches; see the failed cases"
            else:
                what = "correct"
            lines.append(f"{Path(f).name[:32]:<32} {q:<8} {r['points']:>4g} / {r['possible']:<3g}  {what}")
            same = len({c["result"] for c in r["cases"]}) == 1
            for c in r["cases"]:
                if c["result"] != "passed" and not same:
                    lines.append(f"{'':<32} {'':<8} {'':>9}    {c['name']} ({c['weight']:g}): {c['result'][8:]}")
    return lines


def case_table() -> list[str]:
    """The cases of each question with their weights (for ``--help`` and the README)."""
    return [f"{q} ({FUNCTIONS[q]}): " + ", ".join(f"{n} {w:g}" for n, w, _ in CASES[q]) for q in QUESTIONS]
