import pytest
import sympy as sp

from theory.derivation import Derivation, Step, equivalent
from theory.identities import (
    S,
    distance_dot_derivation,
    k,
    u,
    unit_sphere_derivation,
    v,
)
from theory.logits import cross_entropy_derivation, lagrange_identity_holds


def test_distance_dot_identity_symbolic_dimension():
    assert distance_dot_derivation().ok


def test_unit_sphere_form():
    assert unit_sphere_derivation().ok


def test_cross_entropy_form():
    assert cross_entropy_derivation().ok


@pytest.mark.parametrize("dim", range(2, 7))
def test_lagrange_identity(dim):
    assert lagrange_identity_holds(dim)


def test_wrong_step_is_caught():
    bad = Derivation("bad", S((u[k] - v[k]) ** 2), [Step(S(u[k] ** 2) + S(v[k] ** 2) - S(u[k] * v[k]), "wrong")])
    res = bad.check()
    assert not res[0].ok and "could not show" in res[0].message


def test_inequality_step_needs_verify():
    with pytest.raises(ValueError):
        Step(sp.Integer(1), "x", relation="<=")


def test_equivalent_rejects_different():
    x = sp.Symbol("x")
    assert equivalent((x + 1) ** 2, x**2 + 2 * x + 1) and not equivalent(x, x + 1)


def test_latex_renders_aligned_chain():
    tex = distance_dot_derivation().latex()
    assert tex.startswith("\\begin{aligned}") and "linearity of the sum" in tex and tex.count("&=") == 3


def test_a_derivation_without_steps_fails():
    import sympy as sp

    from proofs.checks import derivations_hold
    from theory.derivation import Derivation

    empty = Derivation("nothing", sp.Symbol("x"))
    assert not empty.ok and not derivations_hold(empty)[0]
    assert not derivations_hold()[0]
