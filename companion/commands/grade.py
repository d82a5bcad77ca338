"""``companion grade``: grade submissions against the verified key.

    companion grade answers FILE... [--key PATH] [--out DIR] [--roster FILE] [--json]
    companion grade answers --list [--key PATH]
    companion grade code FILE.py... [--question q7b|q8a] [--timeout S] [--output-cap BYTES] [--json]
    companion grade export-otter DIR [--no-zip]

``answers`` scores short answers (JSON or YAML per student, the file's stem naming the student,
or a CSV with a ``student`` column) against ``key.json``: only choices and mappings of choices
are graded (``--list`` names them, and why each other question is not).  It writes a Markdown
report per student, ``class.csv`` and ``distribution.png`` under ``--out``.  ``code`` runs the
property tests of Q7b (``reconstruction_loss``) and Q8a (``contrastive_loss``), or of a
``FIXME`` snippet that assigns ``loss``, each file in a child process with a time limit and an
output cap, and names known mistakes.  ``export-otter`` writes otter-grader tests for the same
cases.  Exit status: 0 when graded, 2 on a usage or input error (one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "grade"
HELP = "grade short answers and code against the key; export otter-grader tests"


def _parser_class(parser):
    """The sub-parsers inherit the main parser's one-line errors (exit 2)."""
    return type(parser)


def add_arguments(parser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="grade_command", metavar="answers|code|export-otter", required=True,
                                parser_class=_parser_class(parser))

    p = sub.add_parser("answers", help="score short answers (JSON, YAML or CSV) against key.json",
                       description="Score each student's short answers against key.json and write a report per "
                                   "student, class.csv and distribution.png.  Input: FILE.json / FILE.yaml per "
                                   "student (the stem names the student) or a CSV with a 'student' column; "
                                   "see companion/grade/answers.py for the format.")
    p.add_argument("files", nargs="*", metavar="FILE", help="answers: .json, .yaml, .yml or .csv")
    p.add_argument("--key", type=Path, default=Path("out/key.json"), help="the key (default: out/key.json)")
    p.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades)")
    p.add_argument("--roster", type=Path, help="student names, one a line: report those with no submission")
    p.add_argument("--json", action="store_true", help='print {"students": {NAME: {"total", "max", "scores"}}}')
    p.add_argument("--list", action="store_true", help="list the gradable ids (and why the others are not)")
    p.set_defaults(grade_func=run_answers)

    p = sub.add_parser("code", help="property-test reconstruction_loss (Q7b) and contrastive_loss (Q8a)",
                       description="Grade Q7b's reconstruction_loss(reconstruction, x) and Q8a's "
                                   "contrastive_loss(z, z_pos, tau), or a FIXME snippet that assigns `loss`, "
                                   "against the verified references: values, gradients, float32 and float64, "
                                   "batch sizes 2..512, tau across the homework's range.  Each file runs in a "
                                   "child process with a time limit and an output cap.")
    p.add_argument("files", nargs="+", metavar="FILE.py", help="submissions")
    p.add_argument("--question", choices=("q7b", "q8a"), help="grade only this question (needed for a snippet "
                                                             "whose names do not tell)")
    p.add_argument("--timeout", type=_positive, default=120.0, help="seconds per file and question (default: 120)")
    p.add_argument("--output-cap", type=_positive_int, default=1_000_000,
                   help="bytes a submission may print (default: 1000000)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(grade_func=run_code)

    p = sub.add_parser("export-otter", help="write otter-grader tests for Q7b and Q8a",
                       description="Write otter-grader OK-format tests (DIR/tests/q7b.py, q8a.py) built from the "
                                   "same references and cases as `grade code`, and DIR/autograder.zip when "
                                   "otter-grader is installed (pip install 'contrastive-companion[grade]').")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--no-zip", action="store_true", help="do not build autograder.zip")
    p.set_defaults(grade_func=run_export)


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return v


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return v


def run(args) -> int:
    return args.grade_func(args)


def _usage(message: str):
    from companion.cli import UsageError

    return UsageError(message)


def _out_dir(path: Path) -> Path:
    from companion.cli import _out_dir

    return _out_dir(path)


# ---------------------------------------------------------------------------
# answers
# ---------------------------------------------------------------------------

def run_answers(args) -> int:
    from companion.grade import answers, key, reports

    if not args.files and not args.list:
        raise _usage("answers: give at least one answer file (or --list)")
    gk = key.load(args.key)
    if args.list:
        print(f"key: {gk.path}")
        print(gk.describe())
        for i, item in gk.items.items():
            fields = "" if item.is_choice else " fields " + ", ".join(lf.path for lf in item.leaves)
            opts = " / ".join(item.leaves[0].options)
            print(f"  {i:<10} {item.points:g} pt  {opts}{fields}")
        print("not graded here:")
        for i, why in gk.not_gradable.items():
            print(f"  {i:<10} {why}")
        return 0
    if not gk.items:
        raise _usage(f"answers: --key {gk.path} has no gradable question (companion grade answers --list says why)")
    roster = answers.read_roster(args.roster) if args.roster else None
    results = answers.grade_all(args.files, gk, roster)  # reads every file before writing anything
    out = _out_dir(args.out)
    (out / "students").mkdir(exist_ok=True)
    names = {}
    for r in results:
        stem = reports.safe_name(r.name)
        if stem in names:
            stem = f"{stem}-{len(names)}"
        names[stem] = r.name
        (out / "students" / f"{stem}.md").write_text(reports.student_markdown(r, gk))
    (out / "class.csv").write_text(reports.class_csv(results, gk))
    fig = reports.distribution_figure(results, gk, out / "distribution.png")
    if args.json:
        print(json.dumps(reports.json_summary(results, gk), indent=1))
    else:
        print(f"key: {gk.path}; {gk.describe()}")
        width = max(len(r.name) for r in results)
        for r in results:
            total = "no submission" if not r.submitted else f"{r.total:g} / {gk.max_points:g}"
            review = f"  needs review: {', '.join(r.needs_review)}" if r.submitted and r.needs_review else ""
            print(f"  {r.name:<{width}}  {total}{review}")
        print(f"wrote {out / 'class.csv'}, {fig}, {out / 'students'}/NAME.md ({len(results)} reports)")
    notes = [f"{r.name}: {m}" for r in results for m in r.messages]
    for n in notes:
        print(f"companion: note: {n}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------
# code
# ---------------------------------------------------------------------------

def run_code(args) -> int:
    from companion.grade import code

    results = code.grade_files(args.files, args.question, timeout=args.timeout, output_cap=args.output_cap)
    if args.json:
        print(json.dumps({"submissions": results}, indent=1))
    else:
        print("\n".join(code.summary_lines(results)))
    return 0


# ---------------------------------------------------------------------------
# export-otter
# ---------------------------------------------------------------------------

def run_export(args) -> int:
    from companion.grade import otter_export

    d = args.dir
    if d.exists() and not d.is_dir():
        raise _usage(f"export-otter: {d} is a file, not a folder")
    written = otter_export.export(d, zip_file=False if args.no_zip else None)
    for p in written:
        print(f"wrote {p}")
    if not args.no_zip and not any(p.name == "autograder.zip" for p in written):
        print("otter-grader is not installed: autograder.zip not built (pip install 'contrastive-companion[grade]', "
              f"then: cd {d} && otter generate -t tests -r requirements.txt)")
    return 0
