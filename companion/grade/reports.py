"""What ``companion grade answers`` writes: a Markdown report per student, the class CSV, the
figure of the score distribution per question, and the ``--json`` summary.

Files, under the output folder:

- ``students/NAME.md``: the student's total, one row per item (points, answer, key), each wrong
  answer with the key's reason, and what needs review (missing or unreadable answers, unknown
  ids);
- ``class.csv``: one row per student: ``student, total, max, needs_review``, then the points of
  each item (empty where nothing could be read);
- ``distribution.png``: per item, the share of students with full, partial and no credit, and
  with nothing readable, so that the questions the class missed stand out (an item read only in
  part counts by the points its read fields scored).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .answers import StudentResult
from .key import GradableKey

#: Outcomes drawn in the figure, in order, with their colours (Okabe & Ito).
OUTCOMES = (("full", "full credit", "#009E73"), ("partial", "partial credit", "#F0E442"),
            ("zero", "no credit (wrong)", "#D55E00"), ("unread", "missing or unreadable", "#999999"))


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _show(v) -> str:
    if v is None:
        return "—"
    text = str(v).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def safe_name(name: str) -> str:
    """A student's name as a file name (no path separators or odd characters)."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return s or "student"


def student_markdown(r: StudentResult, key: GradableKey) -> str:
    """The report of one student (module docstring)."""
    lines = [f"# {r.name}: short answers", "", f"Source: `{r.source}`. Key: `{key.path}`.", ""]
    if not r.submitted:
        lines += ["**No submission.** " + "; ".join(r.messages), ""]
        return "\n".join(lines)
    lines += [f"**Total: {_fmt(r.total)} / {key.max_points:g}**" + (
        f" (needs review: {', '.join(r.needs_review)})" if r.needs_review else ""), ""]
    lines += ["| question | points | answer | key | status |", "|---|---:|---|---|---|"]
    for item_id in key.items:
        for lr in r.item_leaves(item_id):
            q = item_id + (f" {lr.path}" if lr.path else "")
            lines.append(f"| {q} | {lr.points:g} / {lr.possible:g} | {_show(lr.given)} | {_show(lr.expected)} | "
                         f"{lr.status} |")
    wrong = [lr for lr in r.leaves if lr.status == "wrong"]
    if wrong:
        lines += ["", "## Wrong answers", ""]
        for lr in wrong:
            q = lr.item + (f" {lr.path}" if lr.path else "")
            lines.append(f"- **{q}**: answered {_show(lr.given)}, key {_show(lr.expected)}. {lr.reason}")
    if r.messages:
        lines += ["", "## Needs review", ""] + [f"- {m}" for m in r.messages]
    return "\n".join(lines) + "\n"


def class_csv(results: list[StudentResult], key: GradableKey) -> str:
    """The class table (module docstring) as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "total", "max", "needs_review"] + list(key.items))
    for r in results:
        scores = r.scores
        review = "no submission" if not r.submitted else " ".join(r.needs_review)
        w.writerow([r.name, _fmt(r.total), f"{key.max_points:g}", review]
                   + [_fmt(scores.get(i)) if r.submitted else "" for i in key.items])
    return buf.getvalue()


def outcome_counts(results: list[StudentResult], key: GradableKey) -> dict[str, dict[str, int]]:
    """Per item, how many submitted students had each outcome of :data:`OUTCOMES`."""
    counts = {}
    for item_id in key.items:
        c = {name: 0 for name, _, _ in OUTCOMES}
        for r in results:
            if not r.submitted:
                continue
            status = r.item_status(item_id)
            if status == "incomplete":  # some fields read: drawn by what they scored
                status = "partial" if r.item_score(item_id) else "zero"
            c[status if status in c else "unread"] += 1
        counts[item_id] = c
    return counts


def distribution_figure(results: list[StudentResult], key: GradableKey, path: Path) -> Path:
    """Draw :func:`outcome_counts` as stacked bars, one per item (PNG at ``path``)."""
    from figures.style import new_figure, save

    counts = outcome_counts(results, key)
    n = sum(r.submitted for r in results)
    ids = list(key.items)
    fig, axes = new_figure(width=7.0, height=0.9 + 0.32 * len(ids))
    ax = axes[0][0]
    left = [0.0] * len(ids)
    for name, label, colour in OUTCOMES:
        share = [counts[i][name] / n if n else 0.0 for i in ids]
        ax.barh(range(len(ids)), share, left=left, color=colour, label=label, edgecolor="white", linewidth=0.5)
        left = [a + b for a, b in zip(left, share)]
    mean = [sum((r.item_score(i) or 0.0) for r in results if r.submitted) / (n * key.items[i].points) if n else 0.0
            for i in ids]
    ax.set_yticks(range(len(ids)), [f"{i} ({key.items[i].points:g} pt; mean {m:.0%})" for i, m in zip(ids, mean)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of the {n} students who submitted")
    ax.set_title("Short answers: outcome per question", pad=24)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False, borderaxespad=0.2)
    path = Path(path)
    save(fig, path.parent, path.stem)
    return path


def json_summary(results: list[StudentResult], key: GradableKey) -> dict:
    """``{"students": {NAME: {"total", "max", "scores"}}, "gradable": [...], "messages": {NAME: [...]}}``;
    a score is None where nothing could be read (a student without submission has total None)."""
    return {
        "students": {r.name: {"total": r.total, "max": key.max_points,
                              "scores": r.scores if r.submitted else {}} for r in results},
        "gradable": list(key.items),
        "messages": {r.name: r.messages for r in results if r.messages},
    }
