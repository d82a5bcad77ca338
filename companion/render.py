"""Render evaluated claims as Markdown and LaTeX, and compile the PDF when a TeX engine exists."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from proofs.context import data_statement
from proofs.order import PARTS, SOURCE_NOTE
from proofs.registry import ClaimResult

from .mdtex import PANDOC_PREAMBLE, Batch, escape_text, finish_document, math_with_text_breaks

TITLE = "6.7960 Deep Learning, Homework 4: verified answer key"


def _question_label(claim_id: str) -> str:
    return "Q" + claim_id[1:]


def _points(p) -> str:
    if p is None:
        return ""
    if p == 0:
        return "ungraded"
    return f"{p:g} pt" + ("" if p == 1 else "s")


def _summary(results: list[ClaimResult]) -> str:
    n = len(results)
    ok = sum(r.verdict == "verified" for r in results)
    return f"{ok} of {n} claims verified"


def answer_binding(claim) -> str:
    """How the answer is bound to the evidence, in one sentence."""
    if claim.open_answer:
        return f"Open answer, not decided by machine: {claim.open_answer}."
    if claim.options:
        return ("The evidence decides the answer: every other option ("
                + ", ".join(str(o) for o in claim.options if o != claim.short) + ") is rejected by a check.")
    return "The checks read the stated answer: each declared wrong answer fails them."


def verified_by(result: ClaimResult) -> str:
    kinds = sorted({e.kind for e in result.evidence if e.passed})
    return ", ".join(kinds) if kinds else "nothing"


# --------------------------------------------------------------------------- Markdown


def markdown(results: list[ClaimResult], ctx) -> str:
    lines = [f"# {TITLE}", "",
             f"Profile `{ctx.profile}`, seed {ctx.seed}. {_summary(results)}. Every answer below is "
             "boxed, argued, and backed by checks that ran when this document was built. The questions "
             "follow the homework's order, with its points (25 in all).", "",
             f"> **Note.** {SOURCE_NOTE}", "", f"**Data.** {data_statement(ctx)}", ""]
    lines += ["## Contents", ""]
    for r in results:
        lines.append(f"- [{_question_label(r.claim.id)}. {r.claim.title}](#{r.claim.id.replace('.', '')}) "
                     f"({r.verdict})")
    lines.append("")
    starts = {first: (title, pts) for title, pts, first in PARTS}
    for r in results:
        c = r.claim
        if c.id in starts:
            title, part_pts = starts[c.id]
            lines += [f"# {title} ({part_pts:g} pts)", ""]
        pts = _points(c.points)
        lines += [f"## {_question_label(c.id)}. {c.title}" + (f" ({pts})" if pts else ""),
                  f'<a id="{c.id.replace(".", "")}"></a>', "",
                  f"**Question.** {c.statement}", "",
                  "**Answer.**", "", f"$$\\boxed{{{c.answer}}}$$", ""]
        lines += ["**Proof.**", "", c.proof.strip(), ""]
        for t in c.formal:
            lines += [f"**Proved in Coq** (`{t.path}`, for vectors of every length):", "", "```coq",
                      t.coq(), "```", ""]
        lines += [f"**Verdict: {r.verdict}.** Verified by: {verified_by(r)}. {answer_binding(c)}", "",
                  "| kind | passed | detail |", "|---|---|---|"]
        for e in r.evidence:
            detail = e.detail.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {e.kind} | {_passed_md(e)} | {detail} |")
        lines.append("")
        paths = {Path(f).stem: f for f in r.figures}
        for spec, path in ((s, paths[s.name]) for s in c.figures if s.name in paths):
            lines += [f"![{spec.caption}]({path})", "", f"*{spec.caption}*", ""]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- LaTeX

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{adjustbox}
\usepackage{booktabs}
\usepackage{tabularx}
\usepackage{xcolor}
\usepackage[hidelinks]{hyperref}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.55em}
\emergencystretch=2em
\newcolumntype{Y}{>{\raggedright\arraybackslash}X}
\newcommand{\answerbox}[1]{\begin{center}\fbox{\begin{minipage}{0.94\linewidth}\centering #1\end{minipage}}\end{center}}
""" + PANDOC_PREAMBLE


def _passed_md(e) -> str:
    return "yes" if e.passed else "not run" if e.skipped else "**NO**"


def _formal_latex(c) -> str:
    """The Coq statements of a claim's formal theorems, verbatim."""
    blocks = []
    for t in c.formal:
        blocks.append(f"\\textbf{{Proved in Coq}} (\\texttt{{{escape_text(t.path)}}}, for vectors of every "
                      "length):\n{\\small\\begin{verbatim}\n" + t.coq() + "\n\\end{verbatim}}")
    return "\n".join(blocks)


def _evidence_table(r: ClaimResult) -> str:
    rows = []
    for e in r.evidence:
        passed = (r"\textcolor{green!40!black}{yes}" if e.passed else r"\textcolor{orange!70!black}{not run}"
                  if e.skipped else r"\textcolor{red}{\textbf{NO}}")
        rows.append(f"{escape_text(e.kind)} & {passed} & {escape_text(e.detail)} \\\\")
    return ("{\\small\n\\begin{tabularx}{\\linewidth}{@{}l l Y@{}}\n\\toprule\n"
            "kind & passed & detail \\\\\n\\midrule\n" + "\n".join(rows) +
            "\n\\bottomrule\n\\end{tabularx}}\n")


def latex(results: list[ClaimResult], ctx) -> str:
    md = Batch()  # the Markdown of the document, converted by one pandoc run
    parts = [_PREAMBLE, f"\\title{{{escape_text(TITLE)}}}",
             f"\\date{{Profile \\texttt{{{ctx.profile}}}, seed {ctx.seed}. {_summary(results)}.}}",
             "\\author{contrastive-companion}", "\\begin{document}", "\\maketitle",
             "Every answer is boxed, argued, and backed by checks that ran when this document was built; "
             "each question says how it was verified (symbolic, SMT, exact, property, optimization, "
             "experiment, counterexample). The questions follow the homework's order, with its points "
             "(25 in all).",
             "\\noindent\\fbox{\\begin{minipage}{0.97\\linewidth}\\textbf{Note.} " + md(SOURCE_NOTE)
             + "\\end{minipage}}",
             "\\textbf{Data.} " + md(data_statement(ctx)),
             "{\\small\\tableofcontents}", "\\clearpage"]
    starts = {first: (title, pts) for title, pts, first in PARTS}
    for r in results:
        c = r.claim
        if c.id in starts:
            title, part_pts = starts[c.id]
            parts.append(f"\\addcontentsline{{toc}}{{section}}{{{escape_text(title)} ({part_pts:g} pts)}}")
        pts = _points(c.points)
        parts.append(f"\\section*{{{_question_label(c.id)}. {escape_text(c.title)}"
                     + (f" \\normalfont\\small({pts})" if pts else "") + "}")
        parts.append(f"\\addcontentsline{{toc}}{{subsection}}{{{_question_label(c.id)}. {escape_text(c.title)}"
                     + (f" ({pts})" if pts else "") + "}")
        parts.append("\\textbf{Question.} " + md(c.statement))
        parts.append("\\noindent\\begin{minipage}{\\linewidth}\\textbf{Answer.}\n\\answerbox{"
                     + math_with_text_breaks(c.answer) + "}\\end{minipage}")
        parts.append("\\textbf{Proof.} " + md(c.proof))
        if c.formal:
            parts.append(_formal_latex(c))
        parts.append(f"\\textbf{{Verdict: {r.verdict}.}} Verified by: {escape_text(verified_by(r))}. "
                     f"{escape_text(answer_binding(c))}\n")
        parts.append(_evidence_table(r))
        drawn = {Path(f).stem for f in r.figures}
        for spec in (s for s in c.figures if s.name in drawn):
            parts.append("\\begin{figure}[htbp]\\centering\n"
                         f"\\includegraphics[width=0.9\\linewidth,height=0.42\\textheight,keepaspectratio]"
                         f"{{figures/{spec.name}.pdf}}\n"
                         f"\\caption{{{md(spec.caption)}}}\n\\end{{figure}}")
        parts.append("\\clearpage" if c.figures else "\\bigskip")
    parts.append("\\end{document}")
    return finish_document(md.fill("\n\n".join(parts) + "\n"))


# --------------------------------------------------------------------------- graders' sheet


def short_markdown(results: list[ClaimResult], ctx) -> str:
    lines = [f"# {TITLE}: boxed answers", "", f"Profile `{ctx.profile}`, seed {ctx.seed}. "
             f"{_summary(results)}. The full key, with proofs and evidence, is `answer_key.md`.", "",
             f"**Data.** {data_statement(ctx)}", ""]
    for r in results:
        c = r.claim
        pts = f" ({_points(c.points)})" if c.points is not None else ""
        lines += [f"**{_question_label(c.id)}. {c.title}**{pts}, {r.verdict}", "",
                  f"$$\\boxed{{{c.answer}}}$$", ""]
    return "\n".join(lines) + "\n"


def short_latex(results: list[ClaimResult], ctx) -> str:
    md = Batch()
    parts = [_PREAMBLE, f"\\title{{{escape_text(TITLE)}: boxed answers}}",
             f"\\date{{Profile \\texttt{{{ctx.profile}}}, seed {ctx.seed}. {_summary(results)}.}}",
             "\\author{contrastive-companion}", "\\begin{document}", "\\maketitle",
             "\\textbf{Data.} " + md(data_statement(ctx))]
    for r in results:
        c = r.claim
        pts = _points(c.points)
        parts.append(f"\\noindent\\begin{{minipage}}{{\\linewidth}}\\textbf{{{_question_label(c.id)}. "
                     f"{escape_text(c.title)}}}" + (f" \\small({pts})" if pts else "") +
                     f" \\hfill \\small{{{r.verdict}}}\n\\answerbox{{{math_with_text_breaks(c.answer)}}}\\end{{minipage}}")
    parts.append("\\end{document}")
    return finish_document(md.fill("\n\n".join(parts) + "\n"))


def tex_engine() -> str | None:
    return shutil.which("pdflatex")


def compile_pdf(tex_path: Path, *, timeout: int = 300) -> Path | None:
    """Compile with pdflatex (twice, for the table of contents); None without a TeX engine."""
    engine = tex_engine()
    if engine is None:
        return None
    import os
    import shutil
    import tempfile

    from numerics.atomic import atomic_write

    tex_path = Path(tex_path)
    # Build in a private folder next to the .tex (figures resolve from the .tex's folder), then
    # move the PDF into place whole: a reader or an interrupted run never sees half a PDF.
    build = Path(tempfile.mkdtemp(dir=tex_path.parent, prefix=".pdf-build-"))
    try:
        cmd = [engine, "-interaction=nonstopmode", "-halt-on-error", f"-output-directory={build.name}",
               tex_path.name]
        for _ in range(2):
            proc = subprocess.run(cmd, cwd=tex_path.parent, capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                log = proc.stdout.splitlines()
                err = next((ln for ln in log if ln.startswith("!")), "unknown error")
                kept = tex_path.with_suffix(".log")
                shutil.copyfile(build / kept.name, kept) if (build / kept.name).exists() else None
                raise RuntimeError(f"pdflatex failed on {tex_path.name}: {err} (see {kept})")
        pdf = tex_path.with_suffix(".pdf")
        data = (build / pdf.name).read_bytes()
        atomic_write(pdf, lambda fh: fh.write(data), "wb")
        log = build / tex_path.with_suffix(".log").name  # keep the log for inspection
        if log.exists():
            os.replace(log, tex_path.with_suffix(".log"))
        return pdf
    finally:
        shutil.rmtree(build, ignore_errors=True)
