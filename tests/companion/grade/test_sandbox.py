"""The child process: an empty working folder, one thread, and output kept short."""

from companion.grade import sandbox

from .mistakes import CORRECT


def test_the_submission_runs_in_an_empty_folder_with_one_thread(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "sub.py"
    p.write_text("import os, torch\nopen('litter.txt', 'w').write('x')\n"
                 "print('threads', torch.get_num_threads(), 'files', sorted(os.listdir('.')))\n" + CORRECT["q8a"])
    out = sandbox.run(p, "q8a", timeout=60)
    assert out["outcome"] == "graded" and out["result"]["questions"]["q8a"]["fraction"] == 1.0
    assert "threads 1 files ['litter.txt']" in out["output_head"]
    assert not (tmp_path / "litter.txt").exists()
