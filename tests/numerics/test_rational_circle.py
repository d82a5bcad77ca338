"""numerics.rational_circle: exact rational points on circles and spheres."""

import math
from fractions import Fraction as F

import pytest

from numerics import rational_circle as rc


@pytest.mark.parametrize("t", [F(0), F(1, 2), F(-3, 7), F(5), F(22, 9)])
def test_circle_point_is_exactly_unit(t):
    x, y = rc.circle_point(t)
    assert x * x + y * y == 1
    assert math.isclose(math.atan2(y, x), 2 * math.atan(t))


def test_pythagorean_point_is_the_triple():
    assert rc.pythagorean_point(2, 1) == (F(3, 5), F(4, 5))
    assert rc.pythagorean_point(3, 2) == (F(5, 13), F(12, 13))
    with pytest.raises(ValueError):
        rc.pythagorean_point(0, 0)


@pytest.mark.parametrize("deg", [0, 17, 90, 135, 179, 180, -180, -91, 359])
def test_angle_point_is_close_and_exact(deg):
    p = rc.angle_point(math.radians(deg), 1000)
    assert p[0] ** 2 + p[1] ** 2 == 1
    err = abs(math.remainder(rc.angle_of(p) - math.radians(deg), 2 * math.pi))
    assert err < 1e-3


@pytest.mark.parametrize("u", [(0, 0), (F(1, 2), 2), (3, -1, F(1, 3))])
def test_sphere_point_is_exactly_unit(u):
    p = rc.sphere_point(u)
    assert len(p) == len(u) + 1 and sum(v * v for v in p) == 1


@pytest.mark.parametrize("v", [(0.6, 0.0, 0.8), (0.6, 0.0, -0.8), (0.0, 0.0, 1.0), (0.5, 0.5, 0.5, 0.5)])
def test_approximate_is_exact_and_close(v):
    p = rc.approximate(v, 1000)
    assert sum(a * a for a in p) == 1
    assert max(abs(float(a) - b) for a, b in zip(p, v)) < 1e-3


def test_bad_input():
    with pytest.raises(ValueError):
        rc.angle_point(float("nan"))
    with pytest.raises(ValueError):
        rc.approximate((1.0, 1.0))
