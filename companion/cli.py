"""``companion``: build the verified answer key, check claims, list figures.

    companion key    [--out DIR] [--profile fast|full] [--seed S] [--only ID,ID...] [--data FILE] [--force] [--no-pdf]
    companion check  [--profile fast|full] [--seed S] [--only ID,ID...] [--data FILE] [--out DIR]
    companion figures --list

Exit status: 0 success; 1 when a claim failed; 2 on a usage or output-path error (found before
any work starts); 130 when interrupted.  Errors are printed as one line
(``companion: error: ...``), never as a traceback (set COMPANION_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from proofs.context import PROFILES, Context

from .build import OutDirBusy


class UsageError(Exception):
    """Bad input from the user: exit status 2."""


def _ids(text: str | None) -> list[str] | None:
    if text is None:
        return None
    ids = [t.strip() for t in text.split(",") if t.strip()]
    if not ids:
        raise UsageError("--only needs at least one claim id, e.g. --only q1,q2")
    return ids


def _select(only):
    from proofs import claims

    try:
        return claims(_ids(only))
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def _out_dir(path: Path) -> Path:
    """The output folder, created now: a path that is a file, or a folder that cannot be made or
    written, is a usage error before any work starts."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot create the folder: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"--out {path}: the folder is not writable")
    return path


def _data_file(path: Path | None, profile: str):
    """The checked data file of ``--data`` (None without it): a file that is not the homework's
    ``.npy`` or a ``.npz`` saved by ``numerics.shapes.render.save_dataset``, or that shows fewer
    shapes than the profile trains and measures on, is a usage error before any work starts."""
    if path is None:
        return None
    from numerics.shapes.datafile import DataFileError, open_data_file

    try:
        data = open_data_file(path)
    except DataFileError as exc:
        raise UsageError(f"--data {exc}") from None
    prof = PROFILES[profile]
    if data.n_usable < prof.n_images:
        raise UsageError(f"--data {data.path}: {data.n_usable:,} of its {data.n_images:,} images show a shape; "
                         f"the {profile} profile trains and measures on {prof.n_images:,} "
                         f"({prof.n_train:,} train / {prof.n_val:,} val)")
    return data


def _data_line(ctx) -> str:
    """What ``--data`` trained on, in one line."""
    data, prof = ctx.data, PROFILES[ctx.profile]
    return (f"data of the shapes experiment: {data.path} (SHA-256 {data.sha256[:16]}; {data.n_usable:,} of "
            f"{data.n_images:,} images show a shape; {prof.n_images:,} drawn for seed {ctx.seed})")


def _add_common(p: argparse.ArgumentParser, out_default: str) -> None:
    p.add_argument("--out", default=out_default, type=Path, help=f"output directory (default: {out_default})")
    p.add_argument("--profile", default="fast", choices=sorted(PROFILES, key=lambda name: name != "fast"),
                   help="fast: a 2-core CPU in minutes (default); full: the homework's own settings")
    p.add_argument("--seed", default=0, type=_seed, help="seed of every random choice, >= 0 (default: 0)")
    p.add_argument("--only", metavar="ID,ID...", help="restrict to these claim ids (e.g. q1,q2,q3)")
    p.add_argument("--force", action="store_true", help="recompute cached numerical and training results")
    p.add_argument("--data", metavar="FILE", type=Path,
                   help="train and measure the shapes experiment (Q7, Q8) on this file instead of rendered "
                        "images: the homework's shapes_dataset_6s898.npy, or a .npz saved by "
                        "numerics.shapes.render.save_dataset")


def cmd_key(args) -> int:
    from .build import build_key, out_lock

    _select(args.only)  # validate ids, the data file and the output folder before any work
    data = _data_file(args.data, args.profile)
    ctx = Context(profile=args.profile, seed=args.seed, out_dir=_out_dir(args.out), force=args.force, data=data)
    with out_lock(ctx.out_dir):
        summary = build_key(ctx, _ids(args.only), pdf=not args.no_pdf)
    results = summary["results"]
    failed = [r.claim.id for r in results if r.verdict != "verified"]
    out = ctx.out_dir
    print(f"wrote {out / 'answer_key.md'}, {out / 'answer_key.tex'}, {out / 'key.json'}")
    if summary["pdf"]:
        print(f"wrote {summary['pdf']}")
    elif not args.no_pdf:
        print("no TeX engine (pdflatex) found: answer_key.pdf not written")
    if data is not None:
        print(_data_line(ctx) + "; key.json's 'data' and the documents' header say so")
    print(f"{len(results) - len(failed)}/{len(results)} claims verified in {summary['seconds']:.1f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    not_run = sorted({r.claim.id for r in results if r.skipped})
    if not_run:
        print(f"not run here (a tool is missing; each says which): the {', '.join(sorted({e.kind for r in results for e in r.skipped}))} "
              f"evidence of {', '.join(not_run)}; those claims stand on their other evidence")
    kept = len(summary["key"]) - len(results)
    if kept > 0:
        print(f"key.json and the documents also keep {kept} claims of earlier runs (their 'run' says which)")
    return 1 if failed else 0


def cmd_check(args) -> int:
    from proofs.context import code_fingerprint

    from .build import cached_evidence, out_lock

    selected = _select(args.only)
    data = _data_file(args.data, args.profile)
    ctx = Context(profile=args.profile, seed=args.seed, out_dir=_out_dir(args.out), force=args.force, data=data)
    fingerprint = code_fingerprint()
    width = max([5] + [len(c.id) for c in selected])
    failed = 0
    if data is not None:
        print(_data_line(ctx))
    print(f"{'claim':<{width}}  {'verdict':<8}  {'checks':>6}  kinds")
    with out_lock(ctx.out_dir):
        for claim in selected:
            r = cached_evidence(claim, ctx, fingerprint)  # evidence of the same code, profile and seed is reused
            failed += r.verdict != "verified"
            passed = sum(e.passed for e in r.evidence)
            print(f"{claim.id:<{width}}  {r.verdict:<8}  {passed:>2}/{len(r.evidence):<3}  "
                  f"{', '.join(claim.kinds)}", flush=True)
            for e in r.evidence:
                if not e.passed:
                    print(f"{'':<{width}}    {'not run' if e.skipped else 'failed'} {e.kind}: {e.name}: {e.detail}")
    return 1 if failed else 0


def cmd_figures(args) -> int:
    if not args.list:
        raise UsageError("figures: nothing to do; use --list (figures are written by `companion key`)")
    for claim in _select(args.only):
        for spec in claim.figures:
            print(f"{spec.name:<32} {claim.id:<10} {spec.caption}")
    return 0


def _extra_commands():
    """Subcommands contributed by modules of ``companion.commands``."""
    from . import commands

    mods = []
    for m in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        mods.append(importlib.import_module(f"{commands.__name__}.{m.name}"))
    return mods


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        raise UsageError(message if self.prog == "companion" else f"{self.prog.split()[-1]}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="companion", description="A verified answer key for 6.7960 Homework 4.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("key", help="build answer_key.{md,tex,pdf}, key.json and figures",
                       description="Run every claim's checks (or those of --only), draw the figures and write "
                                   "answer_key.md, answer_key.tex, answer_key.pdf and key.json under --out. "
                                   "Results and evidence are cached there; a rerun reuses them.")
    _add_common(p, "out")
    p.add_argument("--no-pdf", action="store_true", help="skip compiling the PDF")
    p.set_defaults(func=cmd_key)
    p = sub.add_parser("check", help="run the claims' checks and print one row per claim",
                       description="Run the checks of every claim (or those of --only) and print one row per "
                                   "claim with its verdict, then the failing evidence. Writes no document.")
    _add_common(p, "out")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("figures", help="list the solution figures and the question each illustrates",
                       description="List the solution figures (companion key draws them) with the question "
                                   "each illustrates and its caption.")
    p.add_argument("--list", action="store_true", help="list figure names with their question")
    p.add_argument("--only", metavar="ID,ID...", help="restrict to these claim ids")
    p.set_defaults(func=cmd_figures)
    for mod in _extra_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=(mod.__doc__ or mod.HELP))
        mod.add_arguments(p)
        p.set_defaults(func=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    debug = bool(os.environ.get("COMPANION_DEBUG"))
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"companion: error: {exc}", file=sys.stderr)
        return 2
    except OutDirBusy as exc:
        print(f"companion: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if debug:
            raise
        print(f"companion: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("companion: interrupted (cached results and checkpoints are kept; re-run to resume)",
              file=sys.stderr)
        return 130
    except Exception as exc:  # unexpected: still one line
        if debug:
            raise
        print(f"companion: error: {type(exc).__name__}: {exc} (COMPANION_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
