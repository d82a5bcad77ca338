"""Build the answer key: run every claim's checks, draw its figures, write key.json and the documents."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from proofs import claims, run_claim
from proofs.context import Context, atomic_write_text, code_fingerprint, data_record
from proofs.registry import ClaimResult, Evidence, resolve

from . import render


def _progress(iterable, **kw):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency; keep working without it
        return iterable
    return tqdm(iterable, file=sys.stderr, dynamic_ncols=True, **kw)


def draw_figures(claim, ctx: Context) -> tuple[list[str], list[Evidence]]:
    """Compute each figure's data, plot it, save NAME.png and NAME.pdf.

    Returns the PNG paths (relative to the output folder) of the figures drawn, and failed
    evidence for each figure that could not be drawn (which fails its claim)."""
    from figures.style import save

    paths, failures = [], []
    for spec in claim.figures:
        try:
            fig = spec.plot(spec.data(ctx))
            png, _pdf = save(fig, ctx.figures_dir, spec.name)
            paths.append(str(png.relative_to(ctx.out_dir)))
        except Exception as exc:
            failures.append(Evidence("experiment", False, f"figure {spec.name} failed: {type(exc).__name__}: {exc}",
                                     f"figure {spec.name}", settled=False))
    return paths, failures


def cached_evidence(claim, ctx: Context, fingerprint: str) -> ClaimResult:
    """Run a claim's checks, or reuse the evidence of an identical earlier run (same code,
    profile, seed and data: the data file's SHA-256, None when rendered) from
    ``results/evidence/ID.json``."""
    path = ctx.results_dir / "evidence" / f"{claim.id}.json"
    key = {"profile": ctx.profile, "seed": ctx.seed, "data": ctx.data_sha256, "code": fingerprint,
           "checks": [c.name for c in claim.checks]}
    if path.exists() and not ctx.force:
        try:
            stored = json.loads(path.read_text())
            if stored["key"] == key:
                evidence = [Evidence.from_json(e) for e in stored["evidence"]]
                if all(e.settled for e in evidence):
                    return ClaimResult(resolve(claim, ctx), evidence)
        except (json.JSONDecodeError, KeyError, TypeError):
            pass
        except Exception:  # noqa: BLE001 - a measured answer that cannot be loaded: run_claim says why
            pass
    result = run_claim(claim, ctx)
    if all(e.settled for e in result.evidence):  # a crash or an undecided solver is never cached
        atomic_write_text(path, json.dumps({"key": key, "evidence": [e.to_json() for e in result.evidence]},
                                           indent=1))
    return result


def evaluate(ctx: Context, only=None, *, reuse: bool = True) -> list[ClaimResult]:
    """Run the checks (and draw the figures) of the selected claims, in the homework's order.

    With ``reuse``, evidence from an earlier run with the same code, profile and seed is reused."""
    selected = claims(only)
    results = []
    fingerprint = code_fingerprint()
    bar = _progress(selected, desc="claims", unit="claim")
    for claim in bar:
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(claim.id)
        result = cached_evidence(claim, ctx, fingerprint) if reuse else run_claim(claim, ctx)
        result.figures, failures = draw_figures(claim, ctx)
        result.evidence.extend(failures)
        results.append(result)
    return results


class OutDirBusy(Exception):
    """Another run holds the output folder's lock."""


def _remove_leftovers(out_dir: Path) -> None:
    """Temporary files of a run that was killed (atomic writes, PDF builds); with the lock held,
    no other run can be writing them."""
    import shutil

    for p in out_dir.rglob("*.tmp"):
        with contextlib.suppress(OSError):
            p.unlink()
    for p in out_dir.glob(".pdf-build-*"):
        shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def out_lock(out_dir: Path):
    """Hold ``OUT/.companion.lock`` for the whole run: a second run on the same folder stops at
    once with :class:`OutDirBusy` instead of interleaving its files with the first one's."""
    import fcntl

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ".companion.lock"
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise OutDirBusy(f"{out_dir} is in use by another companion run ({holder}); wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        _remove_leftovers(out_dir)
        yield
    finally:
        fh.close()


def new_run_id() -> str:
    """The name of one run (its start, to the microsecond): each entry of key.json records it."""
    import datetime

    return datetime.datetime.now().astimezone().isoformat(timespec="microseconds")


def _previous_claims(ctx: Context) -> dict:
    """The claims of ``OUT/key.json`` when it was written for the same profile, seed and data
    (a key.json without ``data`` was built on rendered data)."""
    try:
        old = json.loads((ctx.out_dir / "key.json").read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    old_data = old.get("data") if isinstance(old.get("data"), dict) else {}
    if old.get("profile") != ctx.profile or old.get("seed") != ctx.seed or old_data.get("sha256") != ctx.data_sha256:
        return {}
    return old.get("claims", {}) if isinstance(old.get("claims"), dict) else {}


def _restored(claim, stored: dict, ctx: Context) -> ClaimResult | None:
    """A claim's entry of an earlier key.json as a result (its verdict, evidence and figures)."""
    try:
        base = resolve(claim, ctx) if claim.measured else claim
        c = dataclasses.replace(base, short=stored["short"], answer=stored["answer"])
        return ClaimResult(c, [Evidence.from_json(e) for e in stored["evidence"]], list(stored.get("figures", [])),
                           run=stored.get("run"))
    except Exception:  # noqa: BLE001 - an unreadable old entry is left out, not trusted
        return None


def key_json(results: list[ClaimResult], ctx: Context, run_id: str | None = None) -> dict:
    run_id = run_id or new_run_id()
    return {
        "profile": ctx.profile,
        "seed": ctx.seed,
        "data": data_record(ctx),
        "claims": {
            r.claim.id: {
                "short": r.claim.short,
                "answer": r.claim.answer,
                "verdict": r.verdict,
                "answer_bound": (f"open: {r.claim.open_answer}" if r.claim.open_answer else
                                 "decided" if r.claim.options else "judged"),
                "points": r.claim.points,
                "formal": [{"file": t.path, "theorem": t.name, "statement": t.statement} for t in r.claim.formal],
                "evidence": [e.to_json() for e in r.evidence],
                "figures": r.figures,
                "run": r.run or run_id,
            }
            for r in results
        },
    }


def build_key(ctx: Context, only=None, *, pdf: bool = True, results: list[ClaimResult] | None = None) -> dict:
    """Write answer_key.{md,tex,pdf}, answer_key_short.{md,tex,pdf} and key.json under
    ``ctx.out_dir``; return a summary.  ``results`` (from :func:`evaluate`) skips the evaluation."""
    t0 = time.perf_counter()
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    if results is None:
        results = evaluate(ctx, only)
    evaluated = list(results)
    if only is not None:  # merge: the claims left out keep their last entry (and its run)
        fresh = {r.claim.id: r for r in results}
        previous = _previous_claims(ctx)
        merged = []
        for claim in claims():
            if claim.id in fresh:
                merged.append(fresh[claim.id])
            elif claim.id in previous:
                old = _restored(claim, previous[claim.id], ctx)
                if old is not None:
                    merged.append(old)
        results = merged
    data = key_json(results, ctx, new_run_id())
    out = ctx.out_dir
    atomic_write_text(out / "key.json", json.dumps(data, indent=1, default=str))
    atomic_write_text(out / "answer_key.md", render.markdown(results, ctx))
    tex = render.latex(results, ctx)
    atomic_write_text(out / "answer_key.tex", tex)
    atomic_write_text(out / "answer_key_short.md", render.short_markdown(results, ctx))
    atomic_write_text(out / "answer_key_short.tex", render.short_latex(results, ctx))
    pdf_path = render.compile_pdf(out / "answer_key.tex") if pdf else None
    if pdf_path is not None:
        render.compile_pdf(out / "answer_key_short.tex")
    return {
        "results": evaluated,
        "key": results,
        "pdf": pdf_path,
        "seconds": time.perf_counter() - t0,
    }
