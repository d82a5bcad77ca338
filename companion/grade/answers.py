"""Reading students' short answers and scoring them against the gradable key.

**Input.**  One file per student, JSON or YAML, named after the student (the file's stem), e.g.
``alice.json``::

    {"q4c": "ii", "q7a.iv": "Maybe",
     "q8b.B": {"shape": "sensitive", "location": "invariant", "color": "sensitive"}}

or one CSV with a row per student, a ``student`` column, and a column per id.  A field may also
be its own key or column, ``q8b.B/shape``; a cell may hold a mapping as JSON
(``{"shape": "sensitive", ...}``) or as ``shape: sensitive, location: invariant, ...``.  Ids are
read without regard to case; a ``student`` key inside a JSON or YAML file is ignored.

**Scoring.**  Each leaf of an item (:mod:`.key`) scores its share of the item's points when its
choice (:mod:`.normalize`) is the key's, and 0 when it is another option, with the key's reason
(:mod:`.reasons`).  A leaf that is **missing** (not answered) or **unreadable** (not one of the
options) scores nothing and is reported: its item's score is ``None`` when no leaf of it was
read, and the student's result lists it under ``needs_review``.  Unknown ids and ids that are
not gradable here are reported too, never scored.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .key import GradableKey, Item, flatten
from .normalize import as_text, canonical, field_name, option_table
from .reasons import reason

SUFFIXES = (".json", ".yaml", ".yml", ".csv")
#: Keys of a submission that are metadata, not answers.
META_KEYS = ("student",)


@dataclass
class LeafResult:
    """One scored part of an item; ``status`` is correct, wrong, missing or unreadable."""

    item: str
    path: str
    expected: str
    given: object
    status: str
    points: float
    possible: float
    reason: str = ""


@dataclass
class StudentResult:
    """A student's scored answers: ``leaves`` in the key's order, and ``messages`` about the input."""

    name: str
    source: str
    leaves: list[LeafResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    submitted: bool = True

    def item_leaves(self, item_id: str) -> list[LeafResult]:
        return [lr for lr in self.leaves if lr.item == item_id]

    def item_score(self, item_id: str) -> float | None:
        """The item's points, or None when none of its leaves could be read (missing or unreadable)."""
        read = [lr for lr in self.item_leaves(item_id) if lr.status in ("correct", "wrong")]
        return sum(lr.points for lr in read) if read else None

    def item_status(self, item_id: str) -> str:
        """``full``, ``partial``, ``zero``, ``missing`` or ``unreadable``; ``incomplete`` when
        some leaves were read and others were not."""
        leaves = self.item_leaves(item_id)
        statuses = {lr.status for lr in leaves}
        if statuses <= {"missing"}:
            return "missing"
        if statuses <= {"missing", "unreadable"}:
            return "unreadable"
        if statuses & {"missing", "unreadable"}:
            return "incomplete"
        got = sum(lr.points for lr in leaves)
        full = sum(lr.possible for lr in leaves)
        return "full" if abs(got - full) < 1e-12 else ("zero" if got == 0 else "partial")

    @property
    def scores(self) -> dict[str, float | None]:
        return {i: self.item_score(i) for i in dict.fromkeys(lr.item for lr in self.leaves)}

    @property
    def total(self) -> float | None:
        if not self.submitted:
            return None
        return sum(s for s in self.scores.values() if s is not None)

    @property
    def needs_review(self) -> list[str]:
        return [i for i in self.scores if self.item_status(i) in ("missing", "unreadable", "incomplete")]


# ---------------------------------------------------------------------------
# reading submissions
# ---------------------------------------------------------------------------

def _load_yaml(text: str, where: str):
    try:
        import yaml
    except ImportError:
        raise ValueError(f"{where}: reading YAML needs PyYAML (pip install 'contrastive-companion[grade]')") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{where}: not valid YAML{at}") from None


def _mapping(data, where: str) -> dict:
    if not isinstance(data, dict):
        raise ValueError(  # noqa: TRY004 - a malformed answer file is an input error: one line, exit 2
            f"{where}: expected a mapping of question ids to answers, got {type(data).__name__}")
    return {str(k): v for k, v in data.items()}


def _cell(text: str):
    """A CSV cell: empty is None, ``{...}`` is JSON, anything else is text."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def read_csv(path: Path) -> list[tuple[str, str, dict]]:
    """``(student, source, answers)`` per row of a class CSV."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    cols = {(c or "").strip().casefold(): c for c in (reader.fieldnames or [])}
    if "student" not in cols:
        raise ValueError(f"{where}: no 'student' column (columns: {', '.join(reader.fieldnames or []) or 'none'})")
    rows = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise ValueError(f"{where}, line {n}: more cells than columns")
        name = (row.get(cols["student"]) or "").strip()
        if not name:
            if any((v or "").strip() for v in row.values()):
                raise ValueError(f"{where}, line {n}: a row with answers but no student name")
            continue
        answers = {c.strip(): _cell(v or "") for c, v in row.items() if c != cols["student"]}
        rows.append((name, f"{where}, line {n}", {k: v for k, v in answers.items() if v is not None}))
    return rows


def read_file(path: Path) -> list[tuple[str, str, dict]]:
    """The submissions in one file: one for JSON/YAML (named by the stem), one per row for CSV."""
    path = Path(path)
    where = str(path)
    if not path.exists():
        raise FileNotFoundError(f"{where}: no such file")
    if path.is_dir():
        raise ValueError(f"{where}: is a folder, not a file of answers")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{where}: unknown format {suffix or '(no suffix)'}; expected {', '.join(SUFFIXES)}")
    if suffix == ".csv":
        return read_csv(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not UTF-8 text") from None
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    else:
        data = _load_yaml(text, where)
    data = _mapping(data, where)
    return [(path.stem, where, {k: v for k, v in data.items() if k.casefold() not in META_KEYS})]


def read_submissions(paths) -> list[tuple[str, str, dict]]:
    """Every submission in ``paths``, in order; a student named twice is an error."""
    if not paths:
        raise ValueError("no answer files given")
    out, seen = [], {}
    for p in paths:
        for name, source, answers in read_file(Path(p)):
            if name in seen:
                raise ValueError(f"student {name!r} appears twice: {seen[name]} and {source}")
            seen[name] = source
            out.append((name, source, answers))
    return out


# ---------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------

_PAIR = re.compile(r"^\s*([^:=]+?)\s*[:=]\s*(.+?)\s*$")


def _fields_of(raw) -> dict | None:
    """A field item's answer as a mapping: a dict, or ``"shape: sensitive, color: invariant"``."""
    if isinstance(raw, dict):
        return raw
    text = as_text(raw)
    if text is None or ":" not in text and "=" not in text:
        return None
    out = {}
    for part in re.split(r"[,;\n]", text):
        if not part.strip():
            continue
        m = _PAIR.match(part)
        if not m:
            return None
        out[m.group(1)] = m.group(2)
    return out


def _group(answers: dict, key: GradableKey, messages: list[str]) -> dict[str, object]:
    """The student's answers by item id (case-insensitive ids; ``ID/FIELD`` keys merged)."""
    from proofs import REGISTRY, load_all

    load_all()
    known = {i.casefold(): i for i in REGISTRY}
    grouped: dict[str, object] = {}
    for raw_key, value in answers.items():
        head, _, rest = str(raw_key).strip().partition("/")
        item_id = known.get(head.casefold())
        if item_id is None:
            messages.append(f"unknown id {raw_key!r} (not a question of the key); not scored")
            continue
        if item_id not in key.items:
            messages.append(f"{item_id}: not graded by this command: {key.not_gradable.get(item_id, 'not gradable')}")
            continue
        if rest:
            current = grouped.setdefault(item_id, {})
            if not isinstance(current, dict):
                messages.append(f"{item_id}: answered both whole and field by field ({raw_key!r}); the fields are used")
                current = grouped[item_id] = {}
            current[rest] = value
        elif item_id in grouped and isinstance(grouped[item_id], dict) and not key.items[item_id].is_choice:
            messages.append(f"{item_id}: answered both whole and field by field; the fields are used")
        else:
            grouped[item_id] = value
    return grouped


def _score_choice(item: Item, claim, raw, messages: list[str]) -> list[LeafResult]:
    leaf = item.leaves[0]
    if raw is None:
        messages.append(f"{item.id}: not answered")
        return [LeafResult(item.id, "", leaf.expected, None, "missing", 0.0, item.points)]
    text = as_text(raw)
    given = option_table(leaf.options).get(canonical(text)) if text is not None else None
    if given is None:
        messages.append(f"{item.id}: cannot read {raw!r}: not one of {' / '.join(leaf.options)}")
        return [LeafResult(item.id, "", leaf.expected, raw, "unreadable", 0.0, item.points)]
    if given == leaf.expected:
        return [LeafResult(item.id, "", leaf.expected, given, "correct", item.points, item.points)]
    return [LeafResult(item.id, "", leaf.expected, given, "wrong", 0.0, item.points,
                       reason(item, claim, leaf, given))]


def _score_fields(item: Item, claim, raw, messages: list[str]) -> list[LeafResult]:
    share = item.leaf_points
    fields = _fields_of(raw) if raw is not None else {}
    if fields is None:
        messages.append(f"{item.id}: cannot read {raw!r}: expected the fields "
                        f"{', '.join(lf.path for lf in item.leaves)}")
        return [LeafResult(item.id, lf.path, lf.expected, None, "unreadable", 0.0, share) for lf in item.leaves]
    by_name = {"/".join(field_name(s) for s in lf.path.split("/")): lf for lf in item.leaves}
    given_by_path: dict[str, object] = {}
    for path, v in flatten(fields).items():
        norm = "/".join(field_name(s) for s in path.split("/"))
        if norm not in by_name:
            names = ", ".join(lf.path for lf in item.leaves)
            messages.append(f"{item.id}: unknown field {path!r} (fields: {names}); not scored")
            continue
        given_by_path[by_name[norm].path] = v
    out = []
    for lf in item.leaves:
        where = f"{item.id} {lf.path}"
        if lf.path not in given_by_path or given_by_path[lf.path] is None:
            if raw is not None:
                messages.append(f"{where}: not answered")
            out.append(LeafResult(item.id, lf.path, lf.expected, None, "missing", 0.0, share))
            continue
        v = given_by_path[lf.path]
        text = as_text(v)
        given = option_table(lf.options).get(canonical(text)) if text is not None else None
        if given is None:
            messages.append(f"{where}: cannot read {v!r}: not one of {' / '.join(lf.options)}")
            out.append(LeafResult(item.id, lf.path, lf.expected, v, "unreadable", 0.0, share))
        elif given == lf.expected:
            out.append(LeafResult(item.id, lf.path, lf.expected, given, "correct", share, share))
        else:
            out.append(LeafResult(item.id, lf.path, lf.expected, given, "wrong", 0.0, share,
                                  reason(item, claim, lf, given)))
    if raw is None:
        messages.append(f"{item.id}: not answered")
    return out


def grade_student(name: str, source: str, answers: dict, key: GradableKey) -> StudentResult:
    """Score one student's ``answers`` (a mapping of ids to answers) against ``key``."""
    from proofs import REGISTRY

    result = StudentResult(name, source)
    grouped = _group(answers, key, result.messages)
    for item_id, item in key.items.items():
        claim = REGISTRY[item_id]
        raw = grouped.get(item_id)
        if item.is_choice:
            result.leaves += _score_choice(item, claim, raw, result.messages)
        else:
            result.leaves += _score_fields(item, claim, raw, result.messages)
    return result


def missing_student(name: str, key: GradableKey) -> StudentResult:
    """A student of the roster with no submission: nothing scored, and said so."""
    result = StudentResult(name, "(no submission)", submitted=False)
    result.messages.append("no submission: on the roster but in none of the answer files")
    for item_id, item in key.items.items():
        for lf in item.leaves:
            result.leaves.append(LeafResult(item_id, lf.path, lf.expected, None, "missing", 0.0, item.leaf_points))
    return result


def grade_all(paths, key: GradableKey, roster: list[str] | None = None) -> list[StudentResult]:
    """Every submission in ``paths`` graded, then (with a roster) its students without one."""
    results = [grade_student(n, s, a, key) for n, s, a in read_submissions(paths)]
    if roster is not None:
        names = {r.name for r in results}
        for r in results:
            if r.name not in roster:
                r.messages.append("not on the roster")
        results += [missing_student(n, key) for n in roster if n not in names]
    return results


def read_roster(path: Path) -> list[str]:
    """Student names, one a line (blank lines and ``#`` comments skipped)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"--roster {path}: no such file")
    names = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    names = [n for n in names if n and not n.startswith("#")]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"--roster {path}: names listed twice: {', '.join(dup)}")
    return names
