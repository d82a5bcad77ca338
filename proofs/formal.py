"""Machine-checked theorems: the Coq files of ``formal/`` and the ``formal`` evidence.

Terms.
- A *formal theorem* is a theorem of a file in ``formal/`` (Coq 8.16 and its standard library
  ``Reals``), proved for vectors of every length: a vector of R^d is a ``list R``.  The key shows
  its statement, in Coq, beside the claim it backs (:class:`Theorem`).
- The *formal check* of a theorem (:meth:`Theorem.check`) passes when
  1. ``coqc`` compiles every file of ``formal/`` (in a scratch folder, never beside the sources);
  2. a generated file that states the statement shown in the key and proves it by ``exact name``
     compiles, so the kernel has checked that the named theorem proves exactly what the key shows
     (up to unfolding of definitions);
  3. ``Print Assumptions name`` lists no axiom outside :data:`STANDARD_AXIOMS`, the axioms Coq's
     real numbers rest on.  A proof ended by ``Admitted``, or an ``Axiom`` of our own, appears there
     and fails the check.
- Where ``coqc`` is not installed the check does not run: its evidence says so (``skipped``), it is
  never a pass, and the claim stands on its other evidence.

The sections follow those stages: the files and their compilation, the generated check and its
assumptions, and the :class:`Theorem` that the claims declare.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .registry import Check, NotRun

#: The folder of the Coq sources, beside the Python packages.
FORMAL_DIR = Path(__file__).resolve().parent.parent / "formal"

#: The logical name under which ``formal/`` is loaded (``From Companion Require Import Q3``).
LIBRARY = "Companion"

#: The files in dependency order: each requires only files before it.
FILES = ("Vectors", "Groups", "Q3", "Q2", "Q4c", "Q4f1", "Q5", "Q6")

#: The axioms of Coq's standard library of real numbers (``Reals``: classical Dedekind reals),
#: with the classical logic and functional extensionality that ``Reals`` itself assumes.
STANDARD_AXIOMS = frozenset({
    "ClassicalDedekindReals.sig_forall_dec",
    "ClassicalDedekindReals.sig_not_dec",
    "FunctionalExtensionality.functional_extensionality_dep",
    "Classical_Prop.classic",
})

#: Seconds for one file; the slowest takes about 3 s on this 2-core CPU.
COQC_TIMEOUT = 300


# --------------------------------------------------------------------------------------------
# Stage 1: compile formal/
# --------------------------------------------------------------------------------------------

def coqc() -> str | None:
    """The path of ``coqc``, or None when Coq is not installed."""
    return shutil.which("coqc")


@functools.lru_cache(maxsize=1)
def coq_version() -> str:
    out = subprocess.run([coqc(), "--version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else out.strip()


def _sources_hash() -> str:
    h = hashlib.sha256()
    for name in FILES:
        h.update(name.encode())
        h.update((FORMAL_DIR / f"{name}.v").read_bytes())
    return h.hexdigest()


class CoqError(Exception):
    """``coqc`` rejected a file: the message is its output."""


def _run_coqc(folder: Path, name: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([coqc(), "-q", "-Q", ".", LIBRARY, f"{name}.v"], cwd=folder,
                              capture_output=True, text=True, timeout=COQC_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CoqError(f"coqc {name}.v ran past {COQC_TIMEOUT} s") from None
    if proc.returncode != 0:
        raise CoqError(f"coqc rejected {name}.v: {(proc.stdout + proc.stderr).strip()}")
    return time.perf_counter() - t0, proc.stdout


#: sources hash -> (scratch folder, seconds per file): each process compiles ``formal/`` once.
_COMPILED: dict[str, tuple[Path, dict[str, float]]] = {}


def compile_formal(folder: Path | None = None) -> tuple[Path, dict[str, float]]:
    """Compile every file of ``formal/`` in a scratch folder (or ``folder``); returns the folder
    and the seconds each file took.  Raises :class:`CoqError` when ``coqc`` rejects one."""
    if coqc() is None:
        raise NotRun("coqc is not installed (Debian: apt-get install coq): the formal proof was not checked")
    key = _sources_hash()
    if folder is None and key in _COMPILED:
        return _COMPILED[key]
    scratch = folder or Path(tempfile.mkdtemp(prefix="companion-coq-"))
    if folder is None:
        atexit.register(shutil.rmtree, scratch, True)
    for name in FILES:
        shutil.copyfile(FORMAL_DIR / f"{name}.v", scratch / f"{name}.v")
    seconds = {name: _run_coqc(scratch, name)[0] for name in FILES}
    if folder is None:
        _COMPILED[key] = (scratch, seconds)
    return scratch, seconds


# --------------------------------------------------------------------------------------------
# Stage 2: the statement shown in the key, and the assumptions
# --------------------------------------------------------------------------------------------

def statement_check_source(file: str, name: str, statement: str) -> str:
    """A Coq file that proves ``statement`` by ``exact name`` and prints the theorem's axioms."""
    # Every file is imported, so that the statement can use the definitions of Vectors and
    # Groups as the key shows them; the theorem is looked up in its own file.
    files = FILES if file in FILES else (*FILES, file)
    return (f"From Coq Require Import Reals List.\nFrom {LIBRARY} Require Import {' '.join(files)}.\n"
            "Import ListNotations.\nOpen Scope R_scope.\n\n"
            f"Lemma companion_statement_shown : {statement}.\nProof. exact {file}.{name}. Qed.\n\n"
            f"Print Assumptions {file}.{name}.\n")


def assumptions(printed: str) -> list[str]:
    """The axiom names in the output of ``Print Assumptions`` (none when the theorem is
    "Closed under the global context")."""
    if "Closed under the global context" in printed:
        return []
    _, _, rest = printed.partition("Axioms:")
    if not rest:
        raise CoqError(f"unexpected output of Print Assumptions: {printed.strip()[:300]}")
    return [m.group(1) for m in re.finditer(r"^(\S+?)(?:\s*:|$)", rest.lstrip("\n"), flags=re.M)]


def check_statement(file: str, name: str, statement: str, folder: Path) -> tuple[list[str], float]:
    """Compile the statement check in ``folder`` (where ``formal/`` is compiled); returns the
    axioms the theorem rests on and the seconds taken.  Raises :class:`CoqError` when Coq does
    not accept ``name`` as a proof of ``statement``."""
    stem = "Companion_check_" + re.sub(r"\W", "_", name)
    (folder / f"{stem}.v").write_text(statement_check_source(file, name, statement))
    seconds, out = _run_coqc(folder, stem)
    return assumptions(out), seconds


def definition_source(name: str) -> str:
    """The source text of the ``Definition`` or ``Fixpoint`` called ``name`` in ``formal/``."""
    pattern = re.compile(rf"^(?:Definition|Fixpoint) {re.escape(name)}\b.*?\.$", re.MULTILINE | re.DOTALL)
    for file in FILES:
        m = pattern.search((FORMAL_DIR / f"{file}.v").read_text())
        if m:
            return m.group(0)
    raise KeyError(f"no Definition or Fixpoint {name!r} in formal/")


# --------------------------------------------------------------------------------------------
# Stage 3: the theorems the claims declare
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Theorem:
    """A theorem of ``formal/{file}.v`` named ``name``, whose statement (Coq text) the key shows.

    ``uses`` names the definitions of ``formal/`` that the statement relies on; the key prints
    their source above the statement, so that a reader can judge what it says.  ``rejects`` are
    the options of its claim that the theorem refutes (as for ``@check``)."""

    file: str
    name: str
    statement: str
    uses: tuple = ()
    rejects: tuple = ()
    check: Check = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        if self.file not in FILES:
            raise ValueError(f"formal file {self.file!r} is not among {FILES}")
        object.__setattr__(self, "check", Check("formal", self._run, f"Coq: {self.name} ({self.file}.v)",
                                                rejects=tuple(self.rejects)))

    @property
    def path(self) -> str:
        return f"formal/{self.file}.v"

    def coq(self) -> str:
        """The definitions it uses and the statement, as Coq source, as the key shows them."""
        defs = [definition_source(name) for name in self.uses]
        return "\n\n".join([*defs, f"Theorem {self.name} :\n  {self.statement}."])

    def _run(self, ctx) -> tuple[bool, str]:
        folder, seconds = compile_formal()
        try:
            axioms, _ = check_statement(self.file, self.name, self.statement, folder)
        except CoqError as exc:
            return False, f"Coq does not accept {self.name} as a proof of the statement shown: {exc}"
        extra = sorted(set(axioms) - STANDARD_AXIOMS)
        used = ", ".join(a.rsplit(".", 1)[-1] for a in sorted(axioms)) or "none"
        # no timings in the detail: evidence is compared across runs (its seconds are recorded apart)
        detail = (f"coqc {coq_version()}: formal/ compiled ({len(seconds)} files); {self.name} proves the "
                  f"statement shown, for vectors of every length; assumptions: {used}")
        if extra:
            return False, detail + f"; NOT standard: {', '.join(extra)}"
        return True, detail + " (the standard axioms of Coq's reals)"
