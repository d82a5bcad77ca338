"""Markdown to LaTeX for the answer key, through pandoc, and the key's other LaTeX helpers.

The registry's statements, proofs, captions and notes are Markdown with mathematics as ``$...$``
and ``$$...$$`` (LaTeX environments such as ``aligned`` inside).  pandoc converts them (the
binary of the ``pypandoc-binary`` package, else a ``pandoc`` on the PATH), with the filter
``mdtex.lua``: inline mathematics stays ``$...$``, display mathematics is centred and shrunk to
the text width when wide, headings are run-in paragraphs, code is verbatim.  One document's
snippets go through one pandoc run (:class:`Batch`).

pdflatex reads UTF-8 but knows few characters beyond Latin-1: :func:`finish_document` declares
the ones the document uses (:data:`UNICODE`), and writes any other as its code point, never ``?``.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from pathlib import Path

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}

#: Characters that pdflatex cannot set by itself, as LaTeX: ``(code, True)`` is mathematics (set
#: with ``\ensuremath``, so it works in text and in formulas), ``(code, False)`` is text.
UNICODE: dict[str, tuple[str, bool]] = {
    **{ch: ("\\" + name, True) for ch, name in zip(
        "αβγδζηθικλμνξπρστυχψωϑϕϵϖϱ",
        ["alpha", "beta", "gamma", "delta", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
         "xi", "pi", "rho", "sigma", "tau", "upsilon", "chi", "psi", "omega", "vartheta", "phi", "epsilon",
         "varpi", "varrho"])},
    "ε": (r"\varepsilon", True), "φ": (r"\varphi", True), "ς": (r"\varsigma", True),
    **{ch: ("\\" + name, True) for ch, name in zip(
        "ΓΔΘΛΞΠΣΥΦΨΩ", ["Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
                       "Omega"])},
    **{ch: (f"\\mathrm{{{ch2}}}", True) for ch, ch2 in zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX")},
    # relations and arrows
    "≤": (r"\le", True), "≥": (r"\ge", True), "≈": (r"\approx", True), "≠": (r"\neq", True),
    "≡": (r"\equiv", True), "∼": (r"\sim", True), "≃": (r"\simeq", True), "≅": (r"\cong", True),
    "∝": (r"\propto", True), "≪": (r"\ll", True), "≫": (r"\gg", True), "≲": (r"\lesssim", True),
    "≳": (r"\gtrsim", True), "≺": (r"\prec", True), "≻": (r"\succ", True), "⊥": (r"\perp", True),
    "∣": (r"\mid", True), "∥": (r"\parallel", True), "⊢": (r"\vdash", True), "⊨": (r"\models", True),
    "→": (r"\to", True), "←": (r"\leftarrow", True), "↔": (r"\leftrightarrow", True),
    "⇒": (r"\Rightarrow", True), "⇐": (r"\Leftarrow", True), "⇔": (r"\Leftrightarrow", True),
    "↦": (r"\mapsto", True), "⟶": (r"\longrightarrow", True), "⟹": (r"\Longrightarrow", True),
    "⟺": (r"\Longleftrightarrow", True), "↑": (r"\uparrow", True), "↓": (r"\downarrow", True),
    # sets and logic
    "∈": (r"\in", True), "∉": (r"\notin", True), "∋": (r"\ni", True), "⊂": (r"\subset", True),
    "⊆": (r"\subseteq", True), "⊃": (r"\supset", True), "⊇": (r"\supseteq", True), "∩": (r"\cap", True),
    "∪": (r"\cup", True), "∅": (r"\emptyset", True), "∀": (r"\forall", True), "∃": (r"\exists", True),
    "¬": (r"\neg", True), "∧": (r"\wedge", True), "∨": (r"\vee", True), "⊕": (r"\oplus", True),
    "⊗": (r"\otimes", True), "⊙": (r"\odot", True), "∖": (r"\setminus", True),
    "ℝ": (r"\mathbb{R}", True), "ℕ": (r"\mathbb{N}", True), "ℤ": (r"\mathbb{Z}", True),
    "ℚ": (r"\mathbb{Q}", True), "ℂ": (r"\mathbb{C}", True), "𝔼": (r"\mathbb{E}", True),
    "𝒩": (r"\mathcal{N}", True), "𝒟": (r"\mathcal{D}", True), "𝒳": (r"\mathcal{X}", True),
    "𝒮": (r"\mathcal{S}", True), "ℒ": (r"\mathcal{L}", True),
    # operators
    "×": (r"\times", True), "÷": (r"\div", True), "±": (r"\pm", True), "∓": (r"\mp", True),
    "−": ("-", True), "·": (r"\cdot", True), "⋅": (r"\cdot", True), "∘": (r"\circ", True),
    "∙": (r"\bullet", True), "⋆": (r"\star", True), "∗": (r"\ast", True), "‖": (r"\|", True),
    "∞": (r"\infty", True), "∂": (r"\partial", True), "∇": (r"\nabla", True), "√": (r"\surd", True),
    "∑": (r"\sum", True), "∏": (r"\prod", True), "∫": (r"\int", True), "⊤": (r"\top", True),
    "⟨": (r"\langle", True), "⟩": (r"\rangle", True), "⌊": (r"\lfloor", True), "⌋": (r"\rfloor", True),
    "⌈": (r"\lceil", True), "⌉": (r"\rceil", True), "ℓ": (r"\ell", True), "′": (r"'", True),
    "″": (r"''", True), "⋯": (r"\cdots", True), "⋮": (r"\vdots", True), "⋱": (r"\ddots", True),
    "∎": (r"\blacksquare", True), "□": (r"\square", True), "■": (r"\blacksquare", True),
    "✓": (r"\checkmark", True), "✔": (r"\checkmark", True), "✗": (r"\times", True), "✘": (r"\times", True),
    "°": (r"^\circ", True), "µ": (r"\mu", True), "½": (r"\tfrac12", True), "¼": (r"\tfrac14", True),
    "¾": (r"\tfrac34", True), "⅓": (r"\tfrac13", True), "⅔": (r"\tfrac23", True),
    # super- and subscripts
    **{ch: (f"^{{{s}}}", True) for ch, s in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni")},
    "ᵀ": (r"^{\top}", True), "ᵗ": ("^{t}", True),
    **{ch: (f"_{{{s}}}", True) for ch, s in zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ᵢⱼₖₙₘₜₓ", "0123456789+-=()ijknmtx")},
    # punctuation
    "…": (r"\dots", False), "—": (r"\textemdash{}", False), "–": (r"\textendash{}", False),
    "‐": ("-", False), "‑": ("-", False), "‒": (r"\textendash{}", False), "―": (r"\textemdash{}", False),
    "“": (r"\textquotedblleft{}", False), "”": (r"\textquotedblright{}", False),
    "‘": (r"\textquoteleft{}", False), "’": (r"\textquoteright{}", False), "•": (r"\textbullet{}", False),
    "\u00a0": ("~", False), "\u2009": (r"\,", False), "\u202f": (r"\,", False), "\u200b": ("{}", False),
    "™": (r"\texttrademark{}", False), "€": (r"\texteuro{}", False),
}

#: Characters of Latin-1 and Latin Extended-A that pdflatex (utf8 input, T1 fonts) cannot set.
_NOT_NATIVE = set("\u0126\u0127\u0138\u013f\u0140\u0149\u0166\u0167\u017f")


def _native(ch: str) -> bool:
    return ord(ch) < 128 or ("\u00a0" <= ch <= "\u017f" and ch not in _NOT_NATIVE)


def _fallback(ch: str) -> str:
    """A character pdflatex cannot set and :data:`UNICODE` does not know: its compatibility
    form when that is ASCII (``ﬁ`` -> ``fi``), else its code point, visibly."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if plain and plain.isascii() and plain.isprintable():
        return "".join(_SPECIAL.get(c, c) for c in plain)
    return f"[U+{ord(ch):04X}]"


def escape_text(s: str) -> str:
    """Plain text (no Markdown) as LaTeX: specials escaped, Unicode written as LaTeX."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in UNICODE:
            code, math = UNICODE[ch]
            out.append(f"${code}$" if math else code)
        else:
            out.append(ch if _native(ch) else _fallback(ch))
    return "".join(out)


#: What pandoc's LaTeX needs from the preamble (lists and tables).
PANDOC_PREAMBLE = r"""\usepackage{longtable}
\usepackage{calc}
\providecommand{\tightlist}{\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}}
"""


def finish_document(tex: str) -> str:
    """A whole LaTeX document made safe for pdflatex: the :data:`UNICODE` characters it uses are
    declared before ``\\begin{document}``; any other character pdflatex cannot set is written
    as its compatibility form or its code point (never dropped, never ``?``)."""
    tex = unicodedata.normalize("NFC", tex)
    used = sorted({ch for ch in tex if ch in UNICODE})
    tex = "".join(ch if _native(ch) or ch in UNICODE else _fallback(ch) for ch in tex)
    if not used:
        return tex
    decl = ""
    for ch in used:
        code, math = UNICODE[ch]
        decl += f"\\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{" + (f"\\ensuremath{{{code}}}" if math else code) + "}\n"
    head, sep, body = tex.partition("\\begin{document}")
    return head + decl + sep + body if sep else decl + tex


# --------------------------------------------------------------------------- pandoc

#: pandoc's Markdown, less what the registry's prose must not trigger: raw TeX and HTML
#: (backslashes and angle brackets are text), citations (``@``), ``(i)``/``A.`` lists,
#: ``~``/``^`` sub- and superscripts, title blocks, definition lists and the table forms
#: other than pipe tables.
PANDOC_FROM = "markdown" + "".join("-" + e for e in (
    "raw_tex", "raw_html", "citations", "fancy_lists", "example_lists", "subscript", "superscript",
    "strikeout", "auto_identifiers", "implicit_figures", "definition_lists", "line_blocks",
    "yaml_metadata_block", "pandoc_title_block", "simple_tables", "multiline_tables", "grid_tables"))

FILTER = Path(__file__).with_name("mdtex.lua")

#: A raw LaTeX block between two snippets of one pandoc run; it comes out as this line.
_BREAK = "%%companion-snippet-break%%"


@functools.lru_cache(maxsize=1)
def pandoc_executable() -> str:
    """pandoc: the binary of ``pypandoc-binary``, else one on the PATH."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        pass
    exe = shutil.which("pandoc")
    if exe is None:
        raise RuntimeError("pandoc not found: install the package's dependencies "
                           "(pip install pypandoc-binary) or a pandoc on the PATH")
    return exe


def _pandoc(md: str, *, timeout: int = 120) -> str:
    cmd = [pandoc_executable(), "--from", PANDOC_FROM, "--to", "latex", "--wrap=none",
           "--lua-filter", str(FILTER)]
    proc = subprocess.run(cmd, input=md, capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or ["no message"])[0]
        raise RuntimeError(f"pandoc failed converting Markdown to LaTeX: {err}")
    return proc.stdout


def markdown_to_latex_many(snippets: Sequence[str]) -> list[str]:
    """Convert Markdown snippets to LaTeX with one pandoc run."""
    snippets = list(snippets)
    if not snippets:
        return []
    joined = f"\n\n```{{=latex}}\n{_BREAK}\n```\n\n".join(snippets)
    out = _pandoc(joined)
    parts = re.split(rf"^{re.escape(_BREAK)}$", out, flags=re.MULTILINE)
    if len(parts) != len(snippets) or "{=latex}" in out:
        # A snippet's markup ran past its end (an unclosed code fence): one run each.
        parts = [_pandoc(s) for s in snippets]
    return [p.strip("\n") for p in parts]


def markdown_to_latex(md: str) -> str:
    """Convert one Markdown snippet to LaTeX (a whole document should use :class:`Batch`)."""
    return markdown_to_latex_many([md])[0]


class Batch:
    """The Markdown of one document, converted by one pandoc run: ``batch(md)`` returns a
    placeholder; ``batch.fill(tex)`` puts every converted snippet in its place."""

    def __init__(self):
        self._snippets: list[str] = []

    def __call__(self, md: str) -> str:
        self._snippets.append(md)
        return f"\x00{len(self._snippets) - 1}\x00"

    def fill(self, tex: str) -> str:
        done = markdown_to_latex_many(self._snippets)
        return re.sub("\x00(\\d+)\x00", lambda m: done[int(m.group(1))], tex)


# --------------------------------------------------------------------------- boxed answers


def math_with_text_breaks(answer: str) -> str:
    """A math-mode answer as LaTeX that can wrap: top-level ``\\text{...}`` runs become text
    (where lines may break), the rest stays ``$\\displaystyle ...$``."""
    out, math, i, depth = [], [], 0, 0
    while i < len(answer):
        if depth == 0 and answer.startswith("\\text{", i):
            j, level = i + len("\\text{"), 1
            while j < len(answer) and level:
                level += {"{": 1, "}": -1}.get(answer[j], 0)
                j += 1
            if "".join(math).strip():
                out.append("$\\displaystyle " + "".join(math) + "$")
            math = []
            out.append(answer[i + len("\\text{"):j - 1])
            i = j
            continue
        ch = answer[i]
        depth += {"{": 1, "}": -1}.get(ch, 0)
        math.append(ch)
        i += 1
    if "".join(math).strip():
        out.append("$\\displaystyle " + "".join(math) + "$")
    return "".join(out)
