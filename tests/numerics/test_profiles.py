"""numerics.profiles: one source for every size that differs between the profiles."""

import pytest

from numerics.profiles import PROFILES, SETTINGS, Profile, Schedule


def test_every_profile_names_every_setting():
    for p in PROFILES.values():
        assert set(p.settings) == set(SETTINGS), p.name


def test_full_is_never_smaller_than_fast():
    fast, full = PROFILES["fast"].settings, PROFILES["full"].settings
    for name in SETTINGS:
        a, b = fast[name], full[name]
        if isinstance(a, tuple):
            assert set(a) <= set(b), name
        else:
            assert b >= a, name


def test_an_unknown_setting_is_refused():
    sch = Schedule(epochs=1, batch_size=2, lr=1e-3)
    runs = {r: sch for r in ("autoencoder", "contrastive_A", "contrastive_B", "contrastive_C")}
    with pytest.raises(ValueError, match="named settings"):
        Profile("x", n_images=10, n_train=6, n_val=4, d=8, schedules=runs, settings={"typo": 1})


def test_context_reads_settings(tmp_path):
    from proofs.context import Context

    assert Context(out_dir=tmp_path).setting("q1_draws") == PROFILES["fast"].settings["q1_draws"]
    with pytest.raises(KeyError, match="no setting"):
        Context(out_dir=tmp_path).setting("nope")
