"""Helpers that turn a derivation, an SMT query or a hypothesis property into evidence.

Each returns ``(passed, detail)`` so that it can be the body of an ``@check(kind)`` function.
"""

from __future__ import annotations

from typing import Callable, Iterable


def derivations_hold(*derivations) -> tuple[bool, str]:
    """Every step of every derivation is checked by sympy."""
    details, ok = [], True
    for d in derivations:
        results = d.check()
        ok &= all(r.ok for r in results)
        details.append(d.summary(results))
    return ok, "; ".join(details)


def z3_proves(claim, name: str, *, timeout_ms: int = 20000) -> tuple[bool, str]:
    """Prove a z3 formula valid by showing its negation unsatisfiable."""
    import z3

    s = z3.Solver()
    s.set("timeout", timeout_ms)
    s.add(z3.Not(claim))
    r = s.check()
    if r == z3.unsat:
        return True, f"z3: {name} is valid (negation unsat)"
    if r == z3.sat:
        return False, f"z3: {name} has a counterexample: {s.model()}"
    return False, f"z3: {name} undecided ({s.reason_unknown()})"


def hypothesis_holds(prop: Callable, strategies: Iterable, *, max_examples: int = 300,
                     name: str = "property", seed: int = 0) -> tuple[bool, str]:
    """Run ``prop`` under hypothesis with the given strategies (positional).

    ``prop`` asserts; a falsifying example becomes failed evidence with the example.
    Derandomized by ``seed``, so the evidence is reproducible.
    """
    try:
        from hypothesis import HealthCheck, given, seed as hseed, settings
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
