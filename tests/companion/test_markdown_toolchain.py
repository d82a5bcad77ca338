"""The key's Markdown goes through pandoc (companion/mdtex.py): emphasis, lists, code and
mathematics survive into the .tex and the PDF, with no raw Markdown markers, no unrendered
dollars and no '?' in place of a Unicode character."""

import importlib.util
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from companion import mdtex, render
from companion.mdtex import (
    UNICODE,
    escape_text,
    finish_document,
    markdown_to_latex,
    markdown_to_latex_many,
)
from proofs.registry import (
    Claim,
    ClaimResult,
    Evidence,
    FigureSpec,
    check,
    claims,
    resolve,
)

# --------------------------------------------------------------------------- conversion


@pytest.mark.parametrize("md, want", [
    ("**The rule $(\\star)$.** Positive pairs", "\\textbf{The rule $(\\star)$.} Positive pairs"),
    ("*Location varies inside $S_i$.* The rotation", "\\emph{Location varies inside $S_i$.} The rotation"),
    ("The stated rule: **sensitive iff $\\kappa \\ge 0.5$**, halfway",
     "The stated rule: \\textbf{sensitive iff $\\kappa \\ge 0.5$}, halfway"),
    ("(**bold**), *it*; **a**.", "(\\textbf{bold}), \\emph{it}; \\textbf{a}."),
    ("**$x$** and *$y$*", "\\textbf{$x$} and \\emph{$y$}"),
    ("$f^*$ keeps *it* and $g^*(z)$ too", "$f^*$ keeps \\emph{it} and $g^*(z)$ too"),
    ("a *b* $x * y$ c", "a \\emph{b} $x * y$ c"),
    ("the *same in every view* of an image", "the \\emph{same in every view} of an image"),
    ("snake_case_name, 2 * 3", "snake\\_case\\_name, 2 * 3"),
])
def test_emphasis_touching_punctuation_and_math(md, want):
    assert markdown_to_latex(md) == want


def test_nested_lists():
    tex = markdown_to_latex("1. one\n   - sub *a*\n   - sub **b**\n2. two\n\n- x\n  - y\n    - z")
    assert re.search(r"\\begin\{enumerate\}.*\\item\s+one\s+\\begin\{itemize\}.*\\item\s+sub \\emph\{a\}"
                     r".*\\item\s+sub \\textbf\{b\}\s+\\end\{itemize\}\s+\\item\s+two\s+\\end\{enumerate\}", tex, re.DOTALL)
    assert tex.count("\\begin{itemize}") == 4 and tex.count("\\end{itemize}") == 4


def test_inline_code_is_verbatim_text():
    assert markdown_to_latex("`loss = ((x_hat - x) ** 2).mean()`") in (
        "\\texttt{loss\\ =\\ ((x\\_hat\\ -\\ x)\\ **\\ 2).mean()}",  # pandoc 3: spaces kept as \\
        "\\texttt{loss = ((x\\_hat - x) ** 2).mean()}")
    assert markdown_to_latex("`$x$` and `*a*`") == "\\texttt{\\$x\\$} and \\texttt{*a*}"


def test_code_block_is_verbatim():
    tex = markdown_to_latex("```python\nz = f(x)  # **not bold**\n```")
    assert tex == "\\begin{verbatim}\nz = f(x)  # **not bold**\n\\end{verbatim}"


def test_display_math_keeps_environments_and_shrinks_to_width():
    body = ("\\begin{aligned}\n\\|u - v\\|^{2}_{2} &= 2 - 2 u^\\top v && \\text{$\\|u\\|_2 = 1$} \\\\\n"
            " &\\le 4 && \\text{a sum of squares is $\\ge 0$}\n\\end{aligned}")
    tex = markdown_to_latex(f"so\n\n$${body}$$\n\nHence *this*.")
    assert ("\\begin{center}\\adjustbox{max width=\\linewidth}{$\\displaystyle\n" + body + "\n$}\\end{center}") in tex
    assert tex.startswith("so") and tex.endswith("Hence \\emph{this}.")


def test_text_specials_and_headings():
    tex = markdown_to_latex("### A *head*\n\n50% & #1, \\foo <b> r^2 ~x~ @ref $5 and $")
    assert re.match(r"\\paragraph\{(\\texorpdfstring\{)?A \\emph\{head\}", tex)
    assert ("50\\% \\& \\#1, \\textbackslash foo \\textless b\\textgreater{} r\\^{}2 "
            "\\textasciitilde x\\textasciitilde{} @ref \\$5 and \\$") in tex


def test_snippets_of_one_run_stay_separate():
    assert markdown_to_latex_many(["a *b", "c* d", "- x", "e **f**"]) == ["a *b", "c* d",
                                                                          "\\begin{itemize}\n\\tightlist\n\\item\n  x\n\\end{itemize}",
                                                                          "e \\textbf{f}"]
    # an unclosed fence would swallow what follows: each snippet is then converted alone
    got = markdown_to_latex_many(["```\nunclosed", "e **f**"])
    assert got[1] == "e \\textbf{f}" and "unclosed" in got[0]


def test_unicode_is_declared_or_spelled_out_never_question_marks():
    assert escape_text("θ ≤ 1 → ‖x‖² ⋆ κ…") == r"$\theta$ $\le$ 1 $\to$ $\|$x$\|$$^{2}$ $\star$ $\kappa$\dots"
    doc = finish_document("\\documentclass{article}\n\\begin{document}\nθ ≤ é ☃ ﬁ\n\\end{document}\n")
    assert "\\DeclareUnicodeCharacter{03B8}{\\ensuremath{\\theta}}\n" in doc
    assert "\\DeclareUnicodeCharacter{2264}{\\ensuremath{\\le}}\n\\begin{document}" in doc
    assert "θ ≤ é [U+2603] fi" in doc and "?" not in doc


def test_bundled_and_system_pandoc_agree(monkeypatch):
    """The bundled pandoc and a system one (Debian's, when present) give the same key text."""
    system = shutil.which("pandoc")
    if system is None or Path(system).resolve() == Path(mdtex.pandoc_executable()).resolve():
        pytest.skip("no second pandoc")
    md = ("**The rule $(\\star)$.** *a* `c_d`, θ ≤ 1\n\n1. x\n   - y\n\n### H\n\n"
          "$$\\begin{aligned}a&=b\\end{aligned}$$\n\n```python\nx = 1\n```")
    ours = markdown_to_latex(md)
    monkeypatch.setattr(mdtex, "pandoc_executable", lambda: system)
    assert markdown_to_latex(md) == ours


# --------------------------------------------------------------------------- the registry


def _measured_fixture():
    """tests/proofs/test_measured_answers.py's synthetic measurements (Q7d and Q8d)."""
    path = Path(__file__).parents[1] / "proofs" / "test_measured_answers.py"
    spec = importlib.util.spec_from_file_location("_measured_answers", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@check("exact", "every feature of the Markdown the key uses")
def _kitchen_sink(ctx):
    return True, "ok"


_SINK = Claim(
    id="q99", title="Every Markdown feature", points=None, statement="Does *everything* render (**all** of it)?",
    answer=r"\text{Yes: } \theta \le 1", open_answer="a test of the toolchain", checks=(_kitchen_sink,),
    proof=("### A heading with $x^2$\n\n"
           "Prose with Unicode: θ ≤ 1 → ‖x‖², Aᵀb, (⋆), κ = 0.5, α…ω, ±, ×, −1, “quotes” -- and --- dashes.\n\n"
           "1. first, with *emphasis*\n   - nested **bold**, `code_x ** 2`\n   - nested $y_i$\n2. second\n\n"
           "| factor | agreement |\n|---|---|\n| shape | $\\kappa = 0.8$ |\n| colour | **0.9** |\n\n"
           "```python\nloss = ((x_hat - x) ** 2).mean()  # θ\n```\n\n"
           "$$\\begin{aligned}a &= b && \\text{$b$ is a number} \\\\ &\\le c^*\\end{aligned}$$\n\n"
           "> A quotation with *emphasis*.\n"),
    figures=(FigureSpec("q99_figure", "A caption with *emphasis*, **bold**, `code` and $\\theta \\le 1$.",
                        lambda ctx: {}, lambda data, path: None),),
)


def _results(tmp_path):
    """Every claim of the registry (the measured ones from synthetic measurements) and the
    kitchen sink, each with fake passing evidence and its figures drawn as a blank page."""
    measured = _measured_fixture()
    ctx = measured._context(tmp_path, measured.synthetic_probes())
    figures = tmp_path / "figures"
    figures.mkdir()
    blank = _blank_pdf(tmp_path)
    results = []
    for c in list(claims()) + [_SINK]:
        c = resolve(c, ctx)
        drawn = []
        for spec in c.figures:
            shutil.copyfile(blank, figures / f"{spec.name}.pdf")
            drawn.append(f"figures/{spec.name}.png")
        results.append(ClaimResult(c, [Evidence(c.checks[0].kind, True, "fake: θ ≤ 1 ± 0.1 → 50% & a_b",
                                                c.checks[0].name)], drawn))
    return results, ctx


def _blank_pdf(tmp_path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(4, 2))
    path = tmp_path / "blank.pdf"
    fig.savefig(path)
    plt.close(fig)
    return path


def _snippets(results) -> list[str]:
    out = []
    for r in results:
        out += [r.claim.statement, r.claim.proof] + [s.caption for s in r.claim.figures]
    return out


def test_registry_text_uses_only_known_characters(tmp_path):
    results, _ = _results(tmp_path)
    unknown = {}
    for r in results:
        c = r.claim
        for text in [c.title, c.statement, c.proof, c.answer] + [s.caption for s in c.figures]:
            for ch in unicodedata.normalize("NFC", text):
                if not mdtex._native(ch) and ch not in UNICODE:
                    unknown.setdefault(c.id, set()).add(ch)
    assert not unknown, f"add to companion.mdtex.UNICODE: {unknown}"


def test_one_pandoc_run_per_document(tmp_path, monkeypatch):
    results, ctx = _results(tmp_path)
    calls = []
    real = mdtex._pandoc
    monkeypatch.setattr(mdtex, "_pandoc", lambda md, **kw: calls.append(md) or real(md, **kw))
    render.latex(results, ctx)
    assert len(calls) == 1
    render.short_latex(results, ctx)
    assert len(calls) == 2


# --------------------------------------------------------------------------- scans

#: Emphasis markers left in text: ``*word`` / ``**word`` opening, ``word*`` / ``word**`` closing
#: (code's ``x ** 2`` and ``a * b`` stand between spaces and are not markers).
_OPEN = re.compile(r"(?:^|(?<=[\s(\[{\"'“‘]))\*{1,2}(?=[^\s*)])")
_CLOSE = re.compile(r"(?<=[^\s*(])\*{1,2}(?=$|[\s.,;:!?)\]}\"'”’])")


def _context(text: str, m: re.Match) -> str:
    return text[max(0, m.start() - 60):m.end() + 60].replace("\n", " ")


def _prose_of_tex(tex: str) -> str:
    """The document's text outside code and mathematics."""
    body = tex.split("\\begin{document}", 1)[1]
    body = re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", " ", body, flags=re.DOTALL)
    body = re.sub(r"\\texttt\{(?:[^{}]|\{[^{}]*\})*\}", " ", body)
    return body


def _scan_tex(tex: str) -> list[str]:
    problems = []
    body = _prose_of_tex(tex)
    problems += [f"unrendered $: ...{_context(body, m)}..." for m in re.finditer(r"(?<!\\)\\\$", body)]
    body = re.sub(r"\\begin\{center\}\\adjustbox\{max width=\\linewidth\}\{\$\\displaystyle.*?\$\}\\end\{center\}",
                  " ", body, flags=re.DOTALL)
    body = re.sub(r"\$[^$]*\$", " ", body)  # inline mathematics
    body = re.sub(r"\\[A-Za-z]+\*", " ", body)  # \section*, \\*
    problems += [f"stray *: ...{_context(body, m)}..." for m in re.finditer(r"\*", body)]
    problems += [f"unknown character: ...{_context(body, m)}..." for m in re.finditer(r"\[U\+[0-9A-F]+\]", body)]
    return problems


def _scan_pdf_text(text: str) -> list[str]:
    problems = [f"emphasis marker: ...{_context(text, m)}..." for m in _OPEN.finditer(text)]
    problems += [f"emphasis marker: ...{_context(text, m)}..." for m in _CLOSE.finditer(text)]
    problems += [f"unrendered $: ...{_context(text, m)}..." for m in re.finditer(r"\$", text)]
    problems += [f"unknown character: ...{_context(text, m)}..." for m in re.finditer(r"\[U\+[0-9A-F]+\]", text)]
    return problems


def test_scans_catch_raw_markdown():
    """The scans find what the hand-written converter left in Q8b.B's proof."""
    old = ("Proof. **The rule (⋆).** Positive pairs ... - *Location varies inside Si .* The rotation ... "
           "The stated rule: **sensitive iff κ ≥ 0.5**, halfway ... $h(z) = $ ...")
    assert len(_scan_pdf_text(old)) == 8  # six markers, two dollars
    assert _scan_pdf_text("loss = ((x_hat - x) ** 2).mean() and x * y + dot u v. Is it? (Yes?) f ∗ (x)") == []
    assert len(_scan_tex("\\begin{document}\\textbf{a} **b** \\$x\\$ \\\\$y$ [U+2603]")) == 7


def test_registry_snippets_convert_cleanly(tmp_path):
    results, _ = _results(tmp_path)
    snippets = _snippets(results)
    for md, tex in zip(snippets, markdown_to_latex_many(snippets)):
        problems = _scan_tex("\\begin{document}" + tex)
        assert not problems, (md[:80], problems)
        assert tex.count("?") == md.count("?"), (md[:80], "a '?' appeared or vanished")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine")
def test_key_pdf_has_no_markdown_markers(tmp_path):
    results, ctx = _results(tmp_path)
    for name, tex in (("answer_key", render.latex(results, ctx)), ("answer_key_short", render.short_latex(results, ctx))):
        problems = _scan_tex(tex)
        assert not problems, problems
        path = tmp_path / f"{name}.tex"
        path.write_text(tex, encoding="utf-8")
        pdf = render.compile_pdf(path)
        assert pdf is not None and pdf.stat().st_size > 0
        log = path.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
        assert "not set up for use with LaTeX" not in log and "invalid in math mode" not in log
        if shutil.which("pdftotext") is None:
            continue
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        problems = _scan_pdf_text(text)
        assert not problems, problems
        # every '?' of the PDF is one of the document's (no character replaced by '?')
        assert text.count("?") == tex.split("\\begin{document}", 1)[1].count("?")
        if name == "answer_key":
            flat = " ".join(text.split())
            for want in ("Proof. The rule (⋆). Positive pairs", "Location varies inside Si .",
                         "sensitive iff κ ≥ 0.5, halfway", "Prose with Unicode: θ ≤ 1 → ∥x∥2",
                         "Every Markdown feature"):
                assert want in flat, want
