"""The one line a wrong answer gets, from the key's own evidence.

- A **choice** (``q7a.iv``): the check of the claim that rejects the student's option
  (``Check.rejects``), named as the key names it, provided that check passed in ``key.json``.
  This is what the key's ``decision`` evidence lists ("the evidence rejects 'Yes' by ...").
- A **field** (``q8b.B``'s colour): the proof's own argument for that field (the bullet that
  ends in "**invariant to colour**", by its lead sentence), then what the key measured for it
  (the segment of a passed evidence that reads "colour: ... -> invariant").

When neither is found, the reason says what the key's answer is and where it comes from.
"""

from __future__ import annotations

import re

from .key import Item, Leaf

#: The words a field may be written with in the key's prose.
FIELD_WORDS = {"color": ("colour", "color")}


def _words(path: str) -> tuple[str, ...]:
    last = path.rsplit("/", 1)[-1]
    return FIELD_WORDS.get(last, (last,))


def _plain(text: str) -> str:
    """Markdown and ``$...$`` markers removed, whitespace collapsed."""
    text = re.sub(r"\$([^$]*)\$", r"\1", text)
    text = text.replace("**", "").replace("*", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def _passed(item: Item) -> list[dict]:
    return [e for e in item.entry.get("evidence", []) if isinstance(e, dict) and e.get("passed")]


def choice_reason(item: Item, claim, given: str) -> str:
    """Why ``given`` is not the answer of choice item ``item``."""
    passed = {e.get("name"): e for e in _passed(item)}
    for c in claim.checks:
        if given in c.rejects and c.name in passed:
            return f"the key's {c.kind} evidence rejects {given!r}: {c.name}"
    return _fallback(item, item.leaves[0])


def _proof_line(claim, leaf: Leaf) -> str | None:
    for line in (claim.proof or "").splitlines():
        if not line.lstrip().startswith("- "):
            continue
        if any(f"**{leaf.expected} to {w}**" in line for w in _words(leaf.path)):
            lead = re.match(r"\s*-\s*\*([^*]+)\*", line)
            return _plain(lead.group(1) if lead else line[2:]).rstrip(".")
    return None


def _measured(item: Item, leaf: Leaf) -> str | None:
    words = "|".join(map(re.escape, _words(leaf.path)))
    pattern = re.compile(rf"(?<![A-Za-z])(?:{words})\b[^;]*?->\s*{re.escape(leaf.expected)}\b")
    for e in _passed(item):
        detail = str(e.get("detail", ""))
        m = pattern.search(detail)
        if m:
            rule = re.search(r"Rule: (.*?)(?:\.\s|\.$|$)", detail)
            return m.group(0) + (f" (rule: {rule.group(1)})" if rule else "")
    return None


def field_reason(item: Item, claim, leaf: Leaf, given: str | None = None) -> str:
    """Why field ``leaf`` of ``item`` is ``leaf.expected`` (and so not ``given``)."""
    theory, measured = _proof_line(claim, leaf), _measured(item, leaf)
    if theory:
        theory = f"{theory}, so the encoder is {leaf.expected} to {_words(leaf.path)[0]}"
    if theory and measured:
        return f"{theory}; the key measured {measured}"
    if theory or measured:
        return theory or f"the key measured {measured}"
    return _fallback(item, leaf)


def _fallback(item: Item, leaf: Leaf) -> str:
    where = f" for {leaf.path}" if leaf.path else ""
    return f"the key's answer{where} is {leaf.expected!r} ({item.title}; see its proof in the key)"


def reason(item: Item, claim, leaf: Leaf, given: str | None) -> str:
    """The one-line reason for a wrong ``given`` at ``leaf`` of ``item``."""
    if item.is_choice and given is not None:
        return choice_reason(item, claim, given)
    if item.is_choice:
        return _fallback(item, leaf)
    return field_reason(item, claim, leaf, given)
