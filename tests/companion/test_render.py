import json
import shutil

import pytest

from companion import render
from companion.build import build_key, key_json
from companion.mdtex import escape_text, markdown_to_latex
from proofs.context import Context
from proofs.registry import Claim, ClaimResult, Evidence, check


def test_escape_specials_and_unicode():
    assert escape_text("50% & a_b #1") == r"50\% \& a\_b \#1"
    assert escape_text("θ ≤ 1") == r"$\theta$ $\le$ 1"


def test_math_passes_through():
    tex = markdown_to_latex("Let $a_b \\le 1$ and\n\n$$x^2 = y_1$$\n\nend_of it")
    assert "$a_b \\le 1$" in tex and "end\\_of it" in tex
    assert "\\adjustbox{max width=\\linewidth}{$\\displaystyle\nx^2 = y_1\n$}" in tex


def test_lists_bold_code_and_tables():
    tex = markdown_to_latex("- **bold** item\n- `code_x` two\n\n| a | b |\n|---|---|\n| 1 | $x$ |")
    assert "\\begin{itemize}" in tex and "\\textbf{bold}" in tex and "\\texttt{code\\_x}" in tex
    assert "\\begin{longtable}" in tex and "1 & $x$" in tex


@check("exact", "ok")
def _ok(ctx):
    return True, "fine | with a pipe"


def _result():
    c = Claim(id="q3", title="T", points=0.5, statement="S $x$", answer=r"x = 1", proof="P", checks=(_ok,),
              open_answer="a rendering test claim")
    return ClaimResult(c, [Evidence("exact", True, "fine | with a pipe", "ok")])


def test_markdown_has_boxed_answer_and_evidence_table(tmp_path):
    md = render.markdown([_result()], Context(out_dir=tmp_path))
    assert "$$\\boxed{x = 1}$$" in md and "| exact | yes | fine \\| with a pipe |" in md
    assert "Verified by: exact" in md and "(0.5 pts)" in md


def test_latex_document_structure(tmp_path):
    tex = render.latex([_result()], Context(out_dir=tmp_path))
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert "\\answerbox{$\\displaystyle x = 1$}" in tex and "\\tableofcontents" in tex


def test_text_in_answers_can_wrap():
    from companion.mdtex import math_with_text_breaks
    assert math_with_text_breaks(r"\text{Yes: } e^{x} \text{ overflows}") == r"Yes: $\displaystyle  e^{x} $ overflows"
    assert math_with_text_breaks(r"\mathrm{m}_{\text{ij}} = 0") == r"$\displaystyle \mathrm{m}_{\text{ij}} = 0$"


def test_key_json_schema(tmp_path):
    data = key_json([_result()], Context(out_dir=tmp_path))
    claim = data["claims"]["q3"]
    assert data["profile"] == "fast"
    assert set(claim) >= {"short", "answer", "verdict", "evidence", "figures"}
    assert claim["evidence"][0]["kind"] == "exact" and claim["verdict"] == "verified"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine")
def test_key_q1_q2_q3_writes_four_files_and_pdf(tmp_path):
    out = build_key(Context(out_dir=tmp_path), ["q1", "q2", "q3"])
    for name in ("answer_key.md", "answer_key.tex", "answer_key.pdf", "key.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    key = json.loads((tmp_path / "key.json").read_text())
    assert {k: v["verdict"] for k, v in key["claims"].items()} == dict.fromkeys(["q1", "q2", "q3"], "verified")
    assert out["pdf"] is not None
    if shutil.which("pdftotext"):
        import subprocess
        text = subprocess.run(["pdftotext", str(tmp_path / "answer_key.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert "Q2. Instance discrimination as classification" in text and "verified" in text
