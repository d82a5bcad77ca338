"""Training: the losses of Q7b / Q8a, checkpoints, and resumption after a kill mid-epoch."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from numerics.shapes.models import Encoder
from numerics.shapes.train import (
    PROFILES,
    TrainConfig,
    contrastive_step_loss,
    epoch_permutation,
    reconstruction_loss,
    train,
    train_autoencoder,
    train_contrastive,
)


def _images(n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, 64, 64), generator=g, dtype=torch.uint8)


def _toy_augment(x01, name, *, generator):
    """A cheap random augmentation drawn from ``generator`` (brightness and a flip)."""
    b = x01.shape[0]
    scale = 0.5 + torch.rand(b, 1, 1, 1, generator=generator, device=x01.device)
    flip = torch.rand(b, generator=generator, device=x01.device) < 0.5
    out = x01 * scale
    out[flip] = out[flip].flip(-1)
    return out


def test_reconstruction_loss_matches_nested_loop_mse():
    g = torch.Generator().manual_seed(1)
    rec, x = torch.randn(4, 3, 64, 64, generator=g), torch.randn(4, 3, 64, 64, generator=g)
    per_image = []
    for i in range(4):
        s = 0.0
        for c in range(3):
            s += float(((rec[i, c] - x[i, c]) ** 2).sum())
        per_image.append(s / (3 * 64 * 64))
    assert abs(float(reconstruction_loss(rec, x)) - sum(per_image) / 4) < 1e-6


def test_reconstruction_loss_zero_iff_equal_and_rejects_mismatch():
    x = torch.rand(2, 3, 64, 64)
    assert float(reconstruction_loss(x, x)) == 0.0
    with pytest.raises(ValueError, match="shape mismatch"):
        reconstruction_loss(x, x[:1])


def test_contrastive_step_loss_is_info_nce_of_both_views():
    from numerics.losses import info_nce

    enc = Encoder(8, normalize=True)
    v1, v2 = torch.rand(3, 3, 64, 64), torch.rand(3, 3, 64, 64)
    expected = info_nce(enc(v1), enc(v2), 0.07)
    assert torch.allclose(contrastive_step_loss(enc, v1, v2, 0.07), expected, atol=1e-6)


def test_epoch_permutation_is_fixed_by_seed_and_epoch():
    a = epoch_permutation(50, 3, 2)
    assert torch.equal(a, epoch_permutation(50, 3, 2))
    assert sorted(a.tolist()) == list(range(50))
    assert not torch.equal(a, epoch_permutation(50, 3, 3))


def test_config_validation():
    with pytest.raises(ValueError, match="augmentation"):
        TrainConfig("contrastive", None)
    with pytest.raises(ValueError, match="without augmentation"):
        TrainConfig("autoencoder", "A")
    with pytest.raises(ValueError, match="objective"):
        TrainConfig("supervised")
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig("autoencoder", batch_size=0)
    with pytest.raises(ValueError, match="init"):
        TrainConfig("autoencoder", init="xavier")
    with pytest.raises(ValueError, match="decay"):
        TrainConfig("autoencoder", decay="linear")
    with pytest.raises(ValueError, match="warmup_steps"):
        TrainConfig("autoencoder", warmup_steps=-1)
    with pytest.raises(ValueError, match="seed"):
        TrainConfig("autoencoder", seed=-1)


def test_full_profile_is_the_homework_setting():
    p = PROFILES["full"]
    assert (p.n_images, p.n_train, p.n_val, p.d, p.tau) == (64000, 40000, 24000, 128, 0.07)
    ae = p.run_config("autoencoder")
    assert (ae.epochs, ae.batch_size, ae.lr, ae.steps_per_epoch, ae.warmup_steps, ae.decay) == (
        30, 256, 2e-4, None, 0, "constant")
    for a in "ABC":
        c = p.config("contrastive", a)
        assert (c.epochs, c.batch_size, c.lr, c.tau, c.steps_per_epoch, c.warmup_steps, c.decay) == (
            15, 256, 2e-4, 0.07, None, 0, "constant")
    assert p.init == "centred"


def test_every_profile_trains_the_four_runs_with_the_homework_loss():
    from numerics.shapes.train import RUNS

    for p in PROFILES.values():
        for name in RUNS:
            cfg = p.run_config(name, seed=2)
            assert cfg.name == name and cfg.tau == 0.07 and cfg.d == 128 and cfg.seed == 2


def test_learning_rate_schedule_closed_forms():
    import math

    from numerics.shapes.train import learning_rate

    const = TrainConfig("autoencoder", lr=1e-3)
    assert [learning_rate(const, s, 10) for s in (0, 5, 9)] == [1e-3] * 3
    warm = TrainConfig("autoencoder", lr=1e-3, warmup_steps=4)
    assert [learning_rate(warm, s, 10) for s in range(6)] == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3])
    cos = TrainConfig("autoencoder", lr=1e-3, decay="cosine")
    for s in range(11):
        assert learning_rate(cos, s, 10) == pytest.approx(1e-3 * 0.5 * (1 + math.cos(math.pi * s / 10)))


def test_curve_steps_spread_to_the_end():
    from numerics.shapes.train import curve_steps

    assert curve_steps(100, 4) == [25, 50, 75, 100]
    assert curve_steps(3, 8) == [1, 2, 3]
    assert curve_steps(0, 4) == []


def test_autoencoder_loss_decreases_and_finished_run_is_loaded(tmp_path):
    x = _images(16)
    r = train_autoencoder(x, epochs=3, batch_size=8, d=8, lr=1e-3, checkpoint_dir=tmp_path, progress=False)
    assert len(r.history) == 6 and len(r.epoch_losses) == 3
    assert r.epoch_losses[-1] < r.epoch_losses[0]
    again = train_autoencoder(x, epochs=3, batch_size=8, d=8, lr=1e-3, checkpoint_dir=tmp_path, progress=False)
    assert again.resumed and again.history == r.history
    for (k, a), (_, b) in zip(r.model.state_dict().items(), again.model.state_dict().items()):
        assert torch.equal(a, b), k


def test_checkpoint_of_another_config_is_refused(tmp_path):
    x = _images(16)
    train_autoencoder(x, epochs=1, batch_size=8, d=8, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="written for config"):
        train_autoencoder(x, epochs=1, batch_size=8, d=16, checkpoint_dir=tmp_path, progress=False)


def test_contrastive_outputs_unit_rows(tmp_path):
    r = train_contrastive(_images(16), "A", epochs=1, batch_size=8, d=8, augment_fn=_toy_augment,
                          checkpoint_dir=None, progress=False)
    z = r.encoder(torch.rand(5, 3, 64, 64))
    assert torch.allclose(z.norm(dim=1), torch.ones(5), atol=1e-5)


# --- kill -9 in the middle of an epoch, then resume -----------------------------------------

SCRIPT = textwrap.dedent('''
    import os, signal, sys, json, torch
    sys.path.insert(0, {testdir!r})
    torch.set_num_threads(1)
    from test_train import _images, _probe, _toy_augment
    from numerics.shapes.train import TrainConfig, train
    objective, ckpt, kill_at, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    aug = None if objective == "autoencoder" else "B"
    cfg = TrainConfig(objective, aug, d=8, epochs=2, batch_size=8, lr=1e-3, seed=5, init="centred",
                      warmup_steps=2)
    def on_step(step, loss):
        if step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    r = train(cfg, _images(24), checkpoint_dir=ckpt, progress=False, checkpoint_every_steps=2,
              checkpoint_every_seconds=None, augment_fn=_toy_augment, on_step=on_step,
              probe=_probe, probe_steps=[1, 3, 6])
    torch.save({{"state": r.model.state_dict(), "history": r.history, "resumed": r.resumed,
                "curve": r.curve}}, out)
''')


def _run(script, *args):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.parametrize("objective", ["autoencoder", "contrastive"])
def test_kill_mid_epoch_then_resume_equals_uninterrupted_run(tmp_path, objective):
    script = SCRIPT.format(testdir=str(Path(__file__).parent))
    # 24 images, batch 8: 3 steps per epoch, 6 in all.  Checkpoints after steps 1 (a curve point),
    # 2, 3 (epoch end), 4, 6.  The kill after step 5 (mid epoch 2) loses step 5, which the resumed
    # run redoes.
    ref = _run(script, objective, tmp_path / "a", 0, tmp_path / "ref.pt")
    assert ref.returncode == 0, ref.stderr
    killed = _run(script, objective, tmp_path / "b", 5, tmp_path / "never.pt")
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert not (tmp_path / "never.pt").exists()
    state = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)
    assert (state["epoch"], state["step_in_epoch"], len(state["history"])) == (1, 1, 4)
    assert not list((tmp_path / "b").glob("*.tmp"))
    resumed = _run(script, objective, tmp_path / "b", 0, tmp_path / "res.pt")
    assert resumed.returncode == 0, resumed.stderr
    a, b = torch.load(tmp_path / "ref.pt"), torch.load(tmp_path / "res.pt")
    assert b["resumed"] and not a["resumed"]
    assert a["history"] == b["history"] and len(a["history"]) == 6
    # the curve's points up to step 3 come from the checkpoint, step 6 from the resumed run
    assert a["curve"] == b["curve"] and [p["step"] for p in a["curve"]] == [0, 1, 3, 6]
    for k in a["state"]:
        assert torch.equal(a["state"][k], b["state"][k]), k


def test_choose_device_and_steps_per_epoch_limit():
    from numerics.shapes.train import choose_device

    assert choose_device("cpu").type == "cpu"
    assert choose_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    r = train(TrainConfig("autoencoder", d=4, epochs=2, batch_size=4, steps_per_epoch=1), _images(12),
              progress=False)
    assert len(r.history) == 2 and r.images_seen == 8 and not r.resumed


# --- learning curves ------------------------------------------------------------------------

def _probe(model):
    """A deterministic function of the weights (what a real probe measures is irrelevant here)."""
    return {"weight_sum": float(sum(p.detach().double().sum() for p in model.parameters()))}


def test_probe_points_and_training_unchanged_by_probing():
    cfg = TrainConfig("contrastive", "B", d=8, epochs=2, batch_size=8, lr=1e-3, seed=4, init="centred",
                      warmup_steps=2)
    x = _images(24)
    plain = train(cfg, x, progress=False, augment_fn=_toy_augment)
    probed = train(cfg, x, progress=False, augment_fn=_toy_augment, probe=_probe, probe_steps=[2, 6, 99])
    assert plain.history == probed.history  # the probe draws nothing from the training generators
    assert [p["step"] for p in probed.curve] == [0, 2, 6]
    assert [p["images_seen"] for p in probed.curve] == [0, 32, 96]
    assert probed.curve[0]["loss"] == probed.history[0]  # the first batch at initialization
    assert probed.curve[1]["loss"] == pytest.approx(sum(probed.history[:2]) / 2)
    assert probed.curve[2]["loss"] == pytest.approx(sum(probed.history[2:6]) / 4)
    assert probed.curve[2]["weight_sum"] == _probe(plain.model)["weight_sum"]
    assert plain.curve == []


def test_finished_run_is_not_probed_as_step_0(tmp_path):
    x = _images(16)
    cfg = TrainConfig("autoencoder", d=8, epochs=1, batch_size=8)
    train(cfg, x, checkpoint_dir=tmp_path, progress=False)
    again = train(cfg, x, checkpoint_dir=tmp_path, progress=False, probe=_probe, probe_steps=[1, 2])
    assert again.resumed and again.curve == []


def test_centred_init_uses_the_training_images_and_is_reproducible():
    from numerics.shapes.train import init_model

    x = _images(40)
    cfg = TrainConfig("contrastive", "A", d=8, init="centred", seed=3)
    a, b = init_model(cfg, x), init_model(cfg, x)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    default = init_model(TrainConfig("contrastive", "A", d=8, seed=3))
    assert not torch.equal(a.fc.bias, default.fc.bias)
    with pytest.raises(ValueError, match="training images"):
        init_model(cfg)
