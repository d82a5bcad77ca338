"""theory.accuracy: logit gaps are half squared-distance gaps on the sphere."""

from theory.accuracy import logit_gap_derivation, squared_distance_as_logit_derivation


def test_logit_gap_derivation():
    assert all(r.ok for r in logit_gap_derivation().check())


def test_squared_distance_as_logit_derivation():
    assert all(r.ok for r in squared_distance_as_logit_derivation().check())
