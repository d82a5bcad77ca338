import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def ctx(tmp_path_factory):
    """One context for every claim check in a test session (results cached between checks).

    COMPANION_TEST_OUT keeps the built key (and its cached results) in a chosen folder."""
    from proofs.context import Context

    out = os.environ.get("COMPANION_TEST_OUT")
    return Context(profile=os.environ.get("COMPANION_PROFILE", "fast"), seed=0,
                   out_dir=Path(out) if out else tmp_path_factory.mktemp("key"))


def _selected_claim_ids(session) -> list[str]:
    ids = set()
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "claim_id" in params:
            ids.add(params["claim_id"])
    return sorted(ids)


@pytest.fixture(scope="session")
def key_results(request, ctx):
    """Evaluate (checks + figures) every claim this session selected, once, exactly as
    ``companion key`` does; tests then read the evidence.  Nothing is reused from earlier runs."""
    from companion.build import evaluate

    results = evaluate(ctx, _selected_claim_ids(request.session), reuse=False)
    return {r.claim.id: r for r in results}
