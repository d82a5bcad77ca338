"""What the key lets us grade by machine: the gradable items of a ``key.json``.

An **item** is one claim of the key.  It is split into **leaves**, the parts scored one by
one: a choice claim (one with ``options``) is a single leaf named ``""``; a claim whose short
answer is a mapping of fields to choices (``q8b.B``) has one leaf per field, named by its path
(``shape``, or ``train/shape`` in a nested mapping).  An item's points are shared equally among
its leaves, so a mapping gets partial credit per field.

A leaf's **options** are the answers it can take: the claim's declared ``options``, or for a
field every value it takes in the key's answer and in the claim's declared wrong answers.  A
field is a choice only when all of these are single words (``invariant``, ``sensitive``); a
field holding a formula or text (``N-1``, ``[-1, 1]``, ``log(N)``) makes its claim not gradable
here, and so does an open answer, code, an answer measured from the key's own training run (a
student's depends on their own run), and the explicit cases of :data:`NOT_GRADED`.

The expected answer is the key's (``key.json``'s ``short``), not the registry's: a key built
from other measurements is graded against as it stands.  A claim whose key verdict is not
``verified`` is never graded against.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Claims that look gradable but must not be graded against the key, with why.
NOT_GRADED = {
    "q4a": ("the key answers Q4a for four illustrative configurations, not the homework's own plots "
            "(which our copy lacks); decide a student's configuration with `companion accuracy FILE`"),
}

#: The code answers, graded by ``companion grade code`` (``properties.QUESTIONS``).
CODE_IDS = ("q7b", "q8a")
_WORD = re.compile(r"^[A-Za-z]+$")


@dataclass(frozen=True)
class Leaf:
    """One scored part of an item: ``path`` ("" for a whole choice), the key's ``expected``
    answer and the ``options`` it can take."""

    path: str
    expected: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    """A gradable claim: its id, title, points, leaves and the key's entry (for reasons)."""

    id: str
    title: str
    points: float
    leaves: tuple[Leaf, ...]
    entry: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return len(self.leaves) == 1 and self.leaves[0].path == ""

    @property
    def leaf_points(self) -> float:
        return self.points / len(self.leaves)


@dataclass
class GradableKey:
    """The gradable items of a key, in the homework's order, and why each other claim is not."""

    path: Path
    items: dict[str, Item]
    not_gradable: dict[str, str]

    @property
    def max_points(self) -> float:
        return sum(i.points for i in self.items.values())

    def describe(self) -> str:
        """One line: which ids are gradable."""
        return (f"gradable ({len(self.items)} items, {self.max_points:g} points): "
                + ", ".join(self.items))


def flatten(value, prefix: str = "") -> dict[str, object]:
    """A nested mapping as ``{"a/b": leaf}`` (lists by 1-based position); a scalar as ``{"": v}``."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}/{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value, start=1):
            out.update(flatten(v, f"{prefix}/{i}" if prefix else str(i)))
        return out
    return {prefix: value}


def read_key(path: Path) -> dict:
    """``key.json`` as a dict, with one-line errors for a missing or malformed file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"--key {path}: no such file; build the key first (companion key)")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"--key {path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except OSError as exc:
        raise ValueError(f"--key {path}: cannot read it: {exc.strerror or exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("claims"), dict):
        raise ValueError(f"--key {path}: not a key.json (no 'claims' mapping)")  # noqa: TRY004 - input error
    return data


def _why_not(claim, entry: dict | None) -> str | None:
    """Why ``claim`` is not gradable by choice, or None when it may be."""
    if claim.id in NOT_GRADED:
        return NOT_GRADED[claim.id]
    if claim.open_answer:
        return f"open answer ({claim.open_answer})"
    if claim.measured is not None:
        return ("the key's answer is measured on its own trained encoders; a student's answer depends on "
                "their own training run")
    if entry is None:
        return "not in key.json (build the key with this claim)"
    if entry.get("verdict") != "verified":
        return f"the key's claim is not verified (verdict {entry.get('verdict')!r}); it is not graded against"
    return None


def _leaves(claim, short) -> tuple[tuple[Leaf, ...] | None, str | None]:
    """The leaves of a claim with the key's ``short``, or why it has none."""
    if claim.options:
        if short not in claim.options:
            return None, f"the key's answer {short!r} is not one of the claim's options {list(claim.options)}"
        return (Leaf("", short, tuple(claim.options)),), None
    if not isinstance(short, dict):
        if claim.id in CODE_IDS:
            return None, "its answer is code: `companion grade code` grades it"
        return None, "its answer is a formula or text, not a choice"
    answers = [claim.short] + list(claim.wrong_answers())
    seen: dict[str, list[str]] = {}
    for a in [short] + [a for a in answers if isinstance(a, dict)]:
        for path, v in flatten(a).items():
            seen.setdefault(path, [])
            if v not in seen[path]:
                seen[path].append(v)
    expected = flatten(short)
    bad = sorted(p for p, vals in seen.items() if not all(isinstance(v, str) and _WORD.match(v) for v in vals))
    if bad:
        return None, f"its fields {', '.join(bad)} hold formulas or text, not choices"
    return tuple(Leaf(p, expected[p], tuple(sorted(seen[p]))) for p in expected), None


def gradable(key: dict, path: Path | str = "key.json") -> GradableKey:
    """The gradable items of ``key`` (a parsed ``key.json``) against the claim registry."""
    from proofs import claims

    items, why = {}, {}
    stored = key["claims"]
    for claim in claims():
        entry = stored.get(claim.id)
        reason = _why_not(claim, entry)
        if reason is None:
            leaves, reason = _leaves(claim, entry.get("short"))
        if reason is not None:
            why[claim.id] = reason
            continue
        points = entry.get("points", claim.points)
        if not isinstance(points, (int, float)) or points <= 0:
            why[claim.id] = f"it carries no points in the key ({points!r})"
            continue
        items[claim.id] = Item(claim.id, claim.title, float(points), leaves, entry)
    return GradableKey(Path(path), items, why)


def load(path: Path | str) -> GradableKey:
    """:func:`gradable` of the key at ``path``."""
    return gradable(read_key(Path(path)), path)
