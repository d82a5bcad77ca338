"""A small Markdown-to-LaTeX converter for the proofs in the claim registry.

Proofs are written in a deliberately small Markdown: paragraphs, ``**bold**``, ``*italic*``,
```code```, ``- `` bullet lists, ``1. `` numbered lists, ``### `` headings, pipe tables, and
mathematics as ``$...$`` (inline) and ``$$...$$`` (display).  Mathematics passes through
untouched; text is escaped for LaTeX.
"""

from __future__ import annotations

import re

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}

#: Unicode that appears in prose, mapped to LaTeX that pdflatex understands.
_UNICODE = {
    "θ": r"$\theta$", "τ": r"$\tau$", "≤": r"$\le$", "≥": r"$\ge$", "≈": r"$\approx$",
    "→": r"$\to$", "←": r"$\leftarrow$", "⇒": r"$\Rightarrow$", "⇔": r"$\Leftrightarrow$",
    "↔": r"$\leftrightarrow$", "×": r"$\times$", "−": "-", "‖": r"$\|$", "∈": r"$\in$",
    "∞": r"$\infty$", "≠": r"$\neq$", "·": r"$\cdot$", "√": r"$\surd$", "±": r"$\pm$",
    "α": r"$\alpha$", "β": r"$\beta$", "ε": r"$\varepsilon$", "λ": r"$\lambda$", "μ": r"$\mu$",
    "σ": r"$\sigma$", "π": r"$\pi$", "Σ": r"$\Sigma$", "∑": r"$\sum$", "∩": r"$\cap$", "∪": r"$\cup$",
    "∅": r"$\emptyset$", "∀": r"$\forall$", "∃": r"$\exists$", "°": r"$^\circ$", "²": r"$^2$",
    "ᵀ": r"$^\top$", "…": r"\dots{}", "—": "---", "–": "--", "“": "``", "”": "''", "’": "'", "‘": "`",
    "✓": r"$\checkmark$", "✗": r"$\times$", "≪": r"$\ll$", "≫": r"$\gg$", "∝": r"$\propto$",
}


def escape_text(s: str) -> str:
    """Escape LaTeX specials and map prose Unicode; no Markdown handling."""
    out = "".join(_SPECIAL.get(ch, ch) for ch in s)
    for u, t in _UNICODE.items():
        out = out.replace(u, t)
    # Anything else outside ASCII would stop pdflatex: keep the document compiling.
    return "".join(ch if ord(ch) < 128 else "?" for ch in out)


def _inline_text(s: str) -> str:
    """Escape one run of text (no math) and convert bold / italic / code."""
    parts = re.split(r"(`[^`]+`)", s)
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) > 1:
            out.append(r"\texttt{" + escape_text(p[1:-1]) + "}")
            continue
        t = escape_text(p)
        t = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", t)
        t = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\\emph{\1}", t)
        out.append(t)
    return "".join(out)


def inline(s: str) -> str:
    """Convert a line of Markdown with ``$...$`` math to LaTeX."""
    pieces = re.split(r"(?<!\\)\$", s)
    out = []
    for i, p in enumerate(pieces):
        if i % 2 == 1 and i < len(pieces) - 1:
            out.append(f"${p}$")
        else:
            out.append(_inline_text(p if i % 2 == 0 else "$" + p))
    return "".join(out)


def _table(lines: list[str]) -> str:
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines]
    rows = [r for r in rows if not all(re.fullmatch(r":?-{2,}:?", c) for c in r)]
    ncol = max(len(r) for r in rows)
    spec = "l" * ncol
    body = [" & ".join(inline(c) for c in r + [""] * (ncol - len(r))) + r" \\" for r in rows]
    head, rest = body[0], body[1:]
    return ("\\begin{center}\\small\n\\begin{tabular}{" + spec + "}\n\\toprule\n" + head +
            "\n\\midrule\n" + "\n".join(rest) + "\n\\bottomrule\n\\end{tabular}\n\\end{center}")


def markdown_to_latex(md: str) -> str:
    """Convert the registry's Markdown subset to LaTeX."""
    displays: list[str] = []

    def stash(m):
        displays.append(m.group(1).strip())
        return f"\n\n@@DISPLAY{len(displays) - 1}@@\n\n"

    md = re.sub(r"\$\$(.+?)\$\$", stash, md, flags=re.S)
    blocks = [b for b in re.split(r"\n\s*\n", md) if b.strip()]
    out = []
    for block in blocks:
        lines = [ln.rstrip() for ln in block.strip("\n").split("\n")]
        first = lines[0].lstrip()
        m = re.fullmatch(r"@@DISPLAY(\d+)@@", first)
        if m and len(lines) == 1:
            body = displays[int(m.group(1))]
            # Wide derivations (a chain with its reasons) shrink to the text width, never overflow.
            out.append("\\begin{center}\\adjustbox{max width=\\linewidth}{$\\displaystyle\n" + body +
                       "\n$}\\end{center}")
        elif all(ln.lstrip().startswith("|") for ln in lines):
            out.append(_table(lines))
        elif re.match(r"#{1,6} ", first):
            out.append(r"\paragraph{" + inline(first.lstrip("#").strip()) + "}" +
                       ("\n" + inline(" ".join(lines[1:])) if len(lines) > 1 else ""))
        elif re.match(r"[-*] ", first) or re.match(r"\d+\. ", first):
            env = "itemize" if re.match(r"[-*] ", first) else "enumerate"
            items: list[str] = []
            for ln in lines:
                s = ln.lstrip()
                if re.match(r"[-*] ", s) or re.match(r"\d+\. ", s):
                    items.append(re.sub(r"^([-*]|\d+\.) ", "", s))
                elif items:
                    items[-1] += " " + s
            out.append(f"\\begin{{{env}}}\n" + "\n".join(r"\item " + inline(i) for i in items) +
                       f"\n\\end{{{env}}}")
        else:
            out.append(inline(" ".join(ln.strip() for ln in lines)))
    return "\n\n".join(out)


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
