"""Images per second: the renderer, and batched augmentations A, B, C against a per-image pipeline.

The per-image pipeline is the homework's way: torchvision's functional ops on one image at a
time, inside a ``torch.utils.data.DataLoader`` with two single-threaded workers (the two cores
of the target machine).  The batched pipeline is :func:`numerics.shapes.augment.apply_params`
on batches of 256 where training runs it (:mod:`numerics.shapes.train` augments each batch in
the training process): in the main process, on the same two cores
(``torch.set_num_threads(2)``).  That is the ``ratio``.  Both get the same parameters for every
image, and the outputs are compared.  Epochs of the two alternate, side by side in one run, and
the best of ``--repeats`` is kept for each (loaders warm).

The batched pipeline is also run inside the per-image pipeline's harness (two single-threaded
DataLoader workers, one whole batch per item): ``ratio_two_workers``.  That harness moves every
12 MB float batch from a worker to the main process through fresh shared memory, which caps it
near 30,000 images/s on this machine whatever the augmentation costs (a plain copy in place of
the augmentation is no faster); training never pays that, so it is reported beside the ratio,
not as it.  Single-threaded CPU time per image of both pipelines is reported too
(``ratio_cpu_time``): it is what a dedicated core would spend, and is far less disturbed by
other processes than wall time on a shared machine.  Where torchvision is not installed, the
per-image pipeline is our own per-image reference (:func:`numerics.shapes.reference.sequential`)
and the JSON says so.

Large batches allocate tensors of megabytes, and glibc's habit of returning freed memory to
the system costs page faults on every batch (:mod:`numerics.shapes.cpu`); the benchmark
therefore asks glibc to keep freed memory, before any worker starts, so both pipelines run
under the same allocator (``--default-malloc`` to compare).

Run: ``python bench/augment.py [--n 4096] [--repeats 3] [--render-n 64000]``; prints a table
and writes ``bench/results/augment.json``.  With a CUDA device, the batched pipeline is timed
there too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from numerics.shapes import augment as aug
from numerics.shapes import reference as ref
from numerics.shapes.cpu import keep_freed_memory
from numerics.shapes.render import make_dataset, to_float

BATCH = 256
OUT = Path(__file__).resolve().parent / "results" / "augment.json"


def _has_torchvision() -> bool:
    try:
        import torchvision  # noqa: F401
        return True
    except Exception:
        return False


class PerImage(torch.utils.data.Dataset):
    """Dataset that augments image ``i`` with its own parameters, one image at a time."""

    def __init__(self, images, name, params, use_torchvision):
        self.images, self.name, self.use_tv = images, name, use_torchvision
        self.params = [ref.params_of(params, i) for i in range(images.shape[0])]

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, i):
        fn = ref.torchvision_pipeline if self.use_tv else ref.sequential
        return fn(self.images[i], self.name, self.params[i]).clamp(0, 1)


def _single_thread(_):
    torch.set_num_threads(1)


def per_image_loader(images, name, params, use_tv):
    return torch.utils.data.DataLoader(PerImage(images, name, params, use_tv), batch_size=BATCH,
                                       num_workers=2, worker_init_fn=_single_thread,
                                       persistent_workers=True, prefetch_factor=4)


def timed_epoch(loader, n):
    """Images per second of one epoch of a warm loader, and its output."""
    outs = []
    t0 = time.perf_counter()
    for b in loader:
        outs.append(b)
    dt = time.perf_counter() - t0
    return n / dt, torch.cat(outs)


class Batched(torch.utils.data.Dataset):
    """Dataset whose item ``k`` is batch ``k`` (BATCH images) augmented in one call."""

    def __init__(self, images, name, params):
        self.images, self.name, self.params = images, name, params

    def __len__(self):
        return (self.images.shape[0] + BATCH - 1) // BATCH

    def __getitem__(self, k):
        s = slice(k * BATCH, (k + 1) * BATCH)
        y = aug.apply_params(self.images[s], self.name, {n: v[s] for n, v in self.params.items()})
        # The clamp writes straight into shared memory, as default_collate stacks the per-image
        # pipeline's images into shared memory: one pass, and no extra copy to send the batch.
        out = torch.empty_like(y)
        if torch.utils.data.get_worker_info() is not None:
            out.share_memory_()
        return torch.clamp(y, 0, 1, out=out)


def batched_loader(images, name, params):
    """The batched pipeline in the same harness: two single-threaded DataLoader workers, each
    producing whole augmented batches."""
    return torch.utils.data.DataLoader(Batched(images, name, params), batch_size=None, num_workers=2,
                                       worker_init_fn=_single_thread, persistent_workers=True,
                                       prefetch_factor=4)


def cpu_time_per_image(images, name, params, use_tv, reps: int = 5, n_single: int = 128):
    """Single-threaded CPU seconds per image (best of ``reps``, interleaved): the per-image
    pipeline on ``n_single`` images, the batched one on all, in batches of BATCH.  CPU time is
    what a dedicated core would spend; it is far less disturbed by other processes than wall
    time on a shared machine."""
    fn = ref.torchvision_pipeline if use_tv else ref.sequential
    ps = [ref.params_of(params, i) for i in range(n_single)]
    n = images.shape[0]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for i in range(16):  # warm-up
            fn(images[i], name, ps[i])
        aug.apply_params(images[:BATCH], name, {k: v[:BATCH] for k, v in params.items()})
        best_pi = best_b = float("inf")
        for _ in range(reps):
            t0 = time.process_time()
            for i in range(n_single):
                fn(images[i], name, ps[i]).clamp(0, 1)
            best_pi = min(best_pi, (time.process_time() - t0) / n_single)
            t0 = time.process_time()
            for s in range(0, n, BATCH):
                aug.apply_params(images[s:s + BATCH], name, {k: v[s:s + BATCH] for k, v in params.items()}).clamp_(0, 1)
            best_b = min(best_b, (time.process_time() - t0) / n)
    finally:
        torch.set_num_threads(threads)
    return best_pi, best_b


def time_batched(images, name, params, device="cpu"):
    x = images.to(device)
    p = {k: v.to(device) for k, v in params.items()}
    sl = lambda s: {k: v[s:s + BATCH] for k, v in p.items()}  # noqa: E731
    aug.apply_params(x[:BATCH], name, sl(0)).clamp_(0, 1)  # warm-up
    if device != "cpu":
        torch.cuda.synchronize()
    outs = []
    t0 = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        outs.append(aug.apply_params(x[s:s + BATCH], name, sl(s)).clamp_(0, 1))
    if device != "cpu":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return x.shape[0] / dt, torch.cat(outs).cpu()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096, help="images per augmentation and pipeline")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--render-n", type=int, default=64000)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", default="ABC", help="augmentations to time (default: all)")
    ap.add_argument("--default-malloc", action="store_true",
                    help="leave glibc's allocator as it is (default: keep freed memory, for both pipelines)")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    tuned = False if args.default_malloc else keep_freed_memory()  # before workers fork: both pipelines
    use_tv = _has_torchvision()
    results = {"machine": {"python": sys.version.split()[0], "torch": torch.__version__,
                           "platform": platform.platform(), "cpu_count": os.cpu_count(),
                           "load_avg_1min_at_start": os.getloadavg()[0]},
               "per_image_pipeline": ("torchvision functional ops, one image at a time, DataLoader with 2 "
                                      "single-threaded workers" if use_tv else
                                      "torchvision NOT installed: our own per-image sequential ops "
                                      "(numerics.shapes.reference.sequential), DataLoader with 2 "
                                      "single-threaded workers"),
               "batched_pipeline": (f"numerics.shapes.augment.apply_params on batches of {BATCH} in the main "
                                    "process with torch.set_num_threads(2), where training runs it (ratio); "
                                    "also in a DataLoader with 2 single-threaded workers (ratio_two_workers)"),
               "n_images": args.n,
               "allocator": ("glibc keeps freed memory (numerics.shapes.cpu.keep_freed_memory), in the main "
                             "process and every worker of both pipelines" if tuned else "glibc defaults")}
    if use_tv:
        import torchvision
        results["machine"]["torchvision"] = torchvision.__version__

    t0 = time.perf_counter()
    images_u8, _ = make_dataset(args.render_n, seed=0)
    dt = time.perf_counter() - t0
    results["render"] = {"n": args.render_n, "seconds": dt, "images_per_s": args.render_n / dt}
    print(f"render: {args.render_n} images in {dt:.2f} s = {args.render_n / dt:,.0f} images/s")

    x = to_float(images_u8[:args.n]).contiguous()
    del images_u8
    rows = {}
    for k, name in enumerate(aug.NAMES):
        if name not in args.only:
            continue
        params = aug.sample_params(name, args.n, generator=torch.Generator().manual_seed(100 + k))
        best_pi, best_w, best_m = 0.0, 0.0, 0.0
        pi_loader, w_loader = per_image_loader(x, name, params, use_tv), batched_loader(x, name, params)
        timed_epoch(pi_loader, args.n)  # warm-up epochs: workers start, caches and heaps fill
        timed_epoch(w_loader, args.n)
        time_batched(x, name, params)
        for _ in range(args.repeats):  # alternate epochs of the three, side by side
            r, out_pi = timed_epoch(pi_loader, args.n)
            best_pi = max(best_pi, r)
            r, out_m = time_batched(x, name, params)
            best_m = max(best_m, r)
            r, out_w = timed_epoch(w_loader, args.n)
            best_w = max(best_w, r)
        del pi_loader, w_loader
        cpu_pi, cpu_b = cpu_time_per_image(x, name, params, use_tv)
        mism = float(((out_pi - out_m).abs() > 1e-5).any(1).double().mean())
        maxdiff = float((out_pi - out_m).abs().max())
        row = {"per_image_images_per_s": best_pi, "batched_images_per_s": best_m,
               "ratio": best_m / best_pi,
               "batched_two_workers_images_per_s": best_w, "ratio_two_workers": best_w / best_pi,
               "cpu_time_per_image_per_image_pipeline_us": 1e6 * cpu_pi,
               "cpu_time_per_image_batched_us": 1e6 * cpu_b, "ratio_cpu_time": cpu_pi / cpu_b,
               "pixels_differing_fraction": mism, "max_abs_difference": maxdiff,
               "two_workers_equal_main_process": bool(torch.equal(out_w, out_m))}
        if torch.cuda.is_available():
            r_gpu, out_g = time_batched(x, name, params, device="cuda")
            r_gpu = max(r_gpu, time_batched(x, name, params, device="cuda")[0])
            row.update({"gpu_batched_images_per_s": r_gpu, "gpu_ratio_vs_cpu_per_image": r_gpu / best_pi,
                        "gpu": torch.cuda.get_device_name(0),
                        "gpu_pixels_differing_fraction": float(((out_g - out_m).abs() > 1e-5).any(1).double().mean())})
        rows[name] = row
    results["augment"] = rows
    results["machine"]["load_avg_1min_at_end"] = os.getloadavg()[0]

    print(f"\nper-image pipeline: {results['per_image_pipeline']}")
    print(f"{'aug':<4}{'per-image img/s':>17}{'batched img/s':>15}{'ratio':>8}{'2-worker img/s':>16}{'ratio':>8}"
          f"{'CPU us/img (per-image, batched)':>33}{'CPU ratio':>11}{'differing px':>14}"
          + (f"{'GPU img/s':>12}{'GPU ratio':>11}" if torch.cuda.is_available() else ""))
    for name, r in rows.items():
        line = (f"{name:<4}{r['per_image_images_per_s']:>17,.0f}{r['batched_images_per_s']:>15,.0f}"
                f"{r['ratio']:>7.1f}x{r['batched_two_workers_images_per_s']:>16,.0f}{r['ratio_two_workers']:>7.1f}x"
                f"{r['cpu_time_per_image_per_image_pipeline_us']:>23.0f},{r['cpu_time_per_image_batched_us']:>9.1f}"
                f"{r['ratio_cpu_time']:>10.1f}x{r['pixels_differing_fraction']:>14.2e}")
        if "gpu_batched_images_per_s" in r:
            line += f"{r['gpu_batched_images_per_s']:>12,.0f}{r['gpu_ratio_vs_cpu_per_image']:>10.0f}x"
        print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
