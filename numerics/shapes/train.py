"""Training the autoencoder (Eq. (12), Q7b) and the contrastive encoders (Eq. (14), Q8a).

Preprocessing (the homework's): images to float in [0, 1], augment (contrastive only), clamp
to [0, 1], then ``(x - 0.5) / 0.5``.  Optimizer: Adam.  The device is chosen automatically
(CUDA when present).  A tqdm bar shows the loss and the images per second.

Checkpoints.  Every run owns a directory.  A checkpoint (model, optimizer, the augmentation
``torch.Generator`` state, epoch, step, loss history, training seconds) is written atomically
(temporary file + ``os.replace``) at the end of every epoch and every ``checkpoint_every_steps``
steps / ``checkpoint_every_seconds`` seconds, so a killed run loses little.  Calling the same
function again resumes from the last checkpoint; a finished run is loaded, not retrained.
The data order of epoch ``e`` is a permutation drawn from a generator seeded by
``(seed, e)``, so a resumed run sees exactly the batches an uninterrupted one would have: on
the CPU, its final weights and losses are bit-identical (``tests/numerics/shapes/test_train.py``).

Memory: on the CPU, :func:`train` asks glibc to keep freed memory in the process
(:func:`numerics.shapes.cpu.keep_freed_memory`), so that every batch's augmentation and
activations reuse the heap instead of faulting in fresh pages; ``bench/augment.py`` times the
augmentations under the same setting.

Schedules.  Adam at ``lr``, with ``warmup_steps`` of linear warm-up and then either a constant
rate or a cosine decay to 0 over the run; the rate is a function of the global step, so a
resumed run follows the same schedule.  The encoder starts from PyTorch's initialization or from
:func:`numerics.shapes.models.init_centred_` on a batch of training images fixed by the seed
(``init``; see :mod:`numerics.shapes.models` for why).

Learning curves.  ``train(..., probe=fn, probe_steps=steps)`` calls ``fn(model)`` before the
first step (step 0) and after each step in ``steps``, and records ``{"step", "images_seen",
"loss", **fn(model)}`` in :attr:`TrainResult.curve` and in the checkpoint; ``loss`` is the mean
training loss since the previous point (at step 0: the first batch's loss at initialization).
The probe must not draw from the training generators (it gets its own), so a run with a curve
takes exactly the steps of a run without one.

Profiles (:data:`PROFILES`): ``full`` is the homework's setting (64k images, 40k/24k,
autoencoder 30 epochs, contrastive 15 epochs, batch 256, Adam 2e-4 constant, d = 128) with the
centred initialization; ``fast`` trains on a subset with its own schedules, sized for a 2-core
CPU (the measurements behind each choice are in :data:`PROFILES`' comment).

Shapes: training images ``(N, 3, 64, 64)``, ``uint8`` in [0, 255] or float in [0, 1].
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import torch

from ..atomic import atomic_write
from ..profiles import PROFILES, RUNS, Profile, Schedule
from .cpu import keep_freed_memory
from .models import INITS, Autoencoder, Encoder, init_centred_, normalize_images

__all__ = ["TrainConfig", "Schedule", "Profile", "PROFILES", "RUNS", "TrainResult", "choose_device", "train",
           "train_autoencoder", "train_contrastive", "to_unit_float", "epoch_permutation", "learning_rate",
           "init_model", "init_encoder", "reconstruction_loss", "contrastive_step_loss", "curve_steps",
           "total_steps", "CHECKPOINT_NAME"]

OBJECTIVES = ("autoencoder", "contrastive")
AUGMENTATIONS = ("A", "B", "C")
DECAYS = ("constant", "cosine")
#: The four trained runs of the experiment, by name (:attr:`TrainConfig.name`).
#: Training images the centred initialization is computed on.
INIT_BATCH = 256
CHECKPOINT_NAME = "checkpoint.pt"


@dataclass(frozen=True)
class TrainConfig:
    """One training run.  ``steps_per_epoch=None`` means a full pass (``N // batch_size`` steps)."""

    objective: str
    augmentation: str | None = None
    d: int = 128
    epochs: int = 15
    batch_size: int = 256
    lr: float = 2e-4
    tau: float = 0.07
    steps_per_epoch: int | None = None
    seed: int = 0
    init: str = "default"
    warmup_steps: int = 0
    decay: str = "constant"

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.objective == "contrastive" and self.augmentation not in AUGMENTATIONS:
            raise ValueError(f"a contrastive run needs augmentation in {AUGMENTATIONS}, got {self.augmentation!r}")
        if self.objective == "autoencoder" and self.augmentation is not None:
            raise ValueError("the autoencoder is trained without augmentation (augmentation=None)")
        for name in ("d", "epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if self.objective == "contrastive" and self.batch_size < 2:
            raise ValueError("contrastive training needs batch_size >= 2 (in-batch negatives)")
        if self.steps_per_epoch is not None and (not isinstance(self.steps_per_epoch, int) or self.steps_per_epoch < 1):
            raise ValueError(f"steps_per_epoch must be None or a positive integer, got {self.steps_per_epoch!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be positive, got {self.lr!r}")
        if not (math.isfinite(self.tau) and self.tau > 0):
            raise ValueError(f"tau must be positive, got {self.tau!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        if self.decay not in DECAYS:
            raise ValueError(f"decay must be one of {DECAYS}, got {self.decay!r}")
        if isinstance(self.warmup_steps, bool) or not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be a non-negative integer, got {self.warmup_steps!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @property
    def name(self) -> str:
        return "autoencoder" if self.objective == "autoencoder" else f"contrastive_{self.augmentation}"

    def to_json(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:12]


def total_steps(config: TrainConfig, n_images: int) -> int:
    """Optimizer steps of ``config`` on ``n_images`` training images."""
    batch = min(config.batch_size, n_images)
    per_epoch = n_images // batch
    if config.steps_per_epoch is not None:
        per_epoch = min(per_epoch, config.steps_per_epoch)
    return per_epoch * config.epochs


def choose_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else the CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_unit_float(images: torch.Tensor) -> torch.Tensor:
    """``uint8`` in [0, 255] -> float32 in [0, 1]; float images are returned as float32."""
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    if not images.is_floating_point():
        raise ValueError(f"images must be uint8 or floating point, got dtype {images.dtype}")
    return images.float()


def _check_train_images(images) -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        try:
            images = torch.as_tensor(images)
        except Exception as exc:
            raise ValueError(f"images must be a tensor or array, got {type(images).__name__}") from exc
    if images.ndim != 4 or tuple(images.shape[1:]) != (3, 64, 64):
        raise ValueError(f"training images must have shape (N, 3, 64, 64), got {tuple(images.shape)}")
    return images


def epoch_permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The data order of ``epoch``: a permutation of ``range(n)`` fixed by ``(seed, epoch)``."""
    g = torch.Generator().manual_seed((int(seed) * 1_000_003 + int(epoch) * 7919 + 17) % (2**63 - 1))
    return torch.randperm(n, generator=g)


@contextlib.contextmanager
def _seeded(seed: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _init_batch(images: torch.Tensor, seed: int) -> torch.Tensor:
    """The normalized training images the centred initialization of ``seed`` is computed on."""
    g = torch.Generator().manual_seed(int(seed) * 7_368_787 + 11)
    idx = torch.randperm(images.shape[0], generator=g)[:INIT_BATCH]
    return normalize_images(to_unit_float(images[idx]))


def init_model(config: TrainConfig, images: torch.Tensor | None = None) -> torch.nn.Module:
    """The model of ``config`` at step 0: an :class:`Autoencoder` or a normalized
    :class:`Encoder`, initialized by ``config.init`` (``centred`` needs the training ``images``)."""
    with _seeded(config.seed):
        model = Autoencoder(config.d) if config.objective == "autoencoder" else Encoder(config.d, normalize=True)
        if config.init == "centred":
            if images is None:
                raise ValueError("the centred initialization needs the training images")
            init_centred_(model.encoder if isinstance(model, Autoencoder) else model, _init_batch(images, config.seed))
    return model


def init_encoder(config: TrainConfig, images: torch.Tensor | None = None) -> Encoder:
    """The encoder of ``config`` at step 0 (the ``random_init`` control of the experiment)."""
    model = init_model(config, images)
    return model.encoder if isinstance(model, Autoencoder) else model


def learning_rate(config: TrainConfig, step: int, total: int) -> float:
    """Adam's rate for the optimizer step ``step`` (0-based) of a run of ``total`` steps:
    linear warm-up over ``warmup_steps``, then constant or a cosine decay to 0 at ``total``."""
    lr = config.lr
    if config.warmup_steps:
        lr *= min(1.0, (step + 1) / config.warmup_steps)
    if config.decay == "cosine" and total > 0:
        lr *= 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
    return lr


def reconstruction_loss(reconstruction: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Eq. (12) on a batch: the mean over the batch of MSE(g(f(x_i)), x_i).

    Every image has the same number of pixels, so the mean over images of each image's mean
    squared error is the mean over all entries.  Both ``(B, 3, 64, 64)``.
    """
    if reconstruction.shape != x.shape:
        raise ValueError(f"shape mismatch: reconstruction {tuple(reconstruction.shape)} vs input {tuple(x.shape)}")
    return ((reconstruction - x) ** 2).mean()


def contrastive_step_loss(encoder: torch.nn.Module, view1: torch.Tensor, view2: torch.Tensor,
                          tau: float) -> torch.Tensor:
    """Eq. (14) with the batch trick: encode both views (normalized, ``(b, 3, 64, 64)``) in one
    pass and return ``info_nce(f(view1), f(view2), tau)``."""
    from numerics.losses import info_nce

    b = view1.shape[0]
    z = encoder(torch.cat([view1, view2]))
    return info_nce(z[:b], z[b:], tau)


def _default_augment():
    from .augment import augment

    return augment


@dataclass
class TrainResult:
    """A trained model and its record; ``history`` holds every step's loss, ``curve`` the
    learning-curve points (empty without a probe)."""

    config: TrainConfig
    model: torch.nn.Module
    history: list[float]
    epoch_losses: list[float]
    train_seconds: float
    images_seen: int
    resumed: bool
    device: str
    checkpoint: Path | None = None
    curve: list[dict] = field(default_factory=list)

    @property
    def encoder(self) -> Encoder:
        return self.model.encoder if isinstance(self.model, Autoencoder) else self.model

    @property
    def final_loss(self) -> float:
        return self.epoch_losses[-1] if self.epoch_losses else float("nan")


def _cpu_state(state):
    if isinstance(state, torch.Tensor):
        return state.detach().cpu().clone()
    if isinstance(state, dict):
        return {k: _cpu_state(v) for k, v in state.items()}
    if isinstance(state, list):
        return [_cpu_state(v) for v in state]
    return state


def curve_steps(total: int, points: int) -> list[int]:
    """``points`` probe steps spread evenly over ``1 .. total`` (the last is ``total``);
    with step 0, ``points + 1`` points in all."""
    if total < 1 or points < 1:
        return []
    return sorted({max(1, round(total * k / points)) for k in range(1, points + 1)})


def train(config: TrainConfig, images, *, checkpoint_dir: str | Path | None = None,
          device: str | torch.device | None = None, progress: bool = True,
          checkpoint_every_steps: int | None = None, checkpoint_every_seconds: float | None = 60.0,
          augment_fn: Callable | None = None,
          on_step: Callable[[int, float], None] | None = None,
          probe: Callable[[torch.nn.Module], dict] | None = None,
          probe_steps: Iterable[int] = ()) -> TrainResult:
    """Train (or resume, or load) the run ``config`` on ``images`` ``(N, 3, 64, 64)``.

    ``checkpoint_dir``: where ``checkpoint.pt`` lives (``None``: no checkpoints).  A checkpoint
    whose config differs from ``config`` raises ``ValueError`` (use another directory).
    ``augment_fn(x01, name, *, generator)`` defaults to :func:`numerics.shapes.augment.augment`.
    ``on_step(global_step, loss)`` is called after every optimizer step (and after any
    checkpoint of that step has been written).  ``probe(model) -> dict``: the learning-curve
    measurement, taken at step 0 and after each global step in ``probe_steps`` (module
    docstring); the model is in eval mode and under ``torch.no_grad`` while it runs.
    """
    images = _check_train_images(images)
    n = images.shape[0]
    if config.objective == "contrastive" and n < 2:
        raise ValueError("contrastive training needs at least 2 images")
    batch = min(config.batch_size, n)
    steps_per_epoch = n // batch
    if config.steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, config.steps_per_epoch)
    n_steps = steps_per_epoch * config.epochs
    probe_at = sorted({int(s) for s in probe_steps if 0 < int(s) <= n_steps} | {0}) if probe else []
    dev = choose_device(device)
    if dev.type == "cpu":
        keep_freed_memory()  # batch-sized tensors reuse the heap (see the module docstring)
    if config.objective == "contrastive" and augment_fn is None:
        augment_fn = _default_augment()

    model = init_model(config, images).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    aug_gen = torch.Generator(device=dev)
    aug_gen.manual_seed(config.seed * 2_654_435_761 % (2**63 - 1) + 1)
    epoch, step_in_epoch, history, epoch_losses, seconds, curve = 0, 0, [], [], 0.0, []
    resumed = False

    path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    if path is not None and path.exists():
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state.get("config") != config.to_json():
            raise ValueError(f"checkpoint {path} was written for config {state.get('config')}, "
                             f"not {config.to_json()}; use another checkpoint directory")
        if state.get("n_images") != n:
            raise ValueError(f"checkpoint {path} was written for {state.get('n_images')} images, got {n}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        aug_gen.set_state(state["aug_generator"])
        epoch, step_in_epoch = state["epoch"], state["step_in_epoch"]
        history, epoch_losses, seconds = list(state["history"]), list(state["epoch_losses"]), state["train_seconds"]
        curve = json.loads(state.get("curve", "[]"))
        resumed = True

    def save():
        if path is None:
            return
        atomic_write(path, lambda fh: torch.save({
            "config": config.to_json(), "n_images": n, "model": _cpu_state(model.state_dict()),
            "optimizer": _cpu_state(optimizer.state_dict()), "aug_generator": aug_gen.get_state().cpu(),
            "epoch": epoch, "step_in_epoch": step_in_epoch, "history": history,
            "epoch_losses": epoch_losses, "train_seconds": seconds, "curve": json.dumps(curve),
            "done": epoch >= config.epochs, "torch": str(torch.__version__), "device": dev.type,
        }, fh), "wb")

    per_step_images = batch * (2 if config.objective == "contrastive" else 1)

    def record(step: int) -> None:
        """The learning-curve point after ``step`` optimizer steps (once per step)."""
        if step not in probe_at or any(p["step"] == step for p in curve):
            return
        prev = max((p["step"] for p in curve), default=0)
        window = history[prev:step]
        model.eval()
        with torch.no_grad():
            point = {"step": step, "images_seen": step * per_step_images,
                     "loss": (sum(window) / len(window)) if window else None, **probe(model)}
        model.train()
        curve.append(point)

    done_steps = epoch * steps_per_epoch + step_in_epoch
    bar = None
    if progress and done_steps < n_steps:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, initial=done_steps, desc=config.name, unit="step",
                   dynamic_ncols=True, leave=False)
    last_save = time.perf_counter()
    model.train()
    if not history:
        record(0)  # only a model that has not stepped yet is at step 0
    try:
        while epoch < config.epochs:
            perm = epoch_permutation(n, config.seed, epoch)
            while step_in_epoch < steps_per_epoch:
                t0 = time.perf_counter()
                global_step = epoch * steps_per_epoch + step_in_epoch
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(config, global_step, n_steps)
                idx = perm[step_in_epoch * batch:(step_in_epoch + 1) * batch]
                x01 = to_unit_float(images[idx]).to(dev, non_blocking=True)
                if config.objective == "autoencoder":
                    x = normalize_images(x01)
                    loss = reconstruction_loss(model(x), x)
                else:
                    v1 = normalize_images(augment_fn(x01, config.augmentation, generator=aug_gen))
                    v2 = normalize_images(augment_fn(x01, config.augmentation, generator=aug_gen))
                    loss = contrastive_step_loss(model, v1, v2, config.tau)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise FloatingPointError(f"{config.name}: loss became {value} at epoch {epoch}, "
                                             f"step {step_in_epoch}")
                history.append(value)
                if len(history) == 1 and curve and curve[0]["step"] == 0 and curve[0]["loss"] is None:
                    curve[0]["loss"] = value  # the first batch's loss, computed at initialization
                step_in_epoch += 1
                seconds += time.perf_counter() - t0
                record(len(history))
                dt = time.perf_counter() - t0
                epoch_over = step_in_epoch == steps_per_epoch
                if epoch_over:
                    epoch_losses.append(sum(history[-steps_per_epoch:]) / steps_per_epoch)
                    epoch, step_in_epoch = epoch + 1, 0
                    save()
                    last_save = time.perf_counter()
                elif (len(history) in probe_at
                      or (checkpoint_every_steps and len(history) % checkpoint_every_steps == 0)
                      or (checkpoint_every_seconds is not None
                          and time.perf_counter() - last_save >= checkpoint_every_seconds)):
                    save()
                    last_save = time.perf_counter()
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.4f}", img_s=f"{per_step_images / max(dt, 1e-9):.0f}")
                if on_step is not None:
                    on_step(len(history), value)
                if epoch_over:
                    break
    finally:
        if bar is not None:
            bar.close()
    model.eval()
    return TrainResult(config=config, model=model, history=history, epoch_losses=epoch_losses,
                       train_seconds=seconds, images_seen=len(history) * per_step_images,
                       resumed=resumed, device=dev.type, checkpoint=path, curve=curve)


def train_autoencoder(images, *, epochs: int = 30, batch_size: int = 256, lr: float = 2e-4,
                      d: int = 128, seed: int = 0, steps_per_epoch: int | None = None,
                      init: str = "default", **kwargs) -> TrainResult:
    """Q7b: train ``g(f(x))`` with the MSE of Eq. (12); see :func:`train` for ``kwargs``."""
    config = TrainConfig("autoencoder", None, d=d, epochs=epochs, batch_size=batch_size, lr=lr,
                         steps_per_epoch=steps_per_epoch, seed=seed, init=init)
    return train(config, images, **kwargs)


def train_contrastive(images, augmentation: str, *, epochs: int = 15, batch_size: int = 256,
                      lr: float = 2e-4, d: int = 128, tau: float = 0.07, seed: int = 0,
                      steps_per_epoch: int | None = None, init: str = "default", **kwargs) -> TrainResult:
    """Q8a: train a normalized encoder with Eq. (14) (``info_nce``) on positive pairs made by
    two independent draws of ``augmentation`` in {"A", "B", "C"}; see :func:`train`."""
    config = TrainConfig("contrastive", augmentation, d=d, epochs=epochs, batch_size=batch_size,
                         lr=lr, tau=tau, steps_per_epoch=steps_per_epoch, seed=seed, init=init)
    return train(config, images, **kwargs)
