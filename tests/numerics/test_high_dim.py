"""numerics.high_dim: distance concentration and best margins (Tammes)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from numerics import high_dim as hd

DATA = Path(__file__).resolve().parents[1] / "data" / "tammes_reference.json"


def test_uniform_sphere_rows_are_unit():
    X = hd.uniform_sphere(50, 7, np.random.default_rng(0))
    assert X.shape == (50, 7) and np.allclose(np.linalg.norm(X, axis=1), 1)


def test_pairwise_distances_match_loops():
    X = hd.uniform_sphere(6, 3, np.random.default_rng(1))
    ref = [math.dist(X[a], X[b]) for a in range(6) for b in range(a + 1, 6)]
    assert np.allclose(hd.pairwise_distances(X), ref)


def test_concentration_at_sqrt2():
    s = hd.random_distance_stats([64, 256], n=150, seed=0)
    for p in s["per_d"]:
        assert abs(p["mean"] - math.sqrt(2)) < 0.01
        assert 0.85 < p["std_sqrt_2d"] < 1.15
    assert s["per_d"][1]["std"] < s["per_d"][0]["std"]


def test_margin_bound_closed_forms():
    assert hd.margin_bound(6, 2) == (pytest.approx(1.0), True)            # hexagon
    assert hd.margin_bound(4, 3) == (pytest.approx(math.sqrt(8 / 3)), True)  # tetrahedron
    assert hd.margin_bound(6, 3) == (pytest.approx(math.sqrt(2)), True)   # octahedron
    assert hd.margin_bound(8, 3) == (pytest.approx(math.sqrt(2)), False)  # Rankin, not attained
    with pytest.raises(ValueError):
        hd.margin_bound(1, 3)


@pytest.mark.parametrize("N", [5, 7, 8])
def test_best_margin_meets_tammes_reference(N):
    ref = json.loads(DATA.read_text())["min_angle_degrees"][str(N)]
    want = 2 * math.sin(math.radians(ref) / 2)
    got = hd.best_margin(N, 3, restarts=6, seed=0)["margin"]
    assert got <= want + 1e-6 and got >= want - 1e-4
