"""``companion accuracy FILE``: parse a configuration, print Yes/No and a failing choice, plot."""

import json

import pytest

from companion.cli import main
from companion.commands.accuracy import EXIT_NO, parse_config

TIE = {"groups": [[[1, 0], ["12/13", "5/13"], ["4/5", "3/5"], ["3/5", "4/5"]],
                  {"vectors": [["3/5", "-4/5"], ["5/13", "-12/13"], [0, -1]]},
                  [[-1, 0]]]}


def write(tmp_path, data, name="cfg.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def test_exact_tie_is_no_with_the_failing_choice(tmp_path, capsys):
    p = write(tmp_path, TIE)
    assert main(["accuracy", str(p), "--out", str(tmp_path / "plot.png")]) == EXIT_NO
    out = capsys.readouterr().out
    assert out.startswith("perfect accuracy: No")
    assert "arithmetic: exact" in out
    assert "z_1 = 3/5, z_2 = 3/5" in out and "x = point 1 of group 1" in out
    assert (tmp_path / "plot.png").stat().st_size > 0


def test_angles_yes_and_default_plot_path(tmp_path, capsys):
    p = write(tmp_path, {"groups": [{"angles": [80, 90, 100]}, {"angles": [200, 210]},
                                    {"angles": [5.5, 6.0]}], "angle_unit": "degrees"})
    assert main(["accuracy", str(p)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("perfect accuracy: Yes") and "float64" in out
    assert (tmp_path / "cfg.accuracy.png").stat().st_size > 0


def test_json_output_and_higher_dimension_plot(tmp_path, capsys):
    p = write(tmp_path, [[[1, 0, 0]], [[0, 1, 0], [0, 0, 1]], [[0, 0, 1]]])   # shared point
    assert main(["accuracy", str(p), "--json", "--out", str(tmp_path / "g.png")]) == EXIT_NO
    res = json.loads(capsys.readouterr().out)
    assert res["answer"] == "No" and res["d"] == 3 and res["failure"] is not None
    assert (tmp_path / "g.png").stat().st_size > 0


def test_radians_and_no_plot(tmp_path, capsys):
    p = write(tmp_path, {"groups": [{"angles": [0.0]}, {"angles": [3.14159]}], "angle_unit": "radians"})
    assert main(["accuracy", str(p), "--no-plot"]) == 0
    assert "Yes" in capsys.readouterr().out
    assert not (tmp_path / "cfg.accuracy.png").exists()


@pytest.mark.parametrize("data, message", [
    ([[[1, 0]], [[0.6, 0.79]]], "group 2 row 1 is not a unit row"),
    ([[[1, 0]]], "at least 2 groups"),
    ([[[1, 0]], []], "group 2 is empty"),
    ([[[1, 0]], [[0, 1, 0]]], "group 2 row 1 has dimension 3, expected 2"),
    ([[[1, 0]], [["x", 0]]], "group 2 row 1: cannot read 'x'"),
    ({"groups": [[[1, 0]], {"angles": [1], "vectors": []}]}, "exactly one key"),
    ({"group": []}, "needs a \"groups\" list"),
    ({"groups": [[[1, 0]], [[0, 1]]], "angle_unit": "grad"}, "angle_unit"),
    ({"groups": [[[1, 0]], [[0, 1]]], "tolerance": -1}, "tolerance"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, data, message):
    p = write(tmp_path, data)
    assert main(["accuracy", str(p), "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_missing_file_and_bad_json(tmp_path, capsys):
    assert main(["accuracy", str(tmp_path / "nope.json")]) == 2
    (tmp_path / "bad.json").write_text("{")
    assert main(["accuracy", str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "not valid JSON" in err


def test_parse_config_exactness():
    groups, tol, unit_tol, given = parse_config({"groups": [[[1, 0]], [["0.6", "0.8"]]], "tolerance": 1e-6})
    from fractions import Fraction
    assert groups[1][0] == [Fraction(3, 5), Fraction(4, 5)] and tol == 1e-6 and given


@pytest.mark.parametrize("data, message", [
    ({"groups": [[[1, 0]], [["1e999999999", "0"]]]}, "group 2 row 1: '1e999999999' is beyond the limits"),
    ({"groups": [[[1, 0]], [["1e-99999999", "1"]]]}, "beyond the limits"),
    ({"groups": [[[1, 0]], [["1" * 2000 + "/3", "0"]]]}, "beyond the limits"),
    ({"groups": [[[1, 0]], [["3/5", "4/5"]]], "tolerance": 1e-6}, "every coordinate is exact"),
    ({"groups": [[[1, 0]], [[0, 1]]], "tolerance": float("nan")}, "tolerance must be"),
])
def test_hostile_numbers_give_one_line_quickly(tmp_path, capsys, data, message):
    import time

    p = tmp_path / "h.json"
    p.write_text(json.dumps(data))
    t0 = time.perf_counter()
    assert main(["accuracy", str(p), "--no-plot"]) == 2
    assert time.perf_counter() - t0 < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_deep_json_is_one_line(tmp_path, capsys):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["accuracy", str(p), "--no-plot"]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_float32_rows_with_a_unit_tolerance(tmp_path, capsys):
    import numpy as np

    rows = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32).astype(float).tolist()
    p = write(tmp_path, {"groups": [[rows[0]], [[0.0, 1.0]]], "unit_tolerance": 1e-6})
    assert main(["accuracy", str(p), "--no-plot"]) == 0
    p = write(tmp_path, {"groups": [[rows[0]], [[0.0, 1.0]]]})
    assert main(["accuracy", str(p), "--no-plot"]) == 2


def test_plot_path_reported_is_written(tmp_path, capsys):
    p = write(tmp_path, [[[1, 0]], [[0, 1]]])
    assert main(["accuracy", str(p), "--out", str(tmp_path / "plot")]) == 0
    assert "plot written to " + str(tmp_path / "plot.png") in capsys.readouterr().out
    assert (tmp_path / "plot.png").stat().st_size > 0


def _json_values():
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                        st.floats(allow_nan=False, allow_infinity=False),
                        st.sampled_from(["3/5", "4/5", "-0.8", "1e999999999", "1e-99999999", "0/0", "1/0", "x",
                                         "", "groups", "vectors", "angles", "1" * 1500]),
                        st.text(max_size=8))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.sampled_from(["groups", "vectors", "angles", "tolerance", "unit_tolerance",
                                         "angle_unit", "other"]), inner, max_size=4)), max_leaves=40)


def test_fuzz_accuracy_input_ends_in_a_verdict_or_one_line(tmp_path):
    """2,000 arbitrary JSON documents: each gives Yes (0), No (3) or a one-line error (2), quickly."""
    import contextlib
    import io
    import time

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    p = tmp_path / "fuzz.json"
    seen = {0: 0, 2: 0, 3: 0}

    unit_rows = st.sampled_from([[1, 0], [0, 1], [-1, 0], [0, -1], ["3/5", "4/5"], ["4/5", "-3/5"],
                                 [0.6, 0.8], [-0.8, 0.6], [0, 0.6, "1e400"], ["1/0", 1], [1, 1]])
    configurations = st.fixed_dictionaries({"groups": st.lists(st.lists(unit_rows, min_size=1, max_size=3),
                                                               min_size=2, max_size=4)})

    @settings(max_examples=2000, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))

    @given(st.one_of(_json_values(), configurations))
    def run(doc):
        p.write_text(json.dumps(doc))
        out, err = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["accuracy", str(p), "--no-plot", "--json"])
        assert time.perf_counter() - t0 < 5, doc
        assert rc in seen, (rc, doc, err.getvalue())
        seen[rc] += 1
        if rc == 2:
            assert err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue(), err.getvalue()
        else:
            assert json.loads(out.getvalue())["answer"] == ("Yes" if rc == 0 else "No")

    run()
    assert sum(seen.values()) >= 2000 and seen[0] and seen[3] and seen[2], seen
