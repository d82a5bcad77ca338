"""Helpers that turn a derivation, an SMT query or a hypothesis property into evidence.

Each returns ``(passed, detail)`` so that it can be the body of an ``@check(kind)`` function.
"""

from __future__ import annotations

from typing import Callable, Iterable


def derivations_hold(*derivations) -> tuple[bool, str]:
    """Every step of every derivation is checked by sympy."""
    details, ok = [], bool(derivations)
    for d in derivations:
        results = d.check()
        ok &= all(r.ok for r in results)
        details.append(d.summary(results))
    return ok, "; ".join(details)


#: z3's budget, in its own deterministic resource units ("rlimit"): the slowest proof here (q2,
#: unit vectors in d = 3) takes 9.6 million units (15 s on this CPU).  A budget counted in units,
#: not seconds, decides the same way on a busy machine as on an idle one (a 20 s wall-clock
#: timeout left that proof undecided beside a training run).  The wall-clock limit only stops a
#: runaway solver.
Z3_RLIMIT = 50_000_000
Z3_WALL_TIMEOUT_MS = 600_000


class Undecided(Exception):
    """A solver stopped without a verdict (out of time or resources): not a fact about the
    mathematics, so the evidence that carries it is not cached."""


def z3_proves(claim, name: str, *, rlimit: int = Z3_RLIMIT, timeout_ms: int = Z3_WALL_TIMEOUT_MS) -> tuple[bool, str]:
    """Prove a z3 formula valid by showing its negation unsatisfiable within ``rlimit`` resource
    units (deterministic) and ``timeout_ms`` of wall-clock time (a backstop).

    z3 catches Ctrl-C itself and answers "unknown" (reason "canceled"): that is raised again as
    ``KeyboardInterrupt``, so an interrupt ends the run instead of becoming a failed check.  Any
    other "unknown" raises :class:`Undecided`."""
    import z3

    s = z3.Solver()
    s.set("rlimit", int(rlimit))
    s.set("timeout", int(timeout_ms))
    s.add(z3.Not(claim))
    r = s.check()
    if r == z3.unsat:
        return True, f"z3: {name} is valid (negation unsat)"
    if r == z3.sat:
        return False, f"z3: {name} has a counterexample: {s.model()}"
    reason = s.reason_unknown()
    if "cancel" in reason or "interrupt" in reason:
        raise KeyboardInterrupt(f"z3 was interrupted while proving {name}")
    raise Undecided(f"z3: {name} undecided ({reason})")


def hypothesis_holds(prop: Callable, strategies: Iterable, *, max_examples: int = 300,
                     name: str = "property", seed: int = 0) -> tuple[bool, str]:
    """Run ``prop`` under hypothesis with the given strategies (positional).

    ``prop`` asserts; a falsifying example becomes failed evidence with the example.
    Derandomized by ``seed``, so the evidence is reproducible.
    """
    try:
        from hypothesis import HealthCheck, given, settings
        from hypothesis import seed as hseed
    except ImportError:  # hypothesis comes with the [test] extra
        return False, "hypothesis is not installed (pip install 'contrastive-companion[test]')"
    counter = {"n": 0}

    from hypothesis import strategies as st

    def counted(args):
        counter["n"] += 1
        prop(*args)

    test = settings(max_examples=max_examples, deadline=None, database=None, derandomize=False,
                    suppress_health_check=list(HealthCheck))(given(st.tuples(*strategies))(counted))
    test = hseed(seed)(test)
    try:
        test()
    except Exception as exc:  # hypothesis re-raises the failing assertion with the example
        return False, f"{name}: falsified: {type(exc).__name__}: {str(exc)[:400]}"
    return True, f"{name}: held on {counter['n']} hypothesis examples"


def run_stated_code(code: str, names: dict) -> dict:
    """Execute a stated code answer (a few Python statements) with ``names`` bound and no
    builtins; return the names it defined.  Raises what the code raises."""
    if not isinstance(code, str):
        raise TypeError(f"the stated code is {type(code).__name__}, not text")
    namespace = dict(names)
    exec(compile(code, "<stated answer>", "exec"), {"__builtins__": {}}, namespace)  # noqa: S102 - it is the answer under test
    return namespace


def code_tex(code: str) -> str:
    """A stated code answer as boxed LaTeX (``\\texttt``)."""
    out = code
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("#", r"\#"), ("%", r"\%"), ("&", r"\&"),
                 ("{", r"\{"), ("}", r"\}"), ("; ", r";\ ")):
        out = out.replace(a, b)
    return r"\texttt{" + out + "}"
