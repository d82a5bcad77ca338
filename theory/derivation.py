"""Derivations as lists of steps that sympy checks one by one and that render to LaTeX.

A :class:`Derivation` starts from an expression and rewrites it step by step.  Every step
states its new expression, the reason (in words), and how it is checked:

* by default, ``simplify(normalize(previous) - normalize(current)) == 0``, where
  :func:`normalize` expands products and pushes sums apart (so identities in a *symbolic*
  dimension ``d`` with ``Sum(..., (k, 1, d))`` are checked, not only d = 3);
* with ``given={old: new}``, the previous expression is rewritten with the substitution first
  (for facts such as ``||u||^2 = 1`` on the sphere);
* with ``relation`` one of ``"<=", ">=", "<", ">"`` and a ``verify`` callable for inequality
  steps, whose justification sympy cannot find by itself (the callable does the check).

``Derivation.check()`` returns one :class:`StepResult` per step; ``Derivation.latex()``
renders an ``aligned`` chain with the reasons beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import sympy as sp

_REL_TEX = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}


def normalize(expr: sp.Expr) -> sp.Expr:
    """Expand an expression, including inside sums, so that linearity of ``Sum`` is visible."""
    expr = sp.sympify(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda s: sp.Sum(sp.expand(s.function), *s.limits).expand())
    return sp.expand(expr)


def equivalent(a: sp.Expr, b: sp.Expr) -> bool:
    """True when sympy proves ``a - b == 0`` (after :func:`normalize`)."""
    diff = normalize(a) - normalize(b)
    return diff == 0 or sp.simplify(diff) == 0


@dataclass(frozen=True)
class Step:
    expr: sp.Expr
    reason: str
    relation: str = "="
    given: Mapping[sp.Expr, sp.Expr] | None = None
    verify: Callable[[sp.Expr, sp.Expr], bool] | None = None

    def __post_init__(self):
        if self.relation not in _REL_TEX:
            raise ValueError(f"unknown relation {self.relation!r}")
        if self.relation != "=" and self.verify is None:
            raise ValueError("an inequality step needs an explicit verify callable")


@dataclass(frozen=True)
class StepResult:
    step: Step
    ok: bool
    message: str


@dataclass
class Derivation:
    """``start`` rewritten by ``steps``; ``lhs`` (optional) is what ``start`` stands for."""

    title: str
    start: sp.Expr
    steps: list[Step] = field(default_factory=list)
    lhs: sp.Expr | None = None

    def check(self) -> list[StepResult]:
        """One result per step; a derivation without steps shows nothing, so it is one failed
        result (never a vacuous pass)."""
        if not self.steps:
            return [StepResult(Step(self.start, "no steps"), False, "a derivation without steps shows nothing")]
        results = []
        prev = sp.sympify(self.start)
        for step in self.steps:
            cur = sp.sympify(step.expr)
            try:
                a = prev.subs(dict(step.given)) if step.given else prev
                if step.verify is not None:
                    ok = bool(step.verify(a, cur))
                else:
                    ok = equivalent(a, cur)
                msg = "ok" if ok else f"sympy could not show {sp.sstr(a)} {step.relation} {sp.sstr(cur)}"
            except Exception as exc:  # a step sympy cannot handle is a failed step
                ok, msg = False, f"{type(exc).__name__}: {exc}"
            results.append(StepResult(step, ok, msg))
            prev = cur
        return results

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.check())

    def summary(self, results: list[StepResult] | None = None) -> str:
        """One line: the steps checked, or the failing ones (``results`` from :meth:`check`
        avoids checking twice)."""
        res = self.check() if results is None else results
        bad = [f"step {i + 1} ({r.step.reason}): {r.message}" for i, r in enumerate(res) if not r.ok]
        if bad:
            return f"{self.title}: " + "; ".join(bad)
        return f"{self.title}: {len(res)} steps checked by sympy"

    def latex(self) -> str:
        """An ``aligned`` chain: ``lhs &= start``, then ``&rel expr`` with each step's reason."""
        lines = []
        if self.lhs is not None:
            lines.append(f"{sp.latex(self.lhs)} &= {sp.latex(self.start)}")
        for i, step in enumerate(self.steps):
            left = sp.latex(self.start) if (self.lhs is None and i == 0) else ""
            rel = _REL_TEX[step.relation]
            lines.append(f"{left} &{rel} {sp.latex(step.expr)} && \\text{{{_tex_text(step.reason)}}}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _tex_text(s: str) -> str:
    """Text inside ``\\text{}``; ``$...$`` segments stay mathematics."""
    out, math = [], False
    for part in s.split("$"):
        if math:
            out.append(f"${part}$")
        else:
            for ch, rep in (("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_")):
                part = part.replace(ch, rep)
            out.append(part)
        math = not math
    return "".join(out)
