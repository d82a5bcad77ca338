"""``companion tammes``: the printed summary, the files it writes and its argument errors."""

import json

from companion.cli import main


def test_tammes_prints_gap_contacts_and_certificate(capsys, tmp_path):
    out = tmp_path / "t12.json"
    assert main(["tammes", "12", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "minimum angle      63.434948" in text
    assert "best known" in text and "reached (within 1e-5°)" in text
    assert "contacts           30" in text and "strict local maximum" in text
    data = json.loads(out.read_text())
    assert len(data["points"]) == 12 and data["certificate"]["kkt"]
    # the icosahedron is optimal: every overlap chain stops early, after 2/3 of its share of hops
    from numerics.tammes import CHAINS, default_attempts

    assert data["stopped"] == f"no progress in {2 * default_attempts(12, 3)[1] // 3 // CHAINS} hops"
    assert (tmp_path / "t12.png").stat().st_size > 0 and (tmp_path / "t12.pdf").stat().st_size > 0


def test_tammes_json_in_four_dimensions(capsys, tmp_path):
    assert main(["tammes", "8", "--d", "4", "--json", "--out", str(tmp_path / "c.json")]) == 0
    summary = json.loads(capsys.readouterr().out)
    # 8 points in R^4: the cross-polytope, 90 degrees
    assert abs(summary["angle_deg"] - 90.0) < 1e-9 and summary["best_known_deg"] is None
    assert summary["kkt"]


def test_tammes_argument_errors(capsys, tmp_path):
    assert main(["tammes", "1"]) == 2
    assert main(["tammes", "ten"]) == 2
    assert main(["tammes", "5", "--d", "1"]) == 2
    assert main(["tammes", "5", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(line.startswith("companion: error:") for line in err.splitlines())
