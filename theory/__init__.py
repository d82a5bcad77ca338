"""Symbolic derivations (sympy only: this package imports neither numpy nor torch)."""

from .derivation import Derivation, Step, StepResult, equivalent, normalize

__all__ = ["Derivation", "Step", "StepResult", "equivalent", "normalize"]
