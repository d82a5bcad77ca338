"""A key.json made from the claim registry, without running any check.

Each claim's entry holds what ``companion key`` writes (``companion.build.key_json``): the
registry's short answer, the verdict ``verified``, its points, and one passed evidence per
check, named as the check is (the reasons quote these names).  Q8b's experiment evidence gets a
detail in the form ``proofs.q8b._experiment`` writes, with made-up numbers.  Claims measured
from training (q7d, q8d) are left out, as a key built without training leaves them out.
"""

from __future__ import annotations

import json

import pytest

#: What q8b's experiment check writes for one factor (proofs/q8b.py, ``_experiment``).
Q8B_DETAIL = ("1200 images, two views each, both views show the object in 99.0% of pairs; "
              "shape: agree 0.900 (chance 0.340), kappa {shape} -> {v_shape}; "
              "location: agree 0.500 (chance 0.120), kappa {location} -> {v_location}; "
              "colour: agree 0.950 (chance 0.111), kappa {color} -> {v_color}. Rule: sensitive iff kappa >= 0.5. "
              "Measured answer {{...}}, stated {{...}}. Instruments on clean images: shape classifier accuracy 0.990")


def _q8b_detail(short: dict) -> str:
    kappa = {"sensitive": "0.85", "invariant": "0.10"}
    return Q8B_DETAIL.format(**{f: kappa[v] for f, v in short.items()}, **{f"v_{f}": v for f, v in short.items()})


def registry_key() -> dict:
    from proofs import claims

    out = {}
    for c in claims():
        if c.measured is not None:
            continue
        evidence = []
        for check in c.checks:
            detail = _q8b_detail(c.short) if c.id.startswith("q8b.") and check.kind == "experiment" else "ok"
            evidence.append({"kind": check.kind, "passed": True, "detail": detail, "name": check.name,
                             "seconds": 0.0, "settled": True})
        out[c.id] = {"short": c.short, "answer": c.answer, "verdict": "verified",
                     "answer_bound": "decided" if c.options else "judged", "points": c.points,
                     "evidence": evidence, "figures": [], "run": "test"}
    return {"profile": "fast", "seed": 0, "claims": out}


@pytest.fixture(scope="session")
def key_data() -> dict:
    return registry_key()


@pytest.fixture(scope="session")
def key_path(tmp_path_factory, key_data):
    p = tmp_path_factory.mktemp("gradekey") / "key.json"
    p.write_text(json.dumps(key_data))
    return p


@pytest.fixture(scope="session")
def gradable_key(key_path):
    from companion.grade import key

    return key.load(key_path)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The cases run on small tensors: one thread, as in the grader's child process (two threads
    beside a busy process are many times slower here), restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
