"""Build the answer key: run every claim's checks, draw its figures, write key.json and the documents."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from proofs import claims, run_claim
from proofs.context import Context, atomic_write_text
from proofs.registry import ClaimResult

from . import render


def _progress(iterable, **kw):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency; keep working without it
        return iterable
    return tqdm(iterable, file=sys.stderr, dynamic_ncols=True, **kw)


def draw_figures(claim, ctx: Context) -> list[str]:
    """Compute each figure's data, plot it, save NAME.png and NAME.pdf; return the PNG paths."""
    from figures.style import save

    paths = []
    for spec in claim.figures:
        fig = spec.plot(spec.data(ctx))
        png, _pdf = save(fig, ctx.figures_dir, spec.name)
        paths.append(str(png.relative_to(ctx.out_dir)))
    return paths


def evaluate(ctx: Context, only=None, *, figures: bool = True) -> list[ClaimResult]:
    """Run the checks (and draw the figures) of the selected claims, in the homework's order."""
    selected = claims(only)
    results = []
    bar = _progress(selected, desc="claims", unit="claim")
    for claim in bar:
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(claim.id)
        result = run_claim(claim, ctx)
        if figures:
            try:
                result.figures = draw_figures(claim, ctx)
            except Exception as exc:  # a figure that cannot be drawn fails its claim
                from proofs.registry import Evidence

                result.evidence.append(Evidence("experiment", False, f"figure failed: {type(exc).__name__}: {exc}",
                                                "figures"))
        results.append(result)
    return results


def key_json(results: list[ClaimResult], ctx: Context) -> dict:
    return {
        "profile": ctx.profile,
        "seed": ctx.seed,
        "claims": {
            r.claim.id: {
                "short": r.claim.short,
                "answer": r.claim.answer,
                "verdict": r.verdict,
                "points": r.claim.points,
                "evidence": [e.to_json() for e in r.evidence],
                "figures": r.figures,
            }
            for r in results
        },
    }


def build_key(ctx: Context, only=None, *, pdf: bool = True) -> dict:
    """Write answer_key.{md,tex,pdf} and key.json under ``ctx.out_dir``; return a summary."""
    t0 = time.perf_counter()
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    results = evaluate(ctx, only)
    data = key_json(results, ctx)
    out = ctx.out_dir
    atomic_write_text(out / "key.json", json.dumps(data, indent=1, default=str))
    atomic_write_text(out / "answer_key.md", render.markdown(results, ctx))
    tex = render.latex(results, ctx)
    atomic_write_text(out / "answer_key.tex", tex)
    pdf_path = render.compile_pdf(out / "answer_key.tex") if pdf else None
    return {
        "results": results,
        "pdf": pdf_path,
        "seconds": time.perf_counter() - t0,
    }
