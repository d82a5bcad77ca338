"""Q7d and Q8d are answered by what the encoders measured: synthetic measurements in, verdicts out."""

import dataclasses
import json
import math

import numpy as np
import pytest

from numerics.shapes import FACTORS
from proofs import REGISTRY, load_all, run_claim
from proofs.context import Context

CHANCE = {"shape": 1 / 3, "color": 1 / 9, "location": 1 / 9}


def _entry(normalized: dict, *, objective="contrastive", final_ratio=0.5, steps=100, seed=0):
    e = {}
    for f in FACTORS:
        c = CHANCE[f]
        acc = c + normalized[f] * (1 - c)
        e[f] = {"knn_acc": acc, "chance": c, "normalized": (acc - c) / (1 - c), "linear_acc": acc,
                "train_knn_acc": acc, "train_normalized": (acc - c) / (1 - c)}
    b = 32 if objective == "contrastive" else 64
    ref = math.log(b) if objective == "contrastive" else 1.0
    curve = []
    for k in range(6):
        t = k / 5
        curve.append({"step": k * steps // 5, "images_seen": k * steps // 5 * 64,
                      "loss": ref * (1 - t * (1 - final_ratio)),
                      "normalized": {f: 0.3 + t * (normalized[f] - 0.3) for f in FACTORS},
                      "alignment": {"A": 0.1, "B": 0.1, "C": 0.1}, "uniformity": -1.0})
    e.update(alignment={"A": 0.1, "B": 0.2, "C": 0.3}, uniformity=-2.0, profile="fast", seed=seed,
             config={"objective": objective, "batch_size": b}, steps=steps if objective else 0,
             first_loss=ref, final_loss=ref * final_ratio, epoch_losses=[ref * 0.9, ref * final_ratio],
             curve=curve, normalized_embedding=objective == "contrastive", train_seconds=1.0, job_seconds=2.0)
    return e


def synthetic_probes(b=None, *, c_ratio=0.5):
    """A, B, C, the autoencoder and the untrained encoder; ``b``: B's normalized accuracies."""
    b = b or {"shape": 0.8, "color": 0.9, "location": 0.05}
    probes = {"random_init": _entry({"shape": 0.3, "color": 0.6, "location": 0.8}),
              "autoencoder": _entry({"shape": 0.1, "color": 0.3, "location": 0.9}, objective="autoencoder",
                                    final_ratio=0.2),
              "contrastive_A": _entry({"shape": 0.6, "color": 0.02, "location": 0.8}),
              "contrastive_B": _entry(b),
              "contrastive_C": _entry({"shape": 0.1, "color": 0.9, "location": 0.1}, final_ratio=c_ratio)}
    probes["random_init"].update(steps=0, curve=[], epoch_losses=[], first_loss=None, final_loss=None)
    return probes


def _context(tmp_path, probes) -> Context:
    ctx = Context(profile="fast", seed=0, out_dir=tmp_path)
    ctx.results_dir.mkdir(parents=True)
    (ctx.results_dir / "probes.json").write_text(json.dumps(probes))
    grids = ctx.results_dir / "shapes" / "fast-seed0"
    grids.mkdir(parents=True)
    np.savez(grids / "nn_grids.npz", empty=np.zeros(1))
    return ctx


@pytest.fixture(scope="module", autouse=True)
def _claims():
    load_all()


def test_answer_q8d_reads_b_learned_shape_and_lost_location():
    from proofs.q8 import answer_q8d

    got = answer_q8d(synthetic_probes())
    assert got["short"] == {"B": {"shape": "sensitive", "color": "sensitive", "location": "invariant"},
                            "consistent_with_q8b": "yes"}
    assert "location invariant (0.05)" in got["answer"] and "shape sensitive (0.80)" in got["answer"]


@pytest.mark.parametrize("b, verdicts, consistent", [
    ({"shape": 0.3, "color": 1.0, "location": 0.77}, ("partly", "sensitive", "sensitive"), "partly"),
    ({"shape": 0.1, "color": 0.1, "location": 0.9}, ("invariant", "invariant", "sensitive"), "no"),
    ({"shape": 0.5, "color": 0.5, "location": 0.2}, ("sensitive", "sensitive", "invariant"), "yes"),
])
def test_answer_q8d_thresholds(b, verdicts, consistent):
    from proofs.q8 import answer_q8d

    short = answer_q8d(synthetic_probes(b))["short"]
    assert tuple(short["B"][f] for f in FACTORS) == verdicts and short["consistent_with_q8b"] == consistent


def test_q8d_claim_is_verified_on_synthetic_measurements_and_fails_with_another_answer(tmp_path):
    ctx = _context(tmp_path, synthetic_probes())
    result = run_claim(REGISTRY["q8d"], ctx)
    assert result.verdict == "verified", [e.detail for e in result.evidence if not e.passed]
    assert result.claim.short["B"]["location"] == "invariant"
    assert "location invariant" in result.claim.answer and "(iii)" in result.claim.proof
    wrong = dict(result.claim.short, B=dict(result.claim.short["B"], location="sensitive"))
    assert run_claim(dataclasses.replace(REGISTRY["q8d"], short=wrong), ctx).verdict == "failed"
    partly = dict(result.claim.short, consistent_with_q8b="partly")
    assert run_claim(dataclasses.replace(REGISTRY["q8d"], short=partly), ctx).verdict == "failed"


def test_an_encoder_that_did_not_train_is_failed_evidence(tmp_path):
    ctx = _context(tmp_path, synthetic_probes(c_ratio=1.0))  # C stayed at log b
    result = run_claim(REGISTRY["q8d"], ctx)
    assert result.verdict == "failed"
    bad = [e for e in result.evidence if not e.passed]
    assert len(bad) == 1 and "C: last-epoch mean loss" in bad[0].detail and "did not train" in bad[0].detail
    assert "Not every encoder trained" in result.claim.proof
    assert run_claim(REGISTRY["q8a"], ctx).verdict == "failed"


def test_q7d_answer_from_synthetic_measurements(tmp_path):
    from proofs.q7 import answer_q7d

    probes = synthetic_probes()
    got = answer_q7d(probes)
    assert got["short"]["val"] == {"shape": "invariant", "color": "partly", "location": "sensitive"}
    assert got["short"]["meaningful_val"] == "yes"
    ctx = _context(tmp_path, probes)
    result = run_claim(REGISTRY["q7d"], ctx)
    assert result.verdict == "verified", [e.detail for e in result.evidence if not e.passed]
    wrong = dict(result.claim.short, meaningful_train="no")
    assert run_claim(dataclasses.replace(REGISTRY["q7d"], short=wrong), ctx).verdict == "failed"


def test_q8d_predictions_come_from_q8b():
    from proofs.q8 import predictions

    assert predictions() == {f"contrastive_{a}": REGISTRY[f"q8b.{a}"].short for a in "ABC"}
