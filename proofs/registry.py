"""The claim registry: one claim per homework question, with the checks that back it.

A claim holds the question's statement, the boxed answer (LaTeX), a canonical short answer,
the proof (Markdown with ``$...$`` mathematics), its checks and its figures.  A check is a
function ``check(ctx) -> (passed, detail)``, or ``check(ctx, claim)`` when it judges the stated
answer, wrapped by :func:`check`, which records its kind and turns any exception into failed
evidence.  A claim is ``verified`` when every check passes.

**The evidence decides the answer.**  A claim whose answer is one of a few ``options`` (Yes / No /
Maybe, smaller / larger, i / ii / iii) lets each check declare the options it ``rejects`` when it
passes (a counterexample rejects "Yes", a proof for all cases rejects "No" and "Maybe", a witness
rejects "No").  :func:`run_claim` adds one ``decision`` evidence: every option but one must be
rejected, the survivor must be ``claim.short``, and the boxed LaTeX must state it.  A claim with a
structured answer (a dict, a list, a formula, code) has checks that read ``claim.short`` and judge
it, and declares the wrong answers they reject in ``alternatives``; ``tests/test_answers.py`` runs
each of them through :func:`run_claim` and expects ``failed``.  A claim whose answer is open text
or a figure says why in ``open_answer``, and the key prints that reason.

A claim about trained encoders states what they measured: its ``measured(ctx)`` returns
``{"answer", "short"}`` (and optionally ``"proof"``), generated from the measurements, and
:func:`resolve` fills them in before the checks run.  A short answer set by hand (for example a
deliberately wrong one) is kept, and the checks judge it.

The answer key (``companion key``) and the test suite (``tests/test_claims.py``) are both
generated from :data:`REGISTRY`, so a wrong answer cannot reach the key without failing CI.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from figures.spec import FigureSpec

from .order import QUESTION_ORDER

#: The kinds of evidence (``../shared/design.md``).
KINDS = ("symbolic", "smt", "exact", "property", "optimization", "experiment", "counterexample", "formal")


class NotRun(Exception):
    """A check that cannot run on this machine (its tool is not installed): its evidence says so
    and is ``skipped``, never a pass; the claim stands on its other evidence."""


@dataclass(frozen=True)
class Evidence:
    """The outcome of one check."""

    kind: str
    passed: bool
    detail: str
    name: str = ""
    seconds: float = 0.0
    #: a verdict of the mathematics; False when the check crashed or could not decide (a solver
    #: out of time): such evidence fails its claim but is never cached, so a rerun recomputes it
    settled: bool = True
    #: the check did not run (:class:`NotRun`): not passed, not settled, and not counted against
    #: the claim, which stands on its other evidence
    skipped: bool = False

    def to_json(self) -> dict:
        return {"kind": self.kind, "passed": bool(self.passed), "detail": self.detail,
                "name": self.name, "seconds": round(self.seconds, 3), "settled": bool(self.settled),
                "skipped": bool(self.skipped)}

    @classmethod
    def from_json(cls, d: dict) -> "Evidence":
        """The inverse of :meth:`to_json` (entries written before ``settled`` existed are settled)."""
        return cls(d["kind"], d["passed"], d["detail"], d["name"], d["seconds"], d.get("settled", True),
                   d.get("skipped", False))


@dataclass(frozen=True)
class Check:
    """A named check of a given kind.  ``fn(ctx)`` returns ``(passed, detail)``."""

    kind: str
    fn: Callable[..., tuple[bool, str]]
    name: str
    judges_answer: bool = False
    #: the options of its claim that this check refutes when it passes
    rejects: tuple = ()

    def run(self, ctx, claim: "Claim | None" = None) -> Evidence:
        t0 = time.perf_counter()
        settled = True
        try:
            passed, detail = self.fn(ctx, claim) if self.judges_answer else self.fn(ctx)
            passed = bool(passed)
        except NotRun as exc:
            return Evidence(self.kind, False, f"not run: {exc}", self.name, time.perf_counter() - t0,
                            settled=False, skipped=True)
        except Exception as exc:  # a crashing check is failed evidence, never a pass, never cached
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
            passed, detail, settled = False, f"check raised {type(exc).__name__}: {exc}{where}", False
        return Evidence(self.kind, passed, str(detail), self.name, time.perf_counter() - t0, settled)


def check(kind: str, name: str | None = None, *, rejects: Iterable = ()):
    """Decorator: make ``fn(ctx) -> (passed, detail)`` a :class:`Check` of ``kind``; when it
    passes, it refutes the options listed in ``rejects``."""
    if kind not in KINDS:
        raise ValueError(f"unknown evidence kind {kind!r}; expected one of {', '.join(KINDS)}")

    def wrap(fn):
        n_args = len([p for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        return Check(kind, fn, name or fn.__name__, judges_answer=n_args >= 2, rejects=tuple(rejects))

    return wrap


@dataclass
class Claim:
    id: str
    title: str
    points: float | None
    statement: str
    answer: str
    proof: str
    checks: tuple[Check, ...]
    short: Any = None
    figures: tuple[FigureSpec, ...] = ()
    measured: Callable[[Any], dict] | None = None
    #: the answers the question allows, when it is a choice; the checks reject all but one
    options: tuple = ()
    #: wrong answers that the checks must reject (a tuple, or a function of the resolved short
    #: answer); for a choice, every option but ``short``
    alternatives: tuple | Callable[[Any], list] = ()
    #: why the answer is not decided by machine (open text, a figure)
    open_answer: str | None = None
    #: ``option -> boxed LaTeX``, for options that are not words
    boxed: dict | None = None
    #: theorems of ``formal/`` (``proofs.formal.Theorem``) that back the claim; each adds its
    #: ``formal`` check, and the key shows its Coq statement
    formal: tuple = ()

    def __post_init__(self):
        self.checks = tuple(self.checks) + tuple(t.check for t in self.formal if t.check not in self.checks)
        if not self.checks:
            raise ValueError(f"claim {self.id!r} has no checks")
        for c in self.checks:
            if not isinstance(c, Check):
                raise TypeError(f"claim {self.id!r}: checks must be made with @check(kind), got {c!r}")
        if bool(self.options or self.alternatives) == bool(self.open_answer):
            raise ValueError(f"claim {self.id!r}: give its options or alternatives (the wrong answers its checks "
                             "reject), or say in open_answer why its answer is not decided by machine")
        unknown = {r for c in self.checks for r in c.rejects} - set(self.options)
        if unknown:
            raise ValueError(f"claim {self.id!r}: checks reject {sorted(unknown)}, which are not among its options")

    def wrong_answers(self) -> list:
        """The declared wrong answers: every option but ``short``, or ``alternatives``."""
        if self.options:
            return [o for o in self.options if o != self.short]
        alts = self.alternatives
        return list(alts(self.short) if callable(alts) else alts)

    @property
    def kinds(self) -> list[str]:
        return sorted({c.kind for c in self.checks}, key=KINDS.index)


@dataclass
class ClaimResult:
    claim: Claim
    evidence: list[Evidence] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    #: the run that produced this result, when it was read back from an earlier key.json
    run: str | None = None

    @property
    def verdict(self) -> str:
        counted = [e for e in self.evidence if not e.skipped]
        return "verified" if counted and all(e.passed for e in counted) else "failed"

    @property
    def skipped(self) -> list[Evidence]:
        """Evidence of checks that could not run here (a tool not installed)."""
        return [e for e in self.evidence if e.skipped]


REGISTRY: dict[str, Claim] = {}


def register(claim: Claim, *, registry: dict[str, Claim] | None = None) -> Claim:
    reg = REGISTRY if registry is None else registry
    if claim.id in reg:
        raise ValueError(f"claim {claim.id!r} is registered twice")
    reg[claim.id] = claim
    return claim


def _order_key(claim_id: str) -> tuple[int, str]:
    try:
        return (QUESTION_ORDER.index(claim_id), claim_id)
    except ValueError:
        return (len(QUESTION_ORDER), claim_id)


def claims(only: Iterable[str] | None = None) -> list[Claim]:
    """Registered claims in the homework's order; ``only`` restricts to given ids."""
    from . import load_all

    load_all()
    if only is None:
        ids = list(REGISTRY)
    else:
        ids = list(dict.fromkeys(only))
        unknown = [i for i in ids if i not in REGISTRY]
        if unknown:
            raise KeyError(
                f"unknown claim id(s) {', '.join(unknown)}; known: {', '.join(sorted(REGISTRY, key=_order_key))}")
    return [REGISTRY[i] for i in sorted(ids, key=_order_key)]


def resolve(claim: Claim, ctx) -> Claim:
    """``claim`` with the answer its measurements give (``claim.measured(ctx)``), where it has
    one and no short answer was set by hand; otherwise ``claim`` itself."""
    if claim.measured is None or claim.short is not None:
        return claim
    got = claim.measured(ctx)
    return dataclasses.replace(claim, answer=got["answer"], short=got["short"], proof=got.get("proof", claim.proof))


def boxed_states(claim: Claim) -> bool:
    """The boxed LaTeX states the short answer (for a choice)."""
    if claim.boxed is not None:
        return claim.answer.startswith(claim.boxed.get(claim.short, "\0"))
    return claim.answer.startswith("\\text{" + str(claim.short))


def decision(claim: Claim, evidence: list[Evidence]) -> Evidence:
    """The ``decision`` evidence of a choice: the options the passing checks reject, the one
    left, and whether it is the stated answer (and the boxed LaTeX states it)."""
    by = {}
    for c, e in zip(claim.checks, evidence):
        for r in c.rejects:
            if e.passed:
                by.setdefault(r, c.name)
    left = [o for o in claim.options if o not in by]
    rejected = "; ".join(f"{o!r} by '{by[o]}'" for o in claim.options if o in by) or "nothing"
    ok = left == [claim.short] and boxed_states(claim)
    detail = f"the evidence rejects {rejected}; left: {left}; stated: {claim.short!r}"
    if left == [claim.short] and not boxed_states(claim):
        detail += "; the boxed answer does not state it"
    return Evidence("exact", ok, detail, "decision: the evidence decides the answer")


#: Evidence of checks that do not read the stated answer, per check and context: the same
#: claim run with another short answer (``tests/test_answers.py``) reuses it.
_MEMO: dict = {}


def _memo_key(c: Check, ctx) -> tuple:
    from .context import code_fingerprint

    return (c, getattr(ctx, "profile", None), getattr(ctx, "seed", None), str(getattr(ctx, "out_dir", "")),
            getattr(ctx, "data_sha256", None), code_fingerprint())


def run_check(c: Check, ctx, claim: Claim) -> Evidence:
    if c.judges_answer or getattr(ctx, "force", False):
        return c.run(ctx, claim)
    key = _memo_key(c, ctx)
    if key in _MEMO:
        return _MEMO[key]
    evidence = c.run(ctx, claim)
    if evidence.settled:
        _MEMO[key] = evidence
    return evidence


def run_claim(claim: Claim, ctx, *, progress: Callable[[str], None] | None = None) -> ClaimResult:
    """Resolve ``claim`` (:func:`resolve`) and run its checks, then, for a choice, decide the
    answer from them (:func:`decision`); a measurement that cannot be made is failed evidence."""
    try:
        claim = resolve(claim, ctx)
    except Exception as exc:
        why = f"the answer could not be measured: {type(exc).__name__}: {exc}"
        return ClaimResult(claim, [Evidence(c.kind, False, why, c.name, settled=False) for c in claim.checks])
    result = ClaimResult(claim)
    for c in claim.checks:
        if progress:
            progress(f"{claim.id}: {c.name}")
        result.evidence.append(run_check(c, ctx, claim))
    if claim.options:
        result.evidence.append(decision(claim, result.evidence))
    return result
