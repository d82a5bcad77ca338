"""theory.losses: one test per identity / bound, plus the failure of wrong steps."""

import sympy as sp

from theory import losses as T
from theory.derivation import Derivation, Step


def _holds(d):
    res = d.check()
    assert all(r.ok for r in res), d.summary()


def test_logit_range_derivations():
    for d in T.logit_range_derivations():
        _holds(d)


def test_weak_bound_derivation():
    _holds(T.weak_bound_derivation())


def test_weak_bound_value():
    assert sp.simplify(T.weak_bound(2) - sp.log(1 + sp.exp(-2))) == 0


def test_gram_mean_derivation():
    _holds(T.gram_mean_derivation())


def test_sos_derivation():
    _holds(T.sos_derivation())


def test_sos_expansion_in_coordinates():
    assert T._sos_expansion_holds(n_max=3, d_max=2)
    # a wrong coefficient is caught
    assert not T._sos_expansion_holds(T.SOS, T.N ** 2 * T.UU2 + T.N ** 2 * T.VV2 - 2 * T.N ** 2 * T.DG
                                      + T.N * T.UV - T.N * T.VV, n_max=2, d_max=1)


def test_simplex_bound_derivation():
    _holds(T.simplex_bound_derivation())


def test_convexity_facts():
    assert all(T.convexity_facts().values())


def test_simplex_attains_bound():
    assert T.simplex_attains_bound()


def test_exact_simplex_gram_and_loss():
    for n in (2, 3, 4):
        g = T.exact_simplex_gram(n)
        assert all(g[a, a] == 1 for a in range(n))
        assert all(g[a, b] == sp.Rational(-1, n - 1) for a in range(n) for b in range(n) if a != b)
        assert sp.simplify(T.exact_loss_from_gram(g) - T.simplex_bound(n)) == 0


def test_bounds_ordered():
    assert T.bounds_ordered()
    for n in range(2, 8):
        assert float(T.simplex_bound(n)) >= float(T.weak_bound(n)) - 1e-15


def test_scaled_row_derivation():
    _holds(T.scaled_row_derivation())


def test_scaling_limits():
    lim = T.scaling_limits()
    assert lim["perfect_config_upper_bound"] == 0
    assert lim["scaled_simplex"] == 0
    assert lim["rate_ratio"] == 1
    assert lim["unit_scale_simplex_positive"]


def test_norm_bound_reduces_to_simplex_bound_at_unit_norm():
    assert sp.simplify(T.norm_bound(T.N, 1) - T.simplex_bound()) == 0


def test_dual_ce_derivation():
    _holds(T.dual_ce_derivation())


def test_logit_identity_derivation():
    _holds(T.logit_identity_derivation())


def test_dual_ce_concrete():
    assert T.dual_ce_concrete(c_max=3, d_max=1)


def test_class_balance_derivation():
    _holds(T.class_balance_derivation())


def test_wrong_inequality_steps_fail():
    # a bound with the wrong constant must not pass the monotonicity verifier
    bad = Derivation("bad", T.weak_bound_derivation().steps[0].expr,
                     [Step(sp.log(1 + sp.Sum(sp.exp(-1), (T.j, 1, T.N - 1))), "wrong", relation=">=",
                           verify=T._monotone_log1p_verify)])
    assert not all(r.ok for r in bad.check())
    # Jensen for h applied to something that is not the mean of h(m_i)
    bad2 = Derivation("bad2", sp.Sum(T.h(T.m[T.i]), (T.i, 1, T.N)) / T.N,
                      [Step(T.h(2 * T.mbar), "wrong", relation=">=", verify=T._jensen_h_verify)])
    assert not all(r.ok for r in bad2.check())
    # the SOS step with a larger constant than allowed
    bad3 = Derivation("bad3", T.h((T.UV - T.N * T.DG) / (T.N * (T.N - 1))),
                      [Step(T.h(-1 / (T.N - 1)), "wrong", relation=">=", verify=T._sos_verify)])
    assert not all(r.ok for r in bad3.check())


def test_wrong_dual_mapping_fails():
    # forgetting the appended 1 (no bias) breaks the identity
    wrong = Derivation("no bias", T._dual_logit(T.c),
                       [Step(sp.Sum(T.W[T.c, T.k] * T.g_feat[T.k], (T.k, 1, T.D)), "wrong",
                             verify=T._peel_and_substitute)])
    assert not all(r.ok for r in wrong.check())


def test_latex_renders():
    for d in (T.simplex_bound_derivation(), T.sos_derivation(), T.dual_ce_derivation()):
        tex = d.latex()
        assert tex.startswith("\\begin{aligned}") and "lhs" not in tex
