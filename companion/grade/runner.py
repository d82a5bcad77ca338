"""One code submission, graded inside a child process (``python -m companion.grade.runner``).

:mod:`.sandbox` starts this module with a time limit and an output cap; it loads the
submission, runs the cases of :mod:`.properties` against the project's verified references and
writes the result as JSON to the path it was given.  Whatever the submission does (raise, loop,
print, exit), the parent reads an outcome.

A submission comes in one of two **forms**:

- **function form**: a Python file that defines ``reconstruction_loss(reconstruction, x)``
  (Q7b) and/or ``contrastive_loss(z, z_pos, tau)`` (Q8a); each one it defines is graded;
- **snippet form**: the lines a student writes at the notebook's ``FIXME``, statements that
  assign ``loss``, as the key states its own answers (``proofs.q7.Q7B_SHORT``,
  ``proofs.q8.Q8A_SHORT``).  Q7b's snippet sees ``x``, ``encoder``, ``decoder`` (where
  ``decoder(encoder(x))`` is the reconstruction), ``reconstruction``, ``torch``, ``F`` and
  ``nn``; Q8a's sees the names of the key's own check (``proofs.q8._q8a_names``: ``z``,
  ``z_pos``, ``tau``, ``b``, ``torch``, ``F``, ``cross_entropy``, ``arange``, ``zeros``,
  ``zeros_like``) and ``nn``, ``x``, ``x_pos`` and ``encoder`` (``encoder(x)`` is ``z``,
  ``encoder(x_pos)`` is ``z_pos``).  Which question a snippet answers is read from the names
  it uses, or given with ``--question``.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import sys
from pathlib import Path

from .properties import FUNCTIONS, QUESTIONS

#: Names that mark a snippet as one question's.
SNIPPET_HINTS = {"q7b": {"decoder", "reconstruction"}, "q8a": {"z_pos", "tau", "x_pos", "logits"}}


class SubmissionError(Exception):
    """The submission cannot be graded as it stands (the message says why)."""


def references() -> dict:
    """The verified references: Eq. (12) and Eq. (14) as the key trains with them."""
    from numerics.losses import info_nce
    from numerics.shapes.train import reconstruction_loss

    return {"q7b": reconstruction_loss, "q8a": info_nce}


def _defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names.add(node.target.id)
    return names


def _used(tree: ast.Module) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def snippet_question(tree: ast.Module, question: str | None) -> str:
    """Which question a snippet answers: ``question``, or the one whose names it uses."""
    if question:
        return question
    used = _used(tree)
    hits = [q for q in QUESTIONS if SNIPPET_HINTS[q] & used]
    if len(hits) != 1:
        raise SubmissionError("a snippet that assigns `loss`, but which question it answers cannot be told from "
                              f"its names ({', '.join(sorted(used)) or 'none'}); give --question q7b or q8a")
    return hits[0]


def _q7b_wrapper(code):
    import torch
    import torch.nn.functional as F
    from torch import nn

    def reconstruction_loss(reconstruction, x):
        token = object()

        def encoder(t):
            if t is not x:
                raise ValueError("encoder called on something other than the batch x")
            return token

        def decoder(z):
            if z is not token:
                raise ValueError("decoder called on something other than encoder(x)")
            return reconstruction

        names = {"__builtins__": builtins, "x": x, "encoder": encoder, "decoder": decoder,
                 "reconstruction": reconstruction, "torch": torch, "F": F, "nn": nn}
        exec(code, names)  # noqa: S102 - the submission under test, in its own process
        if "loss" not in names:
            raise NameError("the snippet does not assign `loss`")
        return names["loss"]

    return reconstruction_loss


def _q8a_wrapper(code):
    from torch import nn

    from proofs.q8 import _q8a_names

    def contrastive_loss(z, z_pos, tau):
        def encoder(t):
            if t is x:
                return z
            if t is x_pos:
                return z_pos
            raise ValueError("encoder called on something other than x or x_pos")

        x, x_pos = object(), object()
        names = {"__builtins__": builtins, **_q8a_names(z, z_pos, tau), "nn": nn, "x": x, "x_pos": x_pos,
                 "encoder": encoder}
        exec(code, names)  # noqa: S102 - the submission under test, in its own process
        if "loss" not in names:
            raise NameError("the snippet does not assign `loss`")
        return names["loss"]

    return contrastive_loss


def _parse(path: Path) -> ast.Module:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise SubmissionError(f"not valid Python: {exc.msg} (line {exc.lineno})") from None


def _answers(tree: ast.Module, question: str | None) -> tuple[str, list[str]]:
    """``(form, questions)`` of a parsed submission."""
    defined = _defined(tree)
    wanted = [q for q in QUESTIONS if FUNCTIONS[q] in defined and question in (None, q)]
    if wanted:
        return "function", wanted
    if "loss" in defined:
        return "snippet", [snippet_question(tree, question)]
    want = " nor ".join(f"`{FUNCTIONS[q]}`" for q in QUESTIONS if question in (None, q))
    raise SubmissionError(f"defines neither {want}, nor a snippet that assigns `loss`")


def questions_of(path: Path, question: str | None = None) -> list[str]:
    """The questions a submission answers, read without running it (its functions, or its
    snippet's names); raises :class:`SubmissionError` when it answers none."""
    return _answers(_parse(path), question)[1]


def load(path: Path, question: str | None = None) -> tuple[str, dict]:
    """``(form, {question: function})`` of the submission at ``path``."""
    tree = _parse(path)
    form, wanted = _answers(tree, question)
    code = compile(tree, str(path), "exec")
    if form == "snippet":
        q = wanted[0]
        return form, {q: _q7b_wrapper(code) if q == "q7b" else _q8a_wrapper(code)}
    namespace = {"__name__": "submission", "__file__": str(path), "__builtins__": builtins}
    try:
        exec(code, namespace)  # noqa: S102 - the submission under test, in its own process
    except BaseException as exc:  # noqa: BLE001 - SystemExit included: a submission may not stop the grader
        raise SubmissionError(f"running the file raised {type(exc).__name__}: {str(exc)[:300]}") from None
    fns = {q: namespace.get(FUNCTIONS[q]) for q in wanted}
    bad = [FUNCTIONS[q] for q, f in fns.items() if not callable(f)]
    if bad:
        raise SubmissionError(f"{', '.join(bad)} is not a function after running the file")
    return form, fns


def grade_file(path: Path, question: str | None = None) -> dict:
    """The result that the parent reads: ``{"form", "questions": {q: properties.grade(...)}}``,
    or ``{"error": WHY}``."""
    from .properties import grade

    try:
        form, fns = load(path, question)
    except SubmissionError as exc:
        return {"error": str(exc)}
    refs = references()
    return {"form": form, "questions": {q: grade(q, fn, refs[q]) for q, fn in fns.items()}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m companion.grade.runner")
    p.add_argument("submission", type=Path)
    p.add_argument("--result", type=Path, required=True)
    p.add_argument("--question", choices=QUESTIONS, default=None)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    result = grade_file(args.submission, args.question)
    sys.stdout.flush()
    args.result.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
