"""numerics.atomic: whole files or none, with the usual permissions."""

import os
import stat

import pytest

from numerics.atomic import atomic_write, atomic_write_text


def test_text_is_written_with_the_umask_permissions(tmp_path):
    p = tmp_path / "sub" / "a.txt"
    atomic_write_text(p, "hello")
    assert p.read_text() == "hello"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    p = tmp_path / "a.bin"
    atomic_write_text(p, "old")

    def boom(fh):
        fh.write("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(p, boom)
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.bin"]
