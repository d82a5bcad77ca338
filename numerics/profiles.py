"""The two profiles of the key, ``fast`` (the default, minutes on a 2-core CPU) and ``full``
(the homework's settings): every size that differs between them, in one place.

A :class:`Profile` holds the shapes experiment (data, initialization, one :class:`Schedule` per
training run, the probes' sizes) and ``settings``, the named sizes of every other study of the
key (:data:`SETTINGS` says what each one is).  Checks read them as ``ctx.setting(NAME)``.
This module imports no torch, so that the command line starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Schedule", "Profile", "PROFILES", "RUNS", "SETTINGS"]

RUNS = ("autoencoder", "contrastive_A", "contrastive_B", "contrastive_C")

#: The named settings of the key's studies (besides the shapes experiment).
SETTINGS = {
    "q1_draws": "Monte-Carlo draws of Eq. (1) and of the batch loss (Q1)",
    "q4a_examples": "hypothesis examples: decomposition against brute force (Q4a)",
    "q4b_examples": "hypothesis examples: diameter and margin properties (Q4b)",
    "q4c_examples": "hypothesis examples: option ii implies perfect accuracy (Q4c)",
    "q4d_dims": "dimensions of the distance-concentration study (Q4d)",
    "q4d_vectors": "random unit vectors per dimension (Q4d)",
    "q4d_restarts": "restarts of the best-margin optimizer (Q4d)",
    "q4e_move_examples": "hypothesis examples: moves that break the condition of 4c (Q4e.i, ii)",
    "q4e_loss_examples": "hypothesis examples: the loss falls as margins grow (Q4e.ii)",
    "adam_steps": "Adam steps on sampled draws of Eq. (1) (Q4e.iii.A, Q4f.2)",
    "adam_draws": "sampled draws per Adam step (Q4e.iii.A, Q4f.2)",
    "tammes_n_max": "largest N of the smallest-angle-against-N figure (Q4e.iii.B)",
    "q4f1_examples": "hypothesis examples: a shared point breaks the condition (Q4f.1)",
    "q4f2_restarts": "restarts of the exact-loss optimizer with overlaps (Q4f.2)",
    "q5_sphere_steps": "gradient steps on the sphere (Q5.1)",
    "q5_free_steps": "gradient steps on an unnormalized table (Q5.2a)",
    "q5_examples": "hypothesis examples: random features against the simplex bound (Q5.1)",
    "q6_examples": "hypothesis examples: tie-prone models (Q6.2)",
    "q8b_pairs": "images, two views each, for the agreement of positive pairs (Q8b)",
    "q8b_A_examples": "hypothesis examples: A keeps the foreground (Q8b.A)",
    "q8b_colour_examples": "hypothesis examples: B and C create no colour (Q8b.B, C)",
}


@dataclass(frozen=True)
class Schedule:
    """How one run is trained: ``epochs`` of ``batch_size`` (at most ``steps_per_epoch`` steps
    each), Adam at ``lr`` with ``warmup_steps`` of linear warm-up, then ``decay``."""

    epochs: int
    batch_size: int
    lr: float
    warmup_steps: int = 0
    decay: str = "constant"
    steps_per_epoch: int | None = None


@dataclass(frozen=True)
class Profile:
    """Data, initialization, one :class:`Schedule` per run, and the probes' sizes.

    ``schedules``: keyed by run name (:data:`RUNS`).  ``probe_train`` / ``probe_val``: images
    used by the final probes (train gallery, val queries; None = all).  The learning curves
    probe ``curve_points`` times after step 0, on the first ``curve_gallery`` train and
    ``curve_queries`` val images, with ``curve_pairs`` augmented pairs for alignment.
    ``settings``: the sizes of the key's other studies, one value per name of :data:`SETTINGS`.
    """

    name: str
    n_images: int
    n_train: int
    n_val: int
    d: int
    schedules: dict
    tau: float = 0.07
    init: str = "centred"
    probe_train: int | None = None
    probe_val: int | None = None
    curve_points: int = 8
    curve_gallery: int = 800
    curve_queries: int = 400
    curve_pairs: int = 64
    settings: dict = field(default_factory=dict)

    def __post_init__(self):
        missing = [r for r in RUNS if r not in self.schedules]
        if missing:
            raise ValueError(f"profile {self.name!r} has no schedule for {', '.join(missing)}")
        unknown = set(self.settings) ^ set(SETTINGS)
        if self.settings and unknown:  # a profile for the shapes experiment alone has none
            raise ValueError(f"profile {self.name!r}: settings {sorted(unknown)} are not the named settings")
        if self.curve_points < 4:
            raise ValueError(f"curve_points must be at least 4 (5 points with step 0), got {self.curve_points}")

    def config(self, objective: str, augmentation: str | None = None, *, seed: int = 0):
        """The :class:`numerics.shapes.train.TrainConfig` of one run."""
        from .shapes.train import TrainConfig

        name = "autoencoder" if objective == "autoencoder" else f"contrastive_{augmentation}"
        if name not in self.schedules:
            raise ValueError(f"profile {self.name!r} has no run {name!r}")
        sch = self.schedules[name]
        return TrainConfig(objective=objective, augmentation=augmentation, d=self.d, epochs=sch.epochs,
                           batch_size=sch.batch_size, lr=sch.lr, tau=self.tau, steps_per_epoch=sch.steps_per_epoch,
                           seed=seed, init=self.init, warmup_steps=sch.warmup_steps, decay=sch.decay)

    def run_config(self, name: str, *, seed: int = 0):
        """The :class:`TrainConfig` of run ``name`` (``autoencoder`` or ``contrastive_A/B/C``)."""
        if name == "autoencoder":
            return self.config("autoencoder", seed=seed)
        return self.config("contrastive", name.rsplit("_", 1)[-1], seed=seed)


_FAST_SETTINGS = dict(
    q1_draws=2000, q4a_examples=1000, q4b_examples=200, q4c_examples=400,
    q4d_dims=(2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), q4d_vectors=200, q4d_restarts=4,
    q4e_move_examples=150, q4e_loss_examples=80, adam_steps=600, adam_draws=8, tammes_n_max=30,
    q4f1_examples=300, q4f2_restarts=2, q5_sphere_steps=400, q5_free_steps=3000, q5_examples=150,
    q6_examples=40, q8b_pairs=1000, q8b_A_examples=40, q8b_colour_examples=25)
_FULL_SETTINGS = dict(
    q1_draws=20000, q4a_examples=4000, q4b_examples=1000, q4c_examples=2000,
    q4d_dims=(2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096), q4d_vectors=500, q4d_restarts=16,
    q4e_move_examples=600, q4e_loss_examples=400, adam_steps=3000, adam_draws=16, tammes_n_max=130,
    q4f1_examples=1500, q4f2_restarts=5, q5_sphere_steps=2000, q5_free_steps=20000, q5_examples=1000,
    q6_examples=300, q8b_pairs=10000, q8b_A_examples=200, q8b_colour_examples=150)
_HOMEWORK_AE = Schedule(epochs=30, batch_size=256, lr=2e-4)
_HOMEWORK_CONTRASTIVE = Schedule(epochs=15, batch_size=256, lr=2e-4)
# fast: 4,000 train / 2,400 val images on a 2-core CPU, each run in its own single-threaded
# process (numerics.shapes.experiment).  Measured with the centred initialization, seed 0, one
# thread per run (loss = mean of the last 125 steps / log b):
# - batch: at equal compute, b = 32 ends lower than b = 64 or 128 (C: 0.55 at 1,200 steps of 32,
#   0.65-0.69 at 600 of 64, 0.73 at 300 of 128); b = 16 is no better (0.56) and slower per image;
# - lr: 2e-3 collapsed C onto one point (loss exactly log b from step 300 on); 1e-3 and 6e-4
#   end alike (C: 0.55-0.58 vs 0.55-0.56 on seeds 0-3), 6e-4 with more room below collapse;
# - decay: a cosine decay ends where a constant rate ends (B 0.48 vs 0.44, C 0.55 vs 0.55), but
#   leaves A's colour partly readable (normalized 1-NN 0.12 after 500 steps, 0.05 at a constant
#   rate): forgetting what the untrained network sees takes steps at full rate, so the rate
#   stays constant after a 30-step warm-up, as in the homework;
# - steps: A drops colour within ~500 steps (0.14 at 250); B reaches 0.46 log b by 625 steps; C,
#   the slowest, 0.55 by 1,000; hence the uneven epochs (125 steps each).  The autoencoder's
#   MSE falls to 0.13 of its start in 124 steps of 64.
_FAST_CONTRASTIVE = dict(batch_size=32, lr=6e-4, warmup_steps=30, decay="constant")
PROFILES: dict[str, Profile] = {
    "full": Profile("full", n_images=64000, n_train=40000, n_val=24000, d=128,
                    schedules={"autoencoder": _HOMEWORK_AE, "contrastive_A": _HOMEWORK_CONTRASTIVE,
                               "contrastive_B": _HOMEWORK_CONTRASTIVE, "contrastive_C": _HOMEWORK_CONTRASTIVE},
                    probe_train=None, probe_val=4000, curve_points=15, curve_gallery=2000, curve_queries=1000,
                    curve_pairs=128, settings=_FULL_SETTINGS),
    "fast": Profile("fast", n_images=6400, n_train=4000, n_val=2400, d=128,
                    schedules={"autoencoder": Schedule(epochs=2, batch_size=64, lr=1e-3),
                               "contrastive_A": Schedule(epochs=4, **_FAST_CONTRASTIVE),
                               "contrastive_B": Schedule(epochs=5, **_FAST_CONTRASTIVE),
                               "contrastive_C": Schedule(epochs=8, **_FAST_CONTRASTIVE)},
                    probe_train=None, probe_val=1200, settings=_FAST_SETTINGS),
}
