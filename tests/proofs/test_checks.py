"""proofs.checks: running a stated code answer, and its LaTeX."""

import pytest

from proofs.checks import code_tex, run_stated_code


def test_stated_code_runs_with_the_given_names_only():
    assert run_stated_code("loss = a * 2; y = loss + 1", {"a": 3})["y"] == 7
    with pytest.raises(NameError):
        run_stated_code("loss = open('f')", {})  # no builtins
    with pytest.raises(SyntaxError):
        run_stated_code("loss = (", {})
    with pytest.raises(TypeError):
        run_stated_code(None, {})


def test_code_tex_escapes():
    assert code_tex("logits = z @ z_pos.T / tau; loss = f(x)") == r"\texttt{logits = z @ z\_pos.T / tau;\ loss = f(x)}"
