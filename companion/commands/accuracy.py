"""``companion accuracy FILE [--out PNG]``: does a feature configuration classify perfectly?

Reads a configuration of groups of unit feature vectors (Question 4: group ``i`` is
``f(S_i)``), decides exactly whether every choice of ``x_i in S_i`` and ``y_j in S_j`` has the
target as the unique largest logit, prints ``Yes`` or ``No`` with a failing choice, and writes
a plot (the configuration on the circle for ``d = 2``; each anchor's decisive logit gap for
any ``d``).

JSON format
-----------
::

    {
      "groups": [
        [[1, 0], ["3/5", "4/5"]],          a group as a list of vectors
        {"vectors": [["0.6", "-0.8"]]},    or an object with "vectors"
        {"angles": [150, 163.5, 176]}      or angles on the unit circle (d = 2)
      ],
      "angle_unit": "degrees",             optional: "degrees" (default) or "radians"
      "tolerance": 1e-9,                   optional: float tie tolerance (float input only)
      "unit_tolerance": 1e-9               optional: how far | ||x||^2 - 1 | may be (float input
    }                                      only; 1e-6 reads float32 rows)

The top level may also be the bare list of groups.  Coordinates are JSON integers, JSON
floats, or strings holding an exact rational (``"3/5"``, ``"-0.8"``, ``"1"``).  When no
coordinate is a float (integers and strings only) the decision is exact (``Fraction``
arithmetic: unit rows are checked exactly and ties are decided exactly).  Otherwise everything
is float64: a row must satisfy ``| ||x||^2 - 1 | <= unit_tolerance`` and a logit gap within the
tolerance counts as a tie (a failure); in exact mode a tolerance is an error, since ties are
decided exactly.  Exact numbers are bounded: at most 400 in a decimal exponent and 1,000
digits, so that no input makes the exact arithmetic run away.  Angles give float points ``(cos a, sin a)``.  Rows are
never normalized: a non-unit row is an error naming the group and row (groups, rows and
coordinates are numbered from 1 in messages of this command, from 0 in the library).

Exit status: 0 when the accuracy is perfect (Yes), 3 when it is not (No), 2 for an input error
(one line), so that scripts can branch on the answer; ``--json`` prints ``"answer"`` too.
"""

from __future__ import annotations

import json
import math
import re
import sys
from fractions import Fraction
from pathlib import Path

NAME = "accuracy"
HELP = "decide whether a feature configuration (JSON) has perfect accuracy; plot it"

def add_arguments(parser) -> None:
    import argparse

    # The description is this module's docstring (it documents the JSON format); keep its
    # layout.
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    if not parser.description:
        parser.description = __doc__
    parser.add_argument("file", metavar="FILE", help="configuration as JSON (format above)")
    parser.add_argument("--out", metavar="PNG", default=None,
                        help="plot path (default: FILE with suffix .accuracy.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not write a plot")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


#: Bounds on exact numbers: a decimal exponent and a digit count beyond these would make the
#: exact arithmetic build numbers of millions of digits.
MAX_EXPONENT, MAX_DIGITS = 400, 1000
EXIT_NO = 3
#: From this many points on, the command reports its stages on stderr.
LARGE = 5000
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)")


def _scalar(v, where: str):
    if isinstance(v, bool) or v is None:
        raise ValueError(f"{where}: expected a number or a string like \"3/5\", got {v!r}")
    if isinstance(v, int):
        if v.bit_length() > MAX_DIGITS * 3.33:
            raise ValueError(f"{where}: an integer of more than {MAX_DIGITS} digits is beyond the limit")
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{where}: value is not finite: {v!r}")
        return v
    if isinstance(v, str):
        digits = sum(ch.isdigit() for ch in v)
        exps = [int(e) for e in _EXPONENT.findall(v[:2 * MAX_DIGITS])]
        if digits > MAX_DIGITS or any(abs(e) > MAX_EXPONENT for e in exps):
            raise ValueError(f"{where}: {v[:40]!r}{'...' if len(v) > 40 else ''} is beyond the limits of exact "
                             f"numbers (at most {MAX_DIGITS} digits and exponents within +-{MAX_EXPONENT})")
        try:
            return Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{where}: cannot read {v!r} as an exact rational (e.g. \"3/5\", \"0.6\")")
    raise ValueError(f"{where}: expected a number or a string like \"3/5\", got {v!r}")


def parse_config(data) -> tuple[list, float, float, bool]:
    """JSON value -> (groups, tie tolerance, unit tolerance, whether a tolerance was given).
    Raises ValueError naming the group and row."""
    from numerics.geometry import TIE_TOL, UNIT_TOL

    unit, tol, unit_tol, given = "degrees", TIE_TOL, UNIT_TOL, False
    if isinstance(data, dict):
        if "groups" not in data:
            raise ValueError("the JSON object needs a \"groups\" list")
        unknown = set(data) - {"groups", "angle_unit", "tolerance", "unit_tolerance"}
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; expected groups, angle_unit, tolerance, "
                             "unit_tolerance")
        given = "tolerance" in data or "unit_tolerance" in data
        unit_tol = data.get("unit_tolerance", UNIT_TOL)
        if not isinstance(unit_tol, (int, float)) or isinstance(unit_tol, bool) or not 0 <= unit_tol < 1:
            raise ValueError(f"unit_tolerance must be a number in [0, 1), got {unit_tol!r}")
        unit = data.get("angle_unit", "degrees")
        if unit not in ("degrees", "radians"):
            raise ValueError(f"angle_unit must be \"degrees\" or \"radians\", got {unit!r}")
        tol = data.get("tolerance", TIE_TOL)
        if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not 0 <= tol < math.inf:
            raise ValueError(f"tolerance must be a finite non-negative number, got {tol!r}")
        data = data["groups"]
    if not isinstance(data, list):
        raise ValueError("groups must be a JSON list of groups")
    groups = []
    for gi, g in enumerate(data, start=1):
        if isinstance(g, dict):
            keys = set(g) & {"vectors", "angles"}
            if len(keys) != 1 or set(g) - {"vectors", "angles"}:
                raise ValueError(f"group {gi}: an object group has exactly one key, \"vectors\" or \"angles\"")
            if "angles" in g:
                angles = g["angles"]
                if not isinstance(angles, list):
                    raise ValueError(f"group {gi}: \"angles\" must be a list of numbers")
                rows = []
                for r, a in enumerate(angles, start=1):
                    a = _scalar(a, f"group {gi} angle {r}")
                    rad = math.radians(float(a)) if unit == "degrees" else float(a)
                    rows.append([math.cos(rad), math.sin(rad)])
                groups.append(rows)
                continue
            g = g["vectors"]
        if not isinstance(g, list):
            raise ValueError(f"group {gi}: expected a list of vectors or an object with "
                             f"\"vectors\" or \"angles\"")
        rows = []
        for r, row in enumerate(g, start=1):
            if not isinstance(row, list):
                raise ValueError(f"group {gi} row {r}: expected a list of coordinates, got {row!r}")
            rows.append([_scalar(v, f"group {gi} row {r}") for v in row])
        groups.append(rows)
    return groups, float(tol), float(unit_tol), given


def _one_based(msg: str) -> str:
    """Library messages number groups and rows from 0; this command from 1."""
    import re

    return re.sub(r"\b(group|row|coordinate) (\d+)", lambda m: f"{m.group(1)} {int(m.group(2)) + 1}", msg)


def _fmt(v) -> str:
    return str(v) if isinstance(v, Fraction) else f"{float(v):.6g}"


def analyse(groups, tol: float, unit_tol: float | None = None, tolerance_given: bool = False) -> dict:
    from numerics import geometry as geo

    try:
        cfg = geo.validate(groups, unit_tol=geo.UNIT_TOL if unit_tol is None else unit_tol)
    except ValueError as exc:
        raise ValueError(_one_based(str(exc))) from None
    if cfg.exact and tolerance_given:
        raise ValueError("a tolerance was given, but every coordinate is exact (integers or strings): ties and "
                         "unit rows are decided exactly; remove the tolerance, or give float coordinates")
    dec = geo.decide(cfg, tol=tol)
    res = {"perfect": dec.perfect, "answer": "Yes" if dec.perfect else "No",
           "arithmetic": "exact" if cfg.exact else f"float64, tie tolerance {tol:g}",
           "N": cfg.N, "d": cfg.d, "sizes": list(cfg.sizes),
           "worst_gap": _fmt(dec.gap[dec.worst]), "failure": None,
           "gaps": [float(g) for g in dec.gap], "labels": cfg.labels.tolist(),
           "groups": [[[float(c) for c in p] for p in g] for g in cfg.groups]}
    if dec.failure:
        i, x, ys = dec.failure
        z = geo.logits(cfg, i, x, ys)
        res["failure"] = {"i": i, "x": x, "ys": list(ys), "logits": [float(v) for v in z],
                          "logits_exact": [_fmt(v) for v in z],
                          "x_point": [_fmt(c) for c in cfg.groups[i][x]]}
    return res


def report(res: dict) -> str:
    lines = [f"perfect accuracy: {res['answer']}",
             f"  {res['N']} groups of sizes {res['sizes']} in d = {res['d']}; arithmetic: {res['arithmetic']}",
             f"  smallest (min positive logit - max negative logit) over anchors: {res['worst_gap']}"]
    f = res["failure"]
    if f:
        i, x, ys, z = f["i"], f["x"], f["ys"], f["logits_exact"]
        lines.append(f"failing choice: target i = {i + 1}, x = point {x + 1} of group {i + 1} "
                     f"({', '.join(f['x_point'])})")
        lines.append("  " + ", ".join(f"y_{j + 1} = point {y + 1} of group {j + 1}" for j, y in enumerate(ys)))
        lines.append("  logits " + ", ".join(f"z_{j + 1} = {v}" for j, v in enumerate(z))
                     + f": z_{i + 1} is not the unique largest")
    return "\n".join(lines)


def run(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ValueError(f"{path}: the JSON is nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text: {exc.reason}") from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise ValueError(f"{path}: {exc}") from None
    groups, tol, unit_tol, given = parse_config(data)
    n_points = sum(len(g) for g in groups)
    large = n_points >= LARGE

    def stage(text):  # progress on large inputs, on stderr so that --json stays parseable
        if large:
            print(f"accuracy: {text}", file=sys.stderr, flush=True)

    stage(f"{n_points:,} points read; deciding ({n_points:,}^2 logits)")
    res = analyse(groups, tol, unit_tol, given)
    stage("decided" + ("" if args.no_plot else "; drawing the plot"))
    out = None
    if not args.no_plot:
        out = Path(args.out) if args.out else path.with_suffix(".accuracy.png")
        import matplotlib.pyplot as plt

        from figures import geometry as figs
        from figures.style import RC
        from numerics.atomic import atomic_write

        if res["d"] == 2:
            fig = figs.plot_configuration({"title": path.name, "groups": res["groups"],
                                           "perfect": res["perfect"], "failure": res["failure"]})
        else:
            fig = figs.plot_gaps(res)
        if not out.suffix:
            out = out.with_suffix(".png")  # the path reported is the path written
        with plt.rc_context(RC):
            atomic_write(out, lambda fh: fig.savefig(fh, format=out.suffix[1:]), "wb")
        plt.close(fig)
    if args.json:
        slim = {k: v for k, v in res.items() if k not in ("groups", "gaps", "labels")}
        slim["plot"] = str(out) if out else None
        print(json.dumps(slim, indent=1))
    else:
        print(report(res))
        if out:
            print(f"plot written to {out}")
    return 0 if res["perfect"] else EXIT_NO
