"""atomic_write: all-or-nothing output files."""
import os
import stat

import pytest

from seqgsn.io.atomic import atomic_write


def _leftovers(d):
    return sorted(p.name for p in d.iterdir())


def test_writes_text_and_leaves_no_temp(tmp_path):
    out = tmp_path / "out.txt"
    with atomic_write(out) as f:
        f.write("hello\n")
        # not visible under the final name until the block ends
        assert not out.exists()
    assert out.read_text() == "hello\n"
    assert _leftovers(tmp_path) == ["out.txt"]


def test_binary_mode(tmp_path):
    out = tmp_path / "b.bin"
    with atomic_write(out, "wb") as f:
        f.write(b"\x00\x01")
    assert out.read_bytes() == b"\x00\x01"


def test_exception_mid_write_leaves_no_file_and_no_temp(tmp_path):
    out = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_write(out) as f:
            f.write("partial")
            raise RuntimeError("boom")
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_exception_keeps_previous_content(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(out) as f:
            f.write("new")
            raise KeyboardInterrupt
    assert out.read_text() == "old\n"
    assert _leftovers(tmp_path) == ["out.txt"]


def test_replace_keeps_permissions(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    os.chmod(out, 0o640)
    with atomic_write(out) as f:
        f.write("new\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text() == "new\n"


def test_new_file_has_umask_permissions_not_0600(tmp_path):
    out = tmp_path / "new.txt"
    um = os.umask(0o022)
    try:
        with atomic_write(out) as f:
            f.write("x")
    finally:
        os.umask(um)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_exclusive_mode_refuses_existing(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old")
    with pytest.raises(FileExistsError):
        with atomic_write(out, "x") as f:
            f.write("new")
    assert out.read_text() == "old"
    assert _leftovers(tmp_path) == ["out.txt"]


def test_bad_mode_rejected(tmp_path):
    with pytest.raises(ValueError):
        with atomic_write(tmp_path / "a", "a"):
            pass


def test_check_writable_names_the_part_of_the_path_that_is_wrong(tmp_path):
    from seqgsn.errors import ConfigError
    from seqgsn.io.atomic import check_writable
    (tmp_path / "f.txt").write_text("")
    check_writable(tmp_path / "a.tsv")                                   # the folder exists
    check_writable(tmp_path / "new" / "deeper", directory=True)         # a folder to be created
    with pytest.raises(ConfigError, match=r"the directory .*missing does not exist"):
        check_writable(tmp_path / "missing" / "a.tsv")
    for path, directory in ((tmp_path / "f.txt" / "a.tsv", False), (tmp_path / "f.txt", True),
                            (tmp_path / "f.txt" / "sub", True)):
        with pytest.raises(ConfigError, match=r"f\.txt is a file, not a directory"):
            check_writable(path, directory=directory)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]        # nothing was created
