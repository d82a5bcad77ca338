from companion.cli import main


def test_check_prints_rows_and_exits_0(capsys, tmp_path):
    assert main(["check", "--only", "q3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "q3" in out and "verified" in out


def test_unknown_id_is_usage_error(capsys):
    assert main(["check", "--only", "q1,q42"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown claim id(s) q42" in err and "Traceback" not in err


def test_bad_subcommand_and_profile_are_usage_errors(capsys):
    assert main(["keyy"]) == 2
    assert main(["key", "--profile", "medium"]) == 2
    assert main(["check", "--only", ","]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(line.startswith("companion: error:") for line in err.splitlines())


def test_failed_claim_exits_1(monkeypatch, capsys, tmp_path):
    from proofs import registry
    from proofs.registry import Claim, check

    @check("exact", "false")
    def _no(ctx):
        return False, "no"

    monkeypatch.setitem(registry.REGISTRY, "q4d", Claim(id="q4d", title="x", points=0, statement="s",
                                                        answer="a", proof="p", checks=(_no,),
                                                        open_answer="a failing test claim"))
    assert main(["check", "--only", "q4d", "--out", str(tmp_path)]) == 1
    assert "failed" in capsys.readouterr().out


def test_figures_list(capsys):
    assert main(["figures", "--list"]) == 0
    assert main(["figures"]) == 2
