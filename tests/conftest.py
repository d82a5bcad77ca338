import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def ctx(tmp_path_factory):
    """One context for every claim check in a test session (results cached between checks)."""
    from proofs.context import Context

    out = os.environ.get("COMPANION_TEST_OUT")
    return Context(profile=os.environ.get("COMPANION_PROFILE", "fast"), seed=0,
                   out_dir=Path(out) if out else tmp_path_factory.mktemp("key"))
