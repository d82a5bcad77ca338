"""One claim per homework question.  Importing a ``proofs.q*`` module registers its claims."""

import importlib
import pkgutil

from .registry import (
    KINDS,
    REGISTRY,
    Check,
    Claim,
    ClaimResult,
    Evidence,
    FigureSpec,
    check,
    claims,
    register,
    run_claim,
)

_LOADED = False


def load_all() -> None:
    """Import every claim module (``proofs/q*.py``) once, registering its claims."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if mod.startswith("q"):
            importlib.import_module(f"{__name__}.{mod}")


__all__ = ["KINDS", "REGISTRY", "Check", "Claim", "ClaimResult", "Evidence", "FigureSpec",
           "check", "claims", "register", "run_claim", "load_all"]
