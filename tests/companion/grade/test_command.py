"""``companion grade``'s command line: one-line errors, exit status 2 for usage errors."""

import pytest

from companion.cli import main


@pytest.mark.parametrize("argv, message", [
    (["grade"], "grade: the following arguments are required"),
    (["grade", "nope"], "grade: argument answers|code|export-otter: invalid choice"),
    (["grade", "answers"], "answers: give at least one answer file (or --list)"),
    (["grade", "code"], "code: the following arguments are required: FILE.py"),
    (["grade", "code", "x.py", "--timeout", "0"], "code: argument --timeout: must be a positive number"),
    (["grade", "code", "x.py", "--question", "q9"], "code: argument --question: invalid choice"),
    (["grade", "export-otter"], "export-otter: the following arguments are required: DIR"),
])
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("companion: error: ") and message in err, err


def test_a_missing_key_is_one_line(tmp_path, capsys):
    p = tmp_path / "a.json"
    p.write_text("{}")
    assert main(["grade", "answers", str(p), "--key", str(tmp_path / "key.json")]) == 2
    assert "no such file; build the key first" in capsys.readouterr().err


def test_export_into_a_file_is_a_usage_error(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("")
    assert main(["grade", "export-otter", str(f)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_grade_is_listed_in_the_main_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "grade" in capsys.readouterr().out
