"""Lookup-table autoencoders: perfect pairs, decidability, the 1-NN colour rule, Eq. (13)."""

import numpy as np
import pytest

from numerics.autoencoder_witness import (
    ae_loss,
    decides,
    eq13_holds,
    make_universe,
    nn_colour_rule,
    perfect_autoencoder,
    red_red_blue_triples,
)


def _toy(m=6):
    images = np.arange(m * 4, dtype=float).reshape(m, 4)  # distinct "images"
    colours = np.array([0, 0, 6, 6, 0, 6][:m])
    return images, colours


def test_perfect_pair_has_zero_loss_and_shared_codes_are_refused():
    images, _ = _toy()
    ae = perfect_autoencoder(images, 4, np.eye(6))
    assert ae_loss(ae, images, 4) == 0.0
    codes = np.eye(6)
    codes[1] = codes[0]
    with pytest.raises(ValueError, match="share a code"):
        perfect_autoencoder(images, 4, codes)


def test_unknown_code_decodes_to_black_and_costs_loss():
    images, _ = _toy()
    ae = perfect_autoencoder(images, 3, np.eye(6))
    assert np.array_equal(ae.g(np.ones(6), images[0]), np.zeros(4))
    ae.codes = ae.codes.copy()
    ae.codes[0] = 5.0  # move a training code: reconstruction fails
    assert ae_loss(ae, images, 3) > 0


def test_decides():
    codes = np.array([[0.0], [1.0], [1.0]])
    assert decides(codes, [0, 1, 1], range(3))
    assert not decides(codes, [0, 1, 2], range(3))


def test_nn_colour_rule_matches_loop():
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((10, 2))
    colours = rng.integers(0, 3, 10)
    got = nn_colour_rule(codes, colours, 6, range(6, 10))
    for j, c in zip(range(6, 10), got):
        best = min(range(6), key=lambda i: (float(((codes[i] - codes[j]) ** 2).sum()), i))
        assert c == colours[best]


def test_eq13_and_triples():
    codes = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    assert eq13_holds(codes, 0, 1, 2) and not eq13_holds(codes, 0, 2, 1)
    tr = red_red_blue_triples(np.array([0, 0, 6]), 3, 0, 6)
    assert tr == [(0, 1, 2), (1, 0, 2)]


def test_universe_is_distinct_with_train_and_fresh_colours():
    images, colours, shapes, masks = make_universe(6, 6, seed=7)
    assert images.shape == (12, 3, 64, 64) and masks.shape == (12, 64, 64)
    assert len({im.tobytes() for im in images}) == 12
    assert set(colours[:6]) == set(colours[6:]) == {0, 3, 6}
    assert np.all(images[:, :, ~masks[0]][0] == 0)
