"""Training throughput of the shapes encoders, and the fast profile's wall time.

    .venv/bin/python bench/train.py [--device cuda] [--threads N] [--steps 4] [--no-profile]

Measures, side by side in one process:
- autoencoder training images/s (encoder + decoder, MSE);
- contrastive training pairs/s and images/s (two views per pair) for the encoder alone
  (pre-made views) and with the batched augmentations A, B, C;
- the projected time of the full profile's contrastive training (15 epochs x 156 steps of 256
  pairs) from the measured step time, against the target of 20x faster than "close to 1 hour";
- unless ``--no-profile``: the fast profile's wall time for all four encoders plus probing
  (``numerics.shapes.probe.run_experiment`` in a fresh directory).
Writes ``bench/results/train.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.shapes.augment import augment  # noqa: E402
from numerics.shapes.models import Autoencoder, Encoder, normalize_images  # noqa: E402
from numerics.shapes.train import (PROFILES, choose_device, contrastive_step_loss,  # noqa: E402
                                   reconstruction_loss)

FULL_CONTRASTIVE_STEPS = 15 * (40000 // 256)
HOMEWORK_SECONDS = 3600.0


def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def bench_steps(kind: str, dev, batch: int, steps: int, aug: str | None = None) -> float:
    """Seconds per optimizer step (median of ``steps`` after one warm-up step)."""
    torch.manual_seed(0)
    g = torch.Generator(device=dev).manual_seed(0)
    x01 = (torch.rand(batch, 3, 64, 64, device=dev) > 0.9).float() * torch.rand(batch, 3, 1, 1, device=dev)
    model = (Autoencoder(128) if kind == "ae" else Encoder(128, normalize=True)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)
    times = []
    for i in range(steps + 1):
        _sync(dev)
        t0 = time.perf_counter()
        if kind == "ae":
            x = normalize_images(x01)
            loss = reconstruction_loss(model(x), x)
        else:
            if aug is None:
                v1, v2 = normalize_images(x01), normalize_images(x01.flip(-1))
            else:
                v1 = normalize_images(augment(x01, aug, generator=g))
                v2 = normalize_images(augment(x01, aug, generator=g))
            loss = contrastive_step_loss(model, v1, v2, 0.07)
        opt.zero_grad()
        loss.backward()
        opt.step()
        _sync(dev)
        if i:
            times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch", type=int, default=None, help="default: 256 on CUDA, 128 on the CPU")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--no-profile", action="store_true", help="skip the fast profile's end-to-end run")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = choose_device(args.device)
    batch = args.batch or (256 if dev.type == "cuda" else 128)
    rows, out = [], {"device": dev.type, "threads": torch.get_num_threads(), "batch": batch,
                     "cpu_count": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__,
                     "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}
    s = bench_steps("ae", dev, batch, args.steps)
    rows.append(("autoencoder (MSE)", batch / s, batch / s, s))
    contrastive = {}
    for aug in (None, "A", "B", "C"):
        s = bench_steps("contrastive", dev, batch, args.steps, aug)
        name = "contrastive, encoder only" if aug is None else f"contrastive + augmentation {aug}"
        rows.append((name, 2 * batch / s, batch / s, s))
        contrastive[aug or "none"] = s
    print(f"device {dev.type}, {out['threads']} threads, batch {batch}, load average {out['load_average']}")
    print(f"{'run':34s} {'images/s':>9s} {'pairs/s':>9s} {'s/step':>8s}")
    for name, ips, pps, s in rows:
        print(f"{name:34s} {ips:9.0f} {pps:9.0f} {s:8.3f}")
    out["rows"] = [{"run": n, "images_per_s": i, "pairs_or_images_per_s": p, "seconds_per_step": s}
                   for n, i, p, s in rows]
    # Full profile projection (256 pairs per step).
    proj = {a: contrastive[a] * (256 / batch) * FULL_CONTRASTIVE_STEPS for a in ("A", "B", "C")}
    worst = max(proj.values())
    out["full_contrastive_projected_seconds"] = proj
    out["speedup_vs_homework_hour"] = HOMEWORK_SECONDS / worst
    print(f"full profile contrastive training, projected: " + ", ".join(f"{a} {v:.0f}s" for a, v in proj.items())
          + f"; slowest is {HOMEWORK_SECONDS / worst:.1f}x faster than 1 hour (target 20x on a GPU)")
    if not args.no_profile:
        from numerics.shapes.probe import run_experiment

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            cpu0 = time.process_time()
            run_experiment(tmp, "fast", 0, progress=False, device=args.device,
                           log=lambda m: print(f"  [{time.perf_counter() - t0:6.1f}s] {m}", flush=True))
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            summary = json.loads((Path(tmp) / "shapes" / "fast-seed0" / "summary.json").read_text())
        out["fast_profile_wall_seconds"] = wall
        out["fast_profile_cpu_seconds"] = cpu
        out["fast_profile"] = {k: v for k, v in vars(PROFILES["fast"]).items()}
        out["fast_profile_summary"] = summary
        print(f"fast profile (train 4 encoders + probe 5): wall {wall:.0f}s, process CPU {cpu:.0f}s "
              f"(target: <= 600s with every figure)")
    path = Path(__file__).resolve().parent / "results" / "train.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
