"""theory.formula: stated identities read as sympy expressions in symbolic dimension."""

import pytest
import sympy as sp

from theory.formula import FormulaError, parse_equation, same_identity, to_latex
from theory.identities import DOT_UV, NORM_U2, NORM_V2, S, k, theta, u, v

LHS = S((u[k] - v[k]) ** 2)
GENERAL = NORM_U2 + NORM_V2 - 2 * DOT_UV
ON_SPHERE = {NORM_U2: 1, NORM_V2: 1, DOT_UV: sp.cos(theta)}


@pytest.mark.parametrize("text", ["||u-v||^2 = ||u||^2 + ||v||^2 - 2 u^T v",
                                  "||u - v||^2 = ||v||^2 + ||u||^2 - 2*u^T v",
                                  "||u-v||^2 = ||u||^2 + ||v||^2 - u^T v - v^T u"])
def test_the_identity_in_any_spelling_is_recognized(text):
    assert same_identity(text, LHS, GENERAL)[0]


@pytest.mark.parametrize("text", ["||u-v||^2 = ||u||^2 + ||v||^2 + 2 u^T v",
                                  "||u-v||^2 = ||u||^2 - ||v||^2 - 2 u^T v",
                                  "||u+v||^2 = ||u||^2 + ||v||^2 + 2 u^T v",  # true, but not the question's
                                  "||u-v|| = ||u||^2 + ||v||^2 - 2 u^T v"])
def test_a_different_formula_is_not(text):
    assert not same_identity(text, LHS, GENERAL)[0]


def test_sphere_form():
    assert same_identity("||u-v||^2 = 2 - 2 cos(theta)", LHS, 2 - 2 * sp.cos(theta), ON_SPHERE)[0]
    assert not same_identity("||u-v||^2 = 2 + 2 cos(theta)", LHS, 2 - 2 * sp.cos(theta), ON_SPHERE)[0]
    assert not same_identity("||u-v||^2 = 1 - cos(theta)", LHS, 2 - 2 * sp.cos(theta), ON_SPHERE)[0]


def test_parsed_norm_agrees_with_a_numeric_vector():
    """The reading of ||w||^2 is the sum of squares, checked on a concrete vector (d = 3)."""
    lhs, _ = parse_equation("||2 u - v||^2 = 0")
    d = sp.Symbol("d", integer=True, positive=True)
    uv, vv = [1, -2, 3], [4, 0, -1]
    value = lhs.subs(d, 3).doit().subs({u[i + 1]: uv[i] for i in range(3)}).subs({v[i + 1]: vv[i] for i in range(3)})
    assert value == sum((2 * a - b) ** 2 for a, b in zip(uv, vv))


@pytest.mark.parametrize("text", ["u + v = 2", "||u-v||^2", "a = b = c", "||u-v||^2 = ((("])
def test_unreadable_text_raises(text):
    with pytest.raises(FormulaError):
        parse_equation(text)


def test_latex():
    assert to_latex("||u-v||^2 = ||u||^2 + ||v||^2 - 2 u^T v") == r"\|u-v\|_2^2 = \|u\|_2^2 + \|v\|_2^2 - 2u^\top v"
    assert to_latex("||u-v||^2 = 2 - 2 cos(theta)") == r"\|u-v\|_2^2 = 2 - 2 \cos\theta"
