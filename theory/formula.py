"""Stated formulas about two vectors, read as sympy expressions in symbolic dimension.

A key states Question 3's identities in plain text, for example
``||u-v||^2 = ||u||^2 + ||v||^2 - 2 u^T v`` and ``||u-v||^2 = 2 - 2 cos(theta)``.  This module
reads such a text into sympy, with

* ``||w||`` the Euclidean norm ``sqrt(sum_{k=1}^d w_k^2)`` of a linear combination ``w`` of
  ``u`` and ``v``, in symbolic dimension ``d`` (the sums of :mod:`theory.identities`);
* ``a^T b`` the dot product ``sum_{k=1}^d a_k b_k``;
* ``theta`` the angle between ``u`` and ``v``, and ``cos``, ``sin``, ``sqrt`` as usual;

so that the stated formula can be compared with the derived one (:func:`same_identity`), and
renders it to LaTeX (:func:`to_latex`), so that the boxed answer is the stated text itself.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from .identities import S as _sum
from .identities import k, theta, u, v

_U, _V = sp.symbols("vector_u vector_v")
_NORM = sp.Function("norm")
_DOT = sp.Function("dot")
_TRANSFORMS = standard_transformations + (implicit_multiplication_application,)
_NORM_RE = re.compile(r"\|\|([^|]+)\|\|")
_DOT_RE = re.compile(r"([uv])\s*\^\s*T\s*([uv])")


class FormulaError(ValueError):
    """The text is not a formula this module reads."""


def _to_python(text: str) -> str:
    s = _NORM_RE.sub(lambda m: f"norm({m.group(1)})", text)
    s = _DOT_RE.sub(lambda m: f"dot({m.group(1)},{m.group(2)})", s)
    return s.replace("^", "**")


def _component(w: sp.Expr) -> sp.Expr:
    """The k-th component of a linear combination of u and v."""
    return sp.expand(w).subs({_U: u[k], _V: v[k]}, simultaneous=True)


def _side(text: str) -> sp.Expr:
    try:
        e = parse_expr(_to_python(text), local_dict={"u": _U, "v": _V, "theta": theta, "norm": _NORM, "dot": _DOT,
                                                       "cos": sp.cos, "sin": sp.sin, "sqrt": sp.sqrt},
                       transformations=_TRANSFORMS)
    except Exception as exc:  # noqa: BLE001 - sympy's parser raises many kinds
        raise FormulaError(f"cannot read {text!r}: {type(exc).__name__}: {exc}") from None
    e = e.replace(_NORM, lambda w: sp.sqrt(_sum(_component(w) ** 2)))
    e = e.replace(_DOT, lambda a, b: _sum(_component(a) * _component(b)))
    if e.free_symbols & {_U, _V}:
        raise FormulaError(f"{text!r}: u and v may appear only inside ||.|| or a dot product u^T v")
    return e


def parse_equation(text: str) -> tuple[sp.Expr, sp.Expr]:
    """``"LHS = RHS"`` to two sympy expressions in symbolic dimension."""
    parts = text.split("=")
    if len(parts) != 2:
        raise FormulaError(f"{text!r} is not one equation 'LHS = RHS'")
    return _side(parts[0]), _side(parts[1])


def to_latex(text: str) -> str:
    """The stated text in LaTeX: ``||w||`` as ``\\|w\\|_2``, ``u^T v`` as ``u^\\top v``."""
    s = _NORM_RE.sub(lambda m: r"\|" + m.group(1).replace(" ", "") + r"\|_2", text)
    s = _DOT_RE.sub(lambda m: f"{m.group(1)}^\\top {m.group(2)}", s)
    s = re.sub(r"cos\s*\(\s*theta\s*\)", r"\\cos\\theta", s)
    s = re.sub(r"(?<=\d) (?=[a-z])", "", s)  # "2 u" -> "2u"
    return s


def same_identity(text: str, lhs: sp.Expr, rhs: sp.Expr, given: dict | None = None) -> tuple[bool, str]:
    """Whether the stated equation is the identity ``lhs = rhs``: the stated left side is ``lhs``
    and the stated right side is ``rhs`` (after the substitutions ``given``, e.g. unit norms)."""
    from .derivation import equivalent

    a, b = parse_equation(text)
    given = given or {}
    a, b = a.subs(given), b.subs(given)
    same_lhs, same_rhs = equivalent(a, lhs), equivalent(b, rhs)
    return same_lhs and same_rhs, (f"stated {sp.sstr(a)} = {sp.sstr(b)}; derived {sp.sstr(lhs)} = {sp.sstr(rhs)}: "
                                   f"left sides {'agree' if same_lhs else 'differ'}, right sides "
                                   f"{'agree' if same_rhs else 'differ'}")
