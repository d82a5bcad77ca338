"""The Tammes certificate: forces against a plain loop, closed-form stresses of the Platonic
packings, rigidity against finite differences, and failure on perturbed configurations."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import tammes_certificate as tc


def _unit(x):
    x = np.asarray(x, dtype=float)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


TETRAHEDRON = _unit([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
OCTAHEDRON = np.vstack([np.eye(3), -np.eye(3)])
PHI = (1 + math.sqrt(5)) / 2
ICOSAHEDRON = _unit([[0, s1, s2 * PHI] for s1 in (1, -1) for s2 in (1, -1)]
                    + [[s1, s2 * PHI, 0] for s1 in (1, -1) for s2 in (1, -1)]
                    + [[s2 * PHI, 0, s1] for s1 in (1, -1) for s2 in (1, -1)])


def _rotation(seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((3, 3)))
    return q * np.sign(np.diag(r))


# --------------------------------------------------------------------------- forces


def test_forces_match_the_loop():
    rng = np.random.default_rng(0)
    x = _unit(rng.standard_normal((9, 3)))
    contacts = np.array([(i, j) for i in range(9) for j in range(i + 1, 9) if (i + j) % 3 == 0])
    w = rng.random(len(contacts))
    assert np.allclose(tc.forces(x, contacts, w), tc.forces_loop(x, contacts, w), atol=1e-14)


def test_rigidity_matrix_is_the_derivative_of_the_contact_cosines():
    rng = np.random.default_rng(1)
    x = _unit(rng.standard_normal((7, 3)))
    contacts = np.array([(0, 1), (1, 2), (2, 5), (3, 6), (0, 6)])
    b = tc.tangent_basis(x)
    coef = rng.standard_normal((7, 2))
    v = np.einsum("ndk,nk->nd", b, coef)
    h = 1e-6
    y = _unit(x + h * v)
    fd = np.array([(y[i] @ y[j] - x[i] @ x[j]) / h for i, j in contacts])
    assert np.allclose(tc.rigidity_matrix(x, contacts) @ coef.ravel(), fd, atol=1e-5)


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("name, x, contacts", [("tetrahedron", TETRAHEDRON, 6), ("octahedron", OCTAHEDRON, 12),
                                                ("icosahedron", ICOSAHEDRON, 30)])
def test_platonic_packings_are_certified_strict_local_maxima(name, x, contacts):
    c = tc.certify(x)
    assert len(c.contacts) == contacts and c.rattlers == ()
    assert c.residual < 1e-12 and c.kkt and c.rigid and c.strict_local_max
    assert np.abs(tc.forces_loop(x, c.contacts, c.stress)).max() < 1e-12 and abs(c.stress.sum() - 1) < 1e-12
    if name == "tetrahedron":  # the balancing stresses form a line: the uniform one, 1/6 per edge
        assert np.allclose(c.stress, 1 / 6, atol=1e-9)
    assert "strict local maximum" in c.proves() and "not a proof of global optimality" in c.proves()


def test_five_points_are_kkt_but_not_rigid():
    # two poles and three points 120 degrees apart on the equator: optimal (90 degrees), but the
    # equator points can slide, so the contact graph (6 pole-equator edges) is not rigid
    a = np.radians([0, 120, 240])
    x = np.vstack([[0, 0, 1], [0, 0, -1], np.column_stack([np.cos(a), np.sin(a), 0 * a])])
    c = tc.certify(x)
    assert len(c.contacts) == 6 and c.kkt and not c.rigid and not c.strict_local_max
    assert "local optimality is not certified" in c.proves()


@pytest.mark.parametrize("seed", range(5))
def test_perturbed_configurations_fail(seed):
    rng = np.random.default_rng(seed)
    for x in (TETRAHEDRON, OCTAHEDRON, ICOSAHEDRON):
        y = _unit(x + 1e-4 * rng.standard_normal(x.shape))
        c = tc.certify(y)
        assert not c.kkt and c.residual > 1e-3 and not c.strict_local_max
        assert c.proves().startswith("not a KKT point")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_certificate_is_invariant_under_rotation(seed):
    a, b = tc.certify(ICOSAHEDRON), tc.certify(ICOSAHEDRON @ _rotation(seed).T)
    assert np.array_equal(a.contacts, b.contacts)
    assert b.residual < 1e-12 and b.strict_local_max
    assert abs(a.min_angle_deg - b.min_angle_deg) < 1e-9


def test_solver_output_is_certified():
    from numerics.tammes import tammes_search

    r = tammes_search(12, 3, seed=0)
    c = tc.certify(r.points)
    assert c.kkt and c.strict_local_max and len(c.contacts) == 30


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="norm"):
        tc.certify([[1.0, 0, 0], [0, 2.0, 0]])
    with pytest.raises(ValueError, match="at least 2"):
        tc.certify([[1.0, 0, 0]])
    with pytest.raises(ValueError, match="tol_deg"):
        tc.certify(OCTAHEDRON, tol_deg=-1)


def test_json_round_trip():
    d = json.loads(json.dumps(tc.certify(OCTAHEDRON).to_json()))
    assert d["kkt"] and d["strict_local_max"] and len(d["contacts"]) == 12


def test_least_squares_fallback_agrees_with_the_lp(monkeypatch):
    """When the LP stalls, NNLS finds a balancing stress of the same configuration."""
    from scipy.optimize import OptimizeResult

    lp = tc.certify(ICOSAHEDRON)
    monkeypatch.setattr(tc, "linprog", lambda *a, **k: OptimizeResult(status=1, message="time limit"))
    w, residual = tc.balancing_stress(ICOSAHEDRON, lp.contacts)
    assert residual < 1e-9 and abs(w.sum() - 1) < 1e-12 and np.all(w >= 0)
    perturbed = _unit(ICOSAHEDRON + 1e-4 * np.random.default_rng(0).standard_normal(ICOSAHEDRON.shape))
    c = tc.contact_graph(perturbed, tc.CONTACT_TOL_DEG)
    assert tc.balancing_stress(perturbed, c)[1] > 1e-3


def test_a_stress_the_lp_leaves_unbalanced_is_replaced_by_the_nnls_one(monkeypatch):
    """HiGHS meets its constraints only to its tolerance: where the LP's stress leaves a
    residual above ZERO, the NNLS stress is tried and kept when it balances better; an LP
    stress at rounding level is kept as it is (NNLS is not run)."""
    from scipy.optimize import OptimizeResult

    contacts = tc.certify(ICOSAHEDRON).contacts
    m, k = len(contacts), ICOSAHEDRON.size
    skewed = np.linspace(1.0, 2.0, m)  # a stress that does not balance the icosahedron
    lp_answer = OptimizeResult(status=0, x=np.concatenate([skewed, np.zeros(k)]))
    monkeypatch.setattr(tc, "linprog", lambda *a, **kw: lp_answer)
    w, residual = tc.balancing_stress(ICOSAHEDRON, contacts)
    forces = (tc.force_matrix(ICOSAHEDRON, contacts) @ (skewed / skewed.sum())).reshape(-1, 3)
    assert np.linalg.norm(forces, axis=1).max() > 1e-3
    assert residual < 1e-9 and abs(w.sum() - 1) < 1e-12 and np.all(w >= 0)
    monkeypatch.undo()

    def no_nnls(a):
        raise AssertionError("NNLS ran although the LP's stress balances")

    monkeypatch.setattr(tc, "least_squares_stress", no_nnls)
    assert tc.balancing_stress(ICOSAHEDRON, contacts)[1] < 1e-9


def test_a_balancing_stress_is_a_row_dependency_of_the_rigidity_matrix():
    """Three points on a great circle, one lifted off it by 1e-7 rad: a KKT point to 3.3e-8, and
    its stress makes the three rows of the rigidity matrix dependent, so its kernel has a motion
    besides the rotations (lifting the points off the circle) and the certificate does not claim
    a strict local maximum, though rounding leaves the matrix's numerical rank at 3."""
    t = np.array([[1.0, 0.0, 1e-7], [-0.5, 3 ** 0.5 / 2, 0.0], [-0.5, -(3 ** 0.5) / 2, 0.0]])
    t = _unit(t)
    c = tc.certify(t)
    assert c.kkt and c.residual > 1e-9 and c.min_stress > 0.3
    assert tc._rank(tc.rigidity_matrix(t, c.contacts)) == 3  # what rounding leaves
    assert c.kernel_dim == c.trivial_dim + 1 and not c.rigid and not c.strict_local_max
