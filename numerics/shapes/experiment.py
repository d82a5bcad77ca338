"""The shapes experiment: render the data, train the autoencoder and the contrastive encoders
A, B and C with learning curves, measure them and the untrained encoder, write the results.

Stages (:func:`run_experiment`):

1. **Data.**  :func:`experiment_data` renders ``profile.n_images`` images for the seed (or,
   given a data file, takes its sample: :mod:`numerics.shapes.datafile`) and splits them as the
   homework does; the final probes use the train gallery and the first ``probe_val`` val
   images, the learning curves smaller fixed subsets of both.
2. **Runs.**  Each encoder is one job: train (or resume, or load) with a
   :class:`~numerics.shapes.probe.CurveProbe` taken ``curve_points`` times, then
   :func:`~numerics.shapes.probe.measure_encoder`.  A job writes ``NAME/probe.json`` and
   ``NAME/grids.npz`` under :func:`experiment_dir`, keyed by its configuration, so an
   interrupted experiment redoes only the jobs that had not finished (and training itself
   resumes from its checkpoint).  ``random_init`` is the contrastive encoders' common starting
   point, measured without training.
3. **Parallel and reproducible.**  On the CPU the jobs run in ``jobs`` worker processes (spawned),
   each with ``threads`` torch / BLAS threads (1 by default), longest job first.  A job's
   numbers therefore depend neither on the number of workers nor on what else the machine is
   doing: a run with one thread is bit-for-bit repeatable on one CPU type, and two single-
   threaded processes use a 2-core machine as well as one process with two threads (which slows
   down threefold beside a busy process).  On CUDA the jobs run one after the other.
4. **Results.**  ``results/probes.json``: one entry per encoder (:data:`~numerics.shapes.probe.ENCODERS`)
   with the factor table, alignment, uniformity, the run's losses, configuration and learning
   ``curve``; ``shapes/PROFILE-seedS/nn_grids.npz``: the neighbour grids.

:func:`results` and :func:`grids` memoize both per process (what the claims read);
:func:`autoencoder_measurements` measures the trained autoencoder for Q7a.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import queue as queue_mod
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..atomic import atomic_write
from .datafile import DataFile
from .models import normalize_images
from .probe import (
    ENCODERS,
    FACTORS,
    N_QUERIES,
    CurveProbe,
    factor_labels,
    measure_encoder,
    pairwise_sq_dists,
)
from .train import (
    PROFILES,
    RUNS,
    Profile,
    choose_device,
    curve_steps,
    init_encoder,
    to_unit_float,
    total_steps,
    train,
)

__all__ = ["experiment_dir", "experiment_data", "run_experiment", "load_probes", "load_nn_grids", "results",
           "grids", "autoencoder_measurements", "ExperimentData", "Job", "JobFailed", "run_job", "default_jobs"]

#: Version of what a job measures; part of its cache key.
MEASURE_VERSION = 2


# ---------------------------------------------------------------------------
# paths and files
# ---------------------------------------------------------------------------

def experiment_dir(results_dir: str | Path, profile: str, seed: int, data: DataFile | None = None) -> Path:
    """Where the checkpoints, per-run probes and neighbour grids of one (profile, seed) live;
    with a data file, a folder of its own, named by the file's identity."""
    return Path(results_dir) / "shapes" / (f"{profile}-seed{seed}" + (f"-data{data.sha256[:16]}" if data else ""))


def data_sha256(data: DataFile | None) -> str | None:
    """The identity of the experiment's data: the data file's SHA-256, None for rendered data."""
    return None if data is None else data.sha256


def experiment_images(prof: Profile, seed: int, data: DataFile | None = None,
                      results_dir: str | Path | None = None) -> tuple[torch.Tensor, dict]:
    """``(images, factors)`` of the experiment: ``prof.n_images`` images rendered for ``seed``, or
    the sample of the data file ``data`` (:func:`numerics.shapes.datafile.data_sample`, stored
    once under the experiment's folder when ``results_dir`` is given)."""
    if data is None:
        from .render import make_dataset

        return make_dataset(prof.n_images, seed)
    from .datafile import data_sample

    cache = None if results_dir is None else experiment_dir(results_dir, prof.name, seed, data)
    return data_sample(data, prof.n_images, seed, cache=cache)


def _write_json(path: Path, obj) -> None:
    atomic_write(path, lambda fh: json.dump(obj, fh, indent=1))


def _write_npz(path: Path, arrays: dict) -> None:
    atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays), "wb")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


# ---------------------------------------------------------------------------
# stage 1: data
# ---------------------------------------------------------------------------

@dataclass
class ExperimentData:
    """The rendered data of one (profile, seed), with its probe subsets.

    ``train_images``: uint8 ``(n_train, 3, 64, 64)``; ``images`` / ``labels``: the final
    probes' ``{"train", "val"}`` images and ``{factor: (n,)}`` labels; ``queries``: the 8 grid
    queries per split; ``pair_images``: the val images of the alignment pairs;
    ``curve``: the learning-curve subsets.
    """

    train_images: torch.Tensor
    images: dict
    labels: dict
    queries: dict
    pair_images: torch.Tensor
    curve: dict


_DATA: dict = {}


def experiment_data(prof: Profile, seed: int, *, n_pairs: int = 256, data: DataFile | None = None,
                    results_dir: str | Path | None = None) -> ExperimentData:
    """Render (or take from ``data``: :func:`experiment_images`) and split the data of ``prof``
    and ``seed`` (memoized per process)."""
    key = (prof.n_images, prof.n_train, prof.n_val, prof.probe_train, prof.probe_val, prof.curve_gallery,
           prof.curve_queries, prof.curve_pairs, seed, n_pairs, data_sha256(data))
    if key in _DATA:
        return _DATA[key]
    from .render import split_indices

    images, factors = experiment_images(prof, seed, data, results_dir)
    tr, va = split_indices(prof.n_images)
    if len(tr) != prof.n_train or len(va) != prof.n_val:
        raise ValueError(f"profile {prof.name}: split {len(tr)}/{len(va)} differs from {prof.n_train}/{prof.n_val}")
    labels = factor_labels(factors)
    lt = {k: v[tr.numpy()] for k, v in labels.items()}
    lv = {k: v[va.numpy()] for k, v in labels.items()}
    pt = np.arange(len(tr) if prof.probe_train is None else min(prof.probe_train, len(tr)))
    pv = np.arange(len(va) if prof.probe_val is None else min(prof.probe_val, len(va)))
    train_images = images[tr]
    split_images = {"train": train_images[pt], "val": images[va][pv]}
    split_labels = {"train": {k: v[pt] for k, v in lt.items()}, "val": {k: v[pv] for k, v in lv.items()}}
    rng = np.random.default_rng(seed + 12345)
    queries = {"train": np.sort(rng.choice(len(pt), N_QUERIES, replace=False)),
               "val": np.sort(rng.choice(len(pv), N_QUERIES, replace=False))}
    pair_idx = np.sort(rng.choice(len(pv), min(n_pairs, len(pv)), replace=False))
    ng, nq = min(prof.curve_gallery, len(tr)), min(prof.curve_queries, len(va))
    curve = {"gallery": train_images[:ng], "gallery_labels": {k: v[:ng] for k, v in lt.items()},
             "queries": images[va][:nq], "query_labels": {k: v[:nq] for k, v in lv.items()},
             "pair_images": images[va][-min(prof.curve_pairs, len(va)):]}
    data = ExperimentData(train_images, split_images, split_labels, queries,
                          split_images["val"][pair_idx], curve)
    _DATA.clear()  # one data set per process is enough; a 64k-image set is 786 MB
    _DATA[key] = data
    return data


# ---------------------------------------------------------------------------
# stage 2: one job (train with a learning curve, then measure)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One encoder of the experiment: ``name`` in :data:`~numerics.shapes.probe.ENCODERS`."""

    name: str
    results_dir: str
    profile: Profile
    seed: int
    device: str | None
    threads: int | None
    n_pairs: int
    augment_fn: Callable | None
    #: the data file trained on (None: rendered data)
    data: DataFile | None = None

    @property
    def dir(self) -> Path:
        return experiment_dir(self.results_dir, self.profile.name, self.seed, self.data) / self.name

    def cache_key(self) -> dict:
        prof = self.profile
        cfg = prof.run_config("contrastive_A" if self.name == "random_init" else self.name, seed=self.seed)
        key = {"name": self.name, "config": cfg.digest(), "n_images": prof.n_images,
               "probe": [prof.probe_train, prof.probe_val, self.n_pairs],
               "curve": [prof.curve_points, prof.curve_gallery, prof.curve_queries, prof.curve_pairs],
               "augment": getattr(self.augment_fn, "__qualname__", None), "version": MEASURE_VERSION}
        if self.data is not None:  # rendered data keeps the keys it always had
            key["data"] = self.data.sha256
        return key

    def cost(self) -> float:
        """Images through a network in training (what orders the jobs, longest first): two views
        per pair through the encoder, or one image through the encoder and the decoder, which
        costs about as much again (measured: 0.38 s per autoencoder step of 64 images, 0.21 s per
        contrastive step of 32 pairs, on one thread)."""
        if self.name == "random_init":
            return 0.0
        cfg = self.profile.run_config(self.name, seed=self.seed)
        return total_steps(cfg, self.profile.n_train) * min(cfg.batch_size, self.profile.n_train) * 2


def _cached_job(job: Job) -> dict | None:
    stored = _read_json(job.dir / "probe.json")
    if isinstance(stored, dict) and stored.get("key") == job.cache_key() and (job.dir / "grids.npz").exists():
        return stored["entry"]
    return None


@contextlib.contextmanager
def _threads(n: int | None):
    """``n`` torch intra-op and BLAS threads inside the block (unchanged when None)."""
    if not n:
        yield
        return
    from threadpoolctl import threadpool_limits

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        torch.set_num_threads(old)


def run_job(job: Job, report: Callable[[str, int], None] | None = None) -> dict:
    """Train (or load) and measure ``job``'s encoder; write ``NAME/probe.json`` and
    ``NAME/grids.npz``; return the ``probes.json`` entry.  ``report(name, steps)`` is called with
    each training step."""
    with _threads(job.threads):
        return _run_job(job, report)


def _run_job(job: Job, report) -> dict:
    t0 = time.perf_counter()
    prof, seed = job.profile, job.seed
    augment_fn = job.augment_fn
    if augment_fn is None:
        from .augment import augment as augment_fn
    data = experiment_data(prof, seed, n_pairs=job.n_pairs, data=job.data, results_dir=job.results_dir)
    dev = choose_device(job.device)
    cfg = prof.run_config("contrastive_A" if job.name == "random_init" else job.name, seed=seed)
    run: dict[str, Any] = {"config": cfg.to_json(), "steps": 0, "images_seen": 0, "train_seconds": 0.0,
                           "first_loss": None, "final_loss": None, "epoch_losses": [], "curve": []}
    if job.name == "random_init":
        model = init_encoder(cfg, data.train_images).to(dev)
    else:
        c = data.curve
        probe = CurveProbe(c["gallery"], c["gallery_labels"], c["queries"], c["query_labels"], c["pair_images"],
                           seed=seed, augment_fn=augment_fn)
        n_steps = total_steps(cfg, len(data.train_images))
        r = train(cfg, data.train_images, checkpoint_dir=job.dir, device=dev, progress=False,
                  augment_fn=augment_fn if cfg.objective == "contrastive" else None,
                  on_step=(lambda step, loss: report(job.name, step)) if report else None,
                  probe=probe, probe_steps=curve_steps(n_steps, prof.curve_points))
        model = r.model
        run.update(steps=len(r.history), images_seen=r.images_seen, train_seconds=r.train_seconds,
                   first_loss=r.history[0] if r.history else None, final_loss=r.final_loss,
                   epoch_losses=r.epoch_losses, curve=r.curve)
    entry, job_grids = measure_encoder(model, data.images, data.labels, queries=data.queries,
                                       pair_images=data.pair_images, seed=seed, augment_fn=augment_fn)
    entry.update(run)
    entry.update(profile=prof.name, seed=seed, normalized_embedding=job.name != "autoencoder",
                 job_seconds=time.perf_counter() - t0)
    if job.data is not None:
        entry["data"] = job.data.sha256
    _write_npz(job.dir / "grids.npz", job_grids)
    _write_json(job.dir / "probe.json", {"key": job.cache_key(), "entry": entry})
    return entry


# ---------------------------------------------------------------------------
# stage 3: the jobs, in parallel worker processes
# ---------------------------------------------------------------------------

def _worker_main(job: Job, q) -> None:
    """A worker process: run one job, report its steps, then ``done`` or ``error`` on ``q``."""
    last = [0]

    def report(name, step):
        q.put(("step", name, step - last[0]))
        last[0] = step

    try:
        run_job(job, report)
    except BaseException as exc:  # the parent raises it; the exit code alone would not say why
        import traceback

        q.put(("error", job.name, (f"{type(exc).__name__}: {exc}", traceback.format_exc())))
        raise SystemExit(1)
    q.put(("done", job.name, None))


def default_jobs(device: str | None = None) -> int:
    """Worker processes: one per core, at most one per trained encoder; 1 on CUDA."""
    if choose_device(device).type != "cpu":
        return 1
    return max(1, min(len(RUNS), os.cpu_count() or 1))


class JobFailed(RuntimeError):
    """A job of the experiment raised, or its worker process died; ``traceback`` holds the
    worker's traceback when there is one."""

    def __init__(self, message: str, traceback: str = ""):
        super().__init__(message)
        self.traceback = traceback


def _run_jobs(jobs: list[Job], n_workers: int, progress: bool, log) -> dict[str, dict]:
    """Run ``jobs`` (longest first) in at most ``n_workers`` spawned processes, or in this one
    when ``n_workers`` is 1.  A job that raises, or whose process dies, stops the others and
    raises :class:`JobFailed` naming it; finished jobs keep their results on disk."""
    jobs = sorted(jobs, key=lambda j: -j.cost())
    total = sum(total_steps(j.profile.run_config(j.name, seed=j.seed), j.profile.n_train)
                for j in jobs if j.name != "random_init")
    bar = None
    if progress and total:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=f"training {', '.join(j.name for j in jobs if j.name != 'random_init')}",
                   unit="step", dynamic_ncols=True, leave=False)
    out: dict[str, dict] = {}

    def done(job, entry):
        out[job.name] = entry
        log(f"{job.name}: {entry['steps']} steps"
            + (f", loss {entry['first_loss']:.4f} -> {entry['final_loss']:.4f}" if entry["steps"] else "")
            + f" ({entry['job_seconds']:.0f}s); " + ", ".join(f"{f} {entry[f]['normalized']:.2f}" for f in FACTORS))

    try:
        if n_workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                last = {"step": 0}

                def report(name, step, last=last):
                    if bar is not None:
                        bar.update(step - last["step"])
                    last["step"] = step

                done(job, run_job(job, report))
            return out
        # Spawned (not forked) workers: torch and OpenMP state is not fork-safe.  A script that
        # calls this needs the usual ``if __name__ == "__main__":`` guard.
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        waiting, running, errors = list(jobs), {}, {}

        def drain():
            while True:
                try:
                    kind, name, value = q.get(timeout=0.1)
                except queue_mod.Empty:
                    return
                if kind == "step" and bar is not None:
                    bar.update(value)
                elif kind == "error":
                    errors[name] = value

        try:
            while waiting or running:
                while waiting and len(running) < n_workers:
                    job = waiting.pop(0)
                    proc = ctx.Process(target=_worker_main, args=(job, q), name=f"shapes-{job.name}", daemon=True)
                    proc.start()
                    running[job.name] = (job, proc)
                drain()
                for name, (job, proc) in list(running.items()):
                    if proc.is_alive():
                        continue
                    proc.join()
                    drain()
                    del running[name]
                    entry = _cached_job(job) if proc.exitcode == 0 else None
                    if entry is None:
                        why, tb = errors.get(name) or (f"its process ended with exit code {proc.exitcode}", "")
                        raise JobFailed(f"training/measuring {name} failed: {why}", tb)
                    done(job, entry)
        finally:
            for _, proc in running.values():
                proc.terminate()
            for _, proc in running.values():
                proc.join()
            q.close()
    finally:
        if bar is not None:
            bar.close()
    return out


# ---------------------------------------------------------------------------
# stage 4: the experiment and its results
# ---------------------------------------------------------------------------

def load_probes(results_dir: str | Path, profile: str, seed: int, data: DataFile | None = None) -> dict | None:
    """``results/probes.json`` if it holds every encoder for this profile, seed and data
    (an entry's ``data``: the data file's SHA-256, absent for rendered data), else None."""
    probes = _read_json(Path(results_dir) / "probes.json")
    ok = (isinstance(probes, dict) and all(
        isinstance(probes.get(e), dict) and probes[e].get("profile") == profile and probes[e].get("seed") == seed
        and probes[e].get("data") == data_sha256(data) and "curve" in probes[e] for e in ENCODERS))
    grids_path = experiment_dir(results_dir, profile, seed, data) / "nn_grids.npz"
    return probes if ok and grids_path.exists() else None


def load_nn_grids(results_dir: str | Path, profile: str, seed: int, data: DataFile | None = None) -> dict[str, Any]:
    """The neighbour grids written by :func:`run_experiment`: for each encoder and split,
    ``images`` uint8 ``(8, 11, 64, 64, 3)``, ``labels`` ``(8, 11, 3)`` (shape, colour,
    location) and ``dists`` ``(8, 11)``."""
    path = experiment_dir(results_dir, profile, seed, data) / "nn_grids.npz"
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    out: dict[str, Any] = {"profile": profile, "seed": seed, "grids": {}}
    for key, value in data.items():
        enc, split, field = key.split("__")
        out["grids"].setdefault(enc, {}).setdefault(split, {})[field] = value
    return out


def run_experiment(results_dir: str | Path, profile: str | Profile = "fast", seed: int = 0, *,
                   progress: bool = True, device: str | None = None, force: bool = False,
                   augment_fn: Callable | None = None, n_pairs: int = 256, jobs: int | None = None,
                   threads: int | None = 1, log: Callable[[str], None] | None = None,
                   data: DataFile | None = None) -> dict:
    """Train (or resume) the autoencoder and contrastive encoders A, B, C with learning curves;
    measure them and the untrained encoder; write ``results/probes.json`` and the neighbour
    grids; return the probes (module docstring).

    Reuses ``probes.json`` when it already holds this profile and seed, and each finished job's
    own results (unless ``force``, which re-measures; finished training is always loaded from
    its checkpoint).  ``jobs``: worker processes (default :func:`default_jobs`); ``threads``:
    torch and BLAS threads per job (None: leave as is).  ``augment_fn`` must be picklable when
    ``jobs > 1``.  ``data``: train and measure on this data file's sample instead of rendered
    images (prepared here once, before the workers start; every result is keyed by the file).
    """
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    results_dir = Path(results_dir)
    if not force:
        cached = load_probes(results_dir, prof.name, seed, data)
        if cached is not None:
            return cached
    say = log or (lambda s: None)
    t_start = time.perf_counter()
    if data is not None:  # the sample, estimated and stored once for every worker
        experiment_images(prof, seed, data, results_dir)
    all_jobs = [Job(name, str(results_dir), prof, seed, device, threads, n_pairs, augment_fn, data)
                for name in ENCODERS]
    entries = {}
    for job in all_jobs:
        cached = None if force else _cached_job(job)
        if cached is not None:
            entries[job.name] = cached
            say(f"{job.name}: measured earlier, reused")
    todo = [j for j in all_jobs if j.name not in entries]
    n_workers = default_jobs(device) if jobs is None else max(1, int(jobs))
    entries.update(_run_jobs(todo, n_workers, progress, say))
    probes = {name: entries[name] for name in ENCODERS}
    exp = experiment_dir(results_dir, prof.name, seed, data)
    merged = {}
    for name in ENCODERS:
        with np.load(exp / name / "grids.npz") as f:
            merged.update({f"{name}__{k}": f[k] for k in f.files})
    _write_npz(exp / "nn_grids.npz", merged)
    _write_json(results_dir / "probes.json", probes)
    sample = experiment_data(prof, seed, n_pairs=n_pairs, data=data, results_dir=results_dir)
    _write_json(exp / "summary.json", {"profile": prof.name, "seed": seed, "workers": n_workers,
                                       "data": None if data is None else data.to_json(),
                                       "threads_per_job": threads, "wall_seconds": time.perf_counter() - t_start,
                                       "n_train": prof.n_train, "n_val": prof.n_val,
                                       "probe_train": len(sample.labels["train"]["shape"]),
                                       "probe_val": len(sample.labels["val"]["shape"])})
    return probes


_MEMO: dict = {}


def results(results_dir: str | Path, profile: str, seed: int, *, force: bool = False,
            data: DataFile | None = None, **kwargs) -> dict:
    """:func:`run_experiment`'s probes, computed (or loaded) once per process; ``force``
    recomputes the measurements on the first call only."""
    key = ("probes", str(results_dir), profile, seed, data_sha256(data))
    if key not in _MEMO:
        _MEMO[key] = run_experiment(results_dir, profile, seed, force=force, data=data, **kwargs)
    return _MEMO[key]


def grids(results_dir: str | Path, profile: str, seed: int, *, force: bool = False,
          data: DataFile | None = None) -> dict:
    """The neighbour grids of every encoder (:func:`load_nn_grids`), after :func:`results`."""
    key = ("grids", str(results_dir), profile, seed, data_sha256(data))
    if key not in _MEMO:
        results(results_dir, profile, seed, force=force, data=data)
        _MEMO[key] = load_nn_grids(results_dir, profile, seed, data)
    return _MEMO[key]


# ---------------------------------------------------------------------------
# the trained autoencoder, for Q7a
# ---------------------------------------------------------------------------

def _palette_class(rgb: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Nearest palette colour ``(n,)`` of mean colours ``rgb (n, 3)`` (values in [0, 1])."""
    d = ((rgb[:, None, :] - palette[None, :, :]) ** 2).sum(-1)
    return d.argmin(1)


def _measured_masks_and_colours(images: torch.Tensor, colours: np.ndarray, *,
                                chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """For images without renderer factors: the foreground masks ``(n, 64, 64)`` measured from
    the pixels, and the colour of each class of ``colours`` ``(k, 3)``: the mean over its images
    of their mean foreground colour (rows of absent classes are far from every colour)."""
    from .factors import foreground_mask, mean_color

    masks, rgb = [], []
    for s in range(0, len(images), chunk):
        m = foreground_mask(images[s:s + chunk])
        masks.append(m.numpy())
        rgb.append(mean_color(images[s:s + chunk], m).numpy())
    masks, rgb = np.concatenate(masks), np.concatenate(rgb)
    k = int(colours.max()) + 1 if len(colours) else 0
    palette = np.full((max(k, 1), 3), 99.0)
    for c in range(k):
        sel = (colours == c) & ~np.isnan(rgb).any(1)
        if sel.any():
            palette[c] = rgb[sel].mean(0)
    return masks, palette


@torch.no_grad()
def autoencoder_measurements(results_dir: str | Path, profile: str | Profile = "fast", seed: int = 0, *,
                             n_codes: int = 2000, n_triples: int = 20000, device: str | None = None,
                             progress: bool = False, data: DataFile | None = None) -> dict:
    """What the trained autoencoder ``(f, g)`` does, for Q7a: on ``n_codes`` train and val images,

    - ``min_code_dist``: the smallest distance between codes of distinct training images, and
      ``self_retrieval``: how often a training image's nearest training code is its own (index
      decided by ``f``);
    - ``recon_colour_acc_{train,val}``: how often the mean colour of the reconstruction's bright
      pixels (max channel > 0.5) is nearest the true palette colour (colour decided by ``g o f``);
    - ``eq13_fraction``: the fraction of random red-red-blue training triples with Eq. (13);
    - ``background_black_{train,val}``: the fraction of true background pixels reconstructed
      with every channel below 0.1, and ``background_mean_abs`` their mean absolute value.
    Trains (or resumes) the autoencoder when its checkpoint is not finished.

    With a data file (``data``), its sample has no renderer masks or palette: the foreground is
    measured from the pixels (:func:`numerics.shapes.factors.foreground_mask`), each estimated
    colour class is named by its images' mean foreground colour, and "red" and "blue" are the
    classes nearest the palette's red and blue.
    """
    from .render import PALETTE, shape_masks, split_indices

    prof = PROFILES[profile] if isinstance(profile, str) else profile
    images, factors = experiment_images(prof, seed, data, results_dir)
    tr, va = split_indices(prof.n_images)
    cfg = prof.config("autoencoder", seed=seed)
    ae = train(cfg, images[tr], checkpoint_dir=experiment_dir(results_dir, prof.name, seed, data) / cfg.name,
               device=device, progress=progress).model
    ae.eval()
    dev = next(ae.parameters()).device
    colours = np.asarray(factors["color"])
    if data is None:
        masks = shape_masks(factors).numpy()
        palette = PALETTE.numpy().astype(np.float64)
        red, blue = 0, 6
    else:
        masks, palette = _measured_masks_and_colours(images, colours)
        red, blue = (int(np.argmin(((palette - PALETTE[i].numpy()) ** 2).sum(1))) for i in (0, 6))
    out: dict[str, Any] = {"profile": prof.name, "seed": seed}
    if data is not None:
        out["data"] = data.sha256
    rng = np.random.default_rng(seed + 99)
    for split, idx in (("train", tr.numpy()[:n_codes]), ("val", va.numpy()[:n_codes])):
        codes, recs = [], []
        for s in range(0, len(idx), 250):
            x = normalize_images(to_unit_float(images[idx[s:s + 250]]).to(dev))
            z = ae.encoder(x)
            codes.append(z.double().cpu())
            recs.append(((ae.decoder(z) * 0.5 + 0.5).clamp(0, 1)).float().cpu())
        codes = torch.cat(codes).numpy()
        rec = torch.cat(recs).numpy()  # (n, 3, 64, 64) in [0, 1]
        bright = rec.max(1) > 0.5  # (n, 64, 64)
        mean_rgb = np.stack([(rec[i][:, bright[i]].mean(1) if bright[i].any() else np.full(3, -9.0))
                             for i in range(len(idx))])
        pred = _palette_class(mean_rgb, palette)
        out[f"recon_colour_acc_{split}"] = float((pred == colours[idx]).mean())
        bg = ~masks[idx]
        bg_vals = rec.transpose(1, 0, 2, 3)[:, bg]  # (3, n_bg)
        out[f"background_black_{split}"] = float((bg_vals.max(0) < 0.1).mean())
        out[f"background_mean_abs_{split}"] = float(np.abs(bg_vals).mean())
        out[f"recon_mse_{split}"] = float(((rec - to_unit_float(images[idx]).numpy()) ** 2).mean())
        if split == "train":
            d = pairwise_sq_dists(codes, codes)
            np.fill_diagonal(d, np.inf)
            out["min_code_dist"] = float(np.sqrt(d.min()))
            np.fill_diagonal(d, 0.0)
            out["self_retrieval"] = float((np.argmin(d, axis=1) == np.arange(len(idx))).mean())
            c = colours[idx]
            reds, blues = np.nonzero(c == red)[0], np.nonzero(c == blue)[0]
            x = rng.choice(reds, n_triples)
            y = rng.choice(reds, n_triples)
            z = rng.choice(blues, n_triples)
            keep = x != y
            x, y, z = x[keep], y[keep], z[keep]
            dxy = np.linalg.norm(codes[x] - codes[y], axis=1)
            dxz = np.linalg.norm(codes[x] - codes[z], axis=1)
            out["eq13_fraction"] = float((dxy < dxz).mean())
            out["eq13_triples"] = int(keep.sum())
            out["n_codes"] = len(idx)
    return out
