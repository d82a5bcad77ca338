"""A synthetic class: 30 students with known mistakes, and the scores they must get.

Built from a key.json's entries (short answers and points), never from the grader: each
student answers every gradable question right, wrong, not at all, or unreadably, in the
variants a real class writes (case, trailing punctuation, "colour", YAML's bare Yes/No), and
the expected score of each question follows from what was written.  Students 0, 1 and 2 are
the key's own answers, every answer wrong, and an empty submission.  A third of the class
submits JSON, a third YAML (JSON when PyYAML is missing), a third rows of one CSV.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

FACTOR_KEYS = {"shape": ("shape", "Shape"), "location": ("location", "Location"),
               "color": ("color", "colour", "Colour")}


@dataclass
class Student:
    name: str
    answers: dict = field(default_factory=dict)
    #: expected points per item; None where nothing readable was written
    expected: dict = field(default_factory=dict)
    #: how many leaves were left unanswered or written unreadably
    unread: int = 0
    #: YAML lines written as bare booleans (Yes/No)
    bare: set = field(default_factory=set)

    @property
    def total(self) -> float:
        return sum(v for v in self.expected.values() if v is not None)


def gradable_entries(key: dict) -> dict:
    """The choice and mapping-of-choice questions of a key, with their options (from the registry)."""
    from proofs import REGISTRY, load_all

    load_all()
    out = {}
    for i, e in key["claims"].items():
        c = REGISTRY[i]
        if c.options and i != "q4a":
            out[i] = {"points": e["points"], "short": e["short"], "options": list(c.options)}
        elif i.startswith("q8b."):
            out[i] = {"points": e["points"], "short": e["short"], "options": ["invariant", "sensitive"]}
    return out


def _variant(rng: random.Random, text: str) -> str:
    return rng.choice([text, text.lower(), text.upper() + ".", f"  {text} ", f"{text}!", f"'{text}'"])


def _choice(rng, st: Student, i: str, e: dict, mode: str) -> None:
    opts = e["options"]
    if mode == "missing":
        st.expected[i] = None
        st.unread += 1
        return
    if mode == "unreadable":
        st.answers[i] = "perhaps"
        st.expected[i] = None
        st.unread += 1
        return
    value = e["short"] if mode == "right" else rng.choice([o for o in opts if o != e["short"]])
    st.answers[i] = _variant(rng, value) if value not in ("Yes", "No") or rng.random() < 0.5 else value
    if value in ("Yes", "No") and rng.random() < 0.5:
        st.bare.add(i)
    st.expected[i] = e["points"] if mode == "right" else 0.0


def _mapping(rng, st: Student, i: str, e: dict, modes: list[str]) -> None:
    given, right, read = {}, 0, 0
    for (f, v), mode in zip(e["short"].items(), modes):
        k = rng.choice(FACTOR_KEYS[f])
        if mode == "missing":
            st.unread += 1
            continue
        if mode == "unreadable":
            given[k] = "partly"
            st.unread += 1
            continue
        value = v if mode == "right" else {"invariant": "sensitive", "sensitive": "invariant"}[v]
        given[k] = _variant(rng, value)
        read += 1
        right += mode == "right"
    if given:
        st.answers[i] = given
    st.expected[i] = e["points"] * right / len(e["short"]) if read else None


def make_class(key: dict, n: int = 30, seed: int = 0) -> list[Student]:
    rng = random.Random(seed)
    entries = gradable_entries(key)
    students = []
    for k in range(n):
        st = Student(f"student{k:02d}")
        for i, e in entries.items():
            fields = isinstance(e["short"], dict)
            if k == 0:
                modes = ["right"] * (len(e["short"]) if fields else 1)
            elif k == 1:
                modes = ["wrong"] * (len(e["short"]) if fields else 1)
            elif k == 2:
                modes = ["missing"] * (len(e["short"]) if fields else 1)
            else:
                weights = [0.62, 0.25, 0.07, 0.06]
                modes = rng.choices(["right", "wrong", "missing", "unreadable"], weights,
                                    k=len(e["short"]) if fields else 1)
            if fields:
                _mapping(rng, st, i, e, modes)
            else:
                _choice(rng, st, i, e, modes[0])
        if k % 7 == 3:
            st.answers["q9"] = "Yes"  # not a question of the key
        if k % 7 == 4:
            st.answers["q1"] = {"N": "K"}  # a question, but not gradable here
        students.append(st)
    return students


def _yaml_text(st: Student) -> str:
    lines = []
    for i, v in st.answers.items():
        if isinstance(v, dict):
            lines.append(f"{i}:")
            lines += [f"  {k}: {json.dumps(x)}" for k, x in v.items()]
        elif i in st.bare:
            lines.append(f"{i}: {v}")  # YAML reads a bare Yes / No as a boolean
        else:
            lines.append(f"{i}: {json.dumps(v)}")
    return "\n".join(lines) + "\n"


def write_class(students: list[Student], folder: Path, entries: dict) -> list[Path]:
    """Write the submissions; return the files to grade."""
    try:
        import yaml  # noqa: F401
        have_yaml = True
    except ImportError:
        have_yaml = False
    folder.mkdir(parents=True, exist_ok=True)
    files, rows = [], []
    for k, st in enumerate(students):
        if k % 3 == 2:
            rows.append(st)
            continue
        if k % 3 == 1 and have_yaml:
            p = folder / f"{st.name}.yaml"
            p.write_text(_yaml_text(st))
        else:
            p = folder / f"{st.name}.json"
            p.write_text(json.dumps(st.answers, indent=1))
        files.append(p)
    ids = [i for i in entries if i != "q8b.B"]
    cols = ["student"] + ids + ["q8b.B/shape", "q8b.B/location", "q8b.B/colour", "q9", "q1"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(cols)
    for n, st in enumerate(rows):
        row = [st.name]
        for i in ids:
            v = st.answers.get(i)
            if isinstance(v, dict):
                # alternate a JSON cell and "field: value" text
                v = json.dumps(v) if n % 2 else ", ".join(f"{a}: {b.strip()}" for a, b in v.items())
            row.append("" if v is None else v)
        b = {k.lower().replace("colour", "color"): x for k, x in (st.answers.get("q8b.B") or {}).items()}
        row += [b.get("shape", ""), b.get("location", ""), b.get("color", "")]
        row += [st.answers.get("q9", ""), json.dumps(st.answers["q1"]) if "q1" in st.answers else ""]
        w.writerow(row)
    p = folder / "class_answers.csv"
    p.write_text(buf.getvalue())
    return files + [p]
