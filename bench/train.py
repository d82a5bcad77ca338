"""Where a training step's time goes, what makes it faster on this machine, and the fast
profile's wall time.

    .venv/bin/python bench/train.py [--device cuda] [--steps 8] [--no-profile] [--no-compile]

Measured side by side in one run (medians of ``--steps`` steps after two warm-up steps):

1. **Breakdown** of the fast profile's steps on one thread: augmentation (two views), forward,
   backward and Adam, for a contrastive step of 32 pairs (augmentation C) and an autoencoder
   step of 64 images.
2. **Variants**, each as a ratio of throughput against the plain loop (one process, one thread,
   float32, contiguous tensors, the contrastive step of 32 pairs with augmentation C):
   two intra-op threads; two single-threaded processes side by side (what
   :mod:`numerics.shapes.experiment` does); channels-last tensors; ``torch.compile``; bfloat16
   autocast (reported, not used: it changes the numbers); and, beside a busy process (one core
   spinning), one thread against two threads.
3. **Probes**: one learning-curve point (the fast profile's subset) and one full measurement,
   against the time of a training step.
4. **Full profile**: the projected time of one contrastive encoder (15 epochs of 156 steps of
   256 pairs) on this machine, against the homework's "close to 1 hour".
5. **Fast profile**: ``run_experiment`` end to end in a fresh folder, with each job's seconds.

Writes ``bench/results/train.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from numerics.shapes.augment import augment  # noqa: E402
from numerics.shapes.models import Autoencoder, Encoder, normalize_images  # noqa: E402
from numerics.shapes.train import (  # noqa: E402
    PROFILES,
    choose_device,
    contrastive_step_loss,
    reconstruction_loss,
)

FULL_CONTRASTIVE_STEPS = 15 * (40000 // 256)
HOMEWORK_SECONDS = 3600.0


def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def _batch(b: int, dev) -> torch.Tensor:
    """A batch of sparse coloured blobs in [0, 1], ``(b, 3, 64, 64)``."""
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(b, 3, 64, 64, generator=g) > 0.9).float() * torch.rand(b, 3, 1, 1, generator=g)
    return x.to(dev)


def time_steps(kind: str, dev, batch: int, steps: int, *, aug: str | None = "C", channels_last: bool = False,
               compile_model: bool = False, bf16: bool = False) -> dict:
    """Median seconds per part of a training step (``augment``, ``forward``, ``backward``,
    ``adam``, ``total``) over ``steps`` steps after two warm-up steps."""
    torch.manual_seed(0)
    g = torch.Generator(device=dev).manual_seed(0)
    x01 = _batch(batch, dev)
    model = (Autoencoder(128) if kind == "ae" else Encoder(128, normalize=True)).to(dev)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)
    fwd = torch.compile(model) if compile_model else model
    parts: dict[str, list[float]] = {k: [] for k in ("augment", "forward", "backward", "adam", "total")}
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    for i in range(steps + 2):
        _sync(dev)
        t0 = time.perf_counter()
        if kind == "ae":
            v = normalize_images(x01).contiguous(memory_format=fmt)
        elif aug is None:
            v1, v2 = normalize_images(x01), normalize_images(x01.flip(-1))
        else:
            v1 = normalize_images(augment(x01, aug, generator=g)).contiguous(memory_format=fmt)
            v2 = normalize_images(augment(x01, aug, generator=g)).contiguous(memory_format=fmt)
        _sync(dev)
        t1 = time.perf_counter()
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            if kind == "ae":
                loss = reconstruction_loss(fwd(v).float(), v)
            else:
                loss = contrastive_step_loss(lambda x: fwd(x).float(), v1, v2, 0.07)
        _sync(dev)
        t2 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        _sync(dev)
        t3 = time.perf_counter()
        opt.step()
        _sync(dev)
        t4 = time.perf_counter()
        if i >= 2:
            for k, v_ in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
                parts[k].append(v_)
    return {k: sorted(v)[len(v) // 2] for k, v in parts.items()}


def _child_throughput(args) -> float:
    """One single-threaded process timing contrastive steps (for the two-process variant): it
    waits for the common wall-clock ``start`` (after both have imported torch), so that the two
    children's steps overlap, and returns its seconds."""
    steps, batch, start = args
    torch.set_num_threads(1)
    time.sleep(max(0.0, start - time.time()))
    t0 = time.perf_counter()
    time_steps("contrastive", torch.device("cpu"), batch, steps)
    return time.perf_counter() - t0


@contextlib.contextmanager
def busy_core():
    """A process spinning on one core for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        proc.kill()
        proc.wait()


def bench_variants(batch: int, steps: int, do_compile: bool) -> list[dict]:
    dev = torch.device("cpu")
    rows = []

    def run(name, threads=1, **kw):
        torch.set_num_threads(threads)
        t = time_steps("contrastive", dev, batch, steps, **kw)["total"]
        rows.append({"variant": name, "seconds_per_step": t})
        print(f"  {name:44s} {t * 1000:7.1f} ms/step", flush=True)
        return t

    plain = run("plain loop (1 process, 1 thread, float32)")
    run("2 intra-op threads, 1 process", threads=2)
    # two single-threaded processes side by side: the experiment's arrangement
    ctx = mp.get_context("spawn")
    n_steps = steps + 2
    with ctx.Pool(2) as pool:
        start = time.time() + 15.0  # both children have imported torch by then
        seconds = pool.map(_child_throughput, [(n_steps, batch, start)] * 2)
    rows.append({"variant": "2 processes x 1 thread (both together)",
                 "seconds_per_step": max(seconds) / (2 * n_steps)})
    print(f"  {rows[-1]['variant']:44s} {rows[-1]['seconds_per_step'] * 1000:7.1f} ms/step", flush=True)
    run("channels-last, 1 thread", channels_last=True)
    run("bfloat16 autocast, 1 thread (not used)", bf16=True)
    if do_compile:
        torch.set_num_threads(1)
        t0 = time.perf_counter()
        try:
            time_steps("contrastive", dev, batch, 1, compile_model=True)
            compile_s = time.perf_counter() - t0
            run("torch.compile, 1 thread", compile_model=True)
            rows[-1]["compile_seconds"] = compile_s
        except Exception as exc:  # no compiler, unsupported backend: say so
            rows.append({"variant": "torch.compile, 1 thread", "seconds_per_step": None,
                         "error": f"{type(exc).__name__}: {exc}"[:300]})
            print(f"  torch.compile failed: {rows[-1]['error']}", flush=True)
    with busy_core():
        run("beside a busy process: 1 thread")
        run("beside a busy process: 2 threads", threads=2)
    torch.set_num_threads(1)
    for r in rows:
        if r["seconds_per_step"]:
            r["throughput_vs_plain"] = plain / r["seconds_per_step"]
    return rows


def bench_probes(steps_time: float) -> dict:
    """One learning-curve point and one full measurement of an untrained encoder (1 thread)."""
    from numerics.shapes.experiment import experiment_data
    from numerics.shapes.probe import CurveProbe, measure_encoder

    torch.set_num_threads(1)
    prof = PROFILES["fast"]
    data = experiment_data(prof, 0)
    enc = Encoder(128, normalize=True)
    c = data.curve
    probe = CurveProbe(c["gallery"], c["gallery_labels"], c["queries"], c["query_labels"], c["pair_images"])
    probe(enc)
    t0 = time.perf_counter()
    probe(enc)
    curve_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    measure_encoder(enc, data.images, data.labels, queries=data.queries, pair_images=data.pair_images)
    full_s = time.perf_counter() - t0
    full_curve = CurveProbe(data.images["train"], data.labels["train"], data.images["val"], data.labels["val"],
                            c["pair_images"])
    t0 = time.perf_counter()
    full_curve(enc)
    full_curve_s = time.perf_counter() - t0
    return {"curve_point_seconds": curve_s, "curve_point_full_gallery_seconds": full_curve_s,
            "final_measurement_seconds": full_s, "curve_point_in_steps": curve_s / steps_time,
            "lighter_curve_ratio": full_curve_s / curve_s,
            "curve_subset": [prof.curve_gallery, prof.curve_queries, prof.curve_pairs],
            "full_gallery": [len(data.labels["train"]["shape"]), len(data.labels["val"]["shape"])]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--no-profile", action="store_true", help="skip the fast profile's end-to-end run")
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile variant")
    args = ap.parse_args(argv)
    dev = choose_device(args.device)
    fast = PROFILES["fast"]
    b_c = fast.schedules["contrastive_C"].batch_size
    b_ae = fast.schedules["autoencoder"].batch_size
    out = {"device": dev.type, "cpu_count": os.cpu_count(), "platform": platform.platform(),
           "processor": platform.processor(), "torch": torch.__version__,
           "load_average_start": os.getloadavg() if hasattr(os, "getloadavg") else None}
    print(f"device {dev.type}, torch {torch.__version__}, load average {out['load_average_start']}")

    print(f"1. breakdown, 1 thread (ms): contrastive step of {b_c} pairs (augmentation C), autoencoder step of {b_ae}")
    torch.set_num_threads(1)
    breakdown = {"contrastive": time_steps("contrastive", dev, b_c, args.steps),
                 "autoencoder": time_steps("ae", dev, b_ae, args.steps, aug=None)}
    print(f"  {'step':12s} " + " ".join(f"{k:>9s}" for k in breakdown["contrastive"]))
    for name, parts in breakdown.items():
        print(f"  {name:12s} " + " ".join(f"{v * 1000:9.1f}" for v in parts.values()))
    out["breakdown_seconds"] = breakdown
    out["batch"] = {"contrastive": b_c, "autoencoder": b_ae}

    if dev.type == "cpu":
        print("2. variants of the contrastive step, throughput against the plain loop")
        out["variants"] = bench_variants(b_c, args.steps, not args.no_compile)
        for r in out["variants"]:
            if r.get("throughput_vs_plain"):
                print(f"  {r['variant']:44s} {r['throughput_vs_plain']:5.2f}x")
        print("3. probes (1 thread)")
        out["probes"] = bench_probes(breakdown["contrastive"]["total"])
        pr = out["probes"]
        print(f"  learning-curve point {pr['curve_point_seconds']:.2f}s (= {pr['curve_point_in_steps']:.1f} steps); "
              f"on the full gallery {pr['curve_point_full_gallery_seconds']:.2f}s ({pr['lighter_curve_ratio']:.1f}x); "
              f"final measurement {pr['final_measurement_seconds']:.2f}s")

    torch.set_num_threads(max(1, os.cpu_count() or 1) if dev.type == "cpu" else torch.get_num_threads())
    full = time_steps("contrastive", dev, 256, max(3, args.steps // 2))["total"]
    out["full_profile"] = {"seconds_per_step_256_pairs": full, "threads": torch.get_num_threads(),
                           "contrastive_encoder_projected_seconds": full * FULL_CONTRASTIVE_STEPS,
                           "ratio_vs_homework_hour": HOMEWORK_SECONDS / (full * FULL_CONTRASTIVE_STEPS)}
    print(f"4. full profile: one contrastive encoder (2,340 steps of 256 pairs) projected "
          f"{full * FULL_CONTRASTIVE_STEPS / 60:.0f} min on {torch.get_num_threads()} threads "
          f"({HOMEWORK_SECONDS / (full * FULL_CONTRASTIVE_STEPS):.2f}x the homework's hour)")

    if not args.no_profile:
        from numerics.shapes.experiment import run_experiment

        print("5. fast profile end to end (run_experiment, fresh folder)")
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            probes = run_experiment(tmp, "fast", 0, progress=False, device=args.device,
                                    log=lambda m: print(f"  [{time.perf_counter() - t0:6.1f}s] {m}", flush=True))
            wall = time.perf_counter() - t0
            summary = json.loads((Path(tmp) / "shapes" / "fast-seed0" / "summary.json").read_text())
        jobs = {k: {"job_seconds": v["job_seconds"], "train_seconds": v["train_seconds"], "steps": v["steps"]}
                for k, v in probes.items()}
        loss = {k: v["final_loss"] / math.log(v["config"]["batch_size"]) for k, v in probes.items()
                if v["config"]["objective"] == "contrastive" and v["steps"]}
        out["fast_profile"] = {"wall_seconds": wall, "jobs": jobs, "summary": summary,
                               "cpu_seconds_sum_of_jobs": sum(j["job_seconds"] for j in jobs.values()),
                               "last_epoch_loss_over_log_b": loss,
                               "schedules": {k: vars(v) for k, v in PROFILES["fast"].schedules.items()}}
        print(f"  wall {wall:.0f}s; jobs " + ", ".join(f"{k} {v['job_seconds']:.0f}s" for k, v in jobs.items())
              + "; last-epoch loss / log b: " + ", ".join(f"{k} {v:.3f}" for k, v in loss.items()))
    out["load_average_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    path = Path(__file__).resolve().parent / "results" / "train.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
