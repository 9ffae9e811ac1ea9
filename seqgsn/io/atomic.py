"""Atomic output files: readers see the old file or the complete new one, never half.

``atomic_write(path)`` writes into a temporary file in the *same directory* as
``path`` (so the final ``os.replace`` is a rename within one file system, which
POSIX makes atomic), flushes and ``fsync``s it, then renames it over ``path``.
If the ``with`` block raises, the temporary file is removed and ``path`` is left
exactly as it was (absent, or its previous content).

The new file gets the permissions a plain ``open(path, "w")`` would give
(``0o666 & ~umask``), or the old file's permissions when replacing one —
``mkstemp``'s private ``0o600`` would surprise users sharing results.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator, Tuple, Union

from ..errors import ConfigError

_MODES = {"w", "wt", "wb", "x", "xt", "xb"}


def _default_perms() -> int:
    # os.umask can only be read by setting it; restore at once.
    um = os.umask(0o022)
    os.umask(um)
    return 0o666 & ~um


def _fsync_dir(d: Path) -> None:
    # Make the rename itself durable; not possible on every platform/file system.
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: Union[str, os.PathLike], mode: str = "w", *,
                 encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open ``path`` for writing so it appears all at once on success.

    mode: ``"w"``/``"wt"`` (text, ``encoding``), ``"wb"`` (binary), or the
    ``"x"`` variants (fail with FileExistsError if ``path`` already exists).
    Yields the open temporary file; on normal exit it is fsynced and renamed to
    ``path``; on exception it is deleted and the exception propagates.
    """
    if mode not in _MODES:
        raise ValueError(f"atomic_write: unsupported mode {mode!r} (use one of {sorted(_MODES)})")
    path = Path(path)
    exclusive = mode.startswith("x")
    if exclusive and path.exists():
        raise FileExistsError(17, "File exists", str(path))
    directory = path.parent if str(path.parent) else Path(".")
    try:
        perms = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        perms = _default_perms()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    binary = "b" in mode
    try:
        f = os.fdopen(fd, "wb" if binary else "w",
                      **({} if binary else {"encoding": encoding, "newline": newline}))
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, perms)
        if exclusive:
            # link() fails if the target appeared meanwhile: no silent overwrite.
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
        _fsync_dir(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_writable(path: Union[str, os.PathLike], *, directory: bool = False, what: str = "output",
                   inputs: Iterable[Tuple[str, object]] = ()) -> None:
    """Refuse, before any work, an output path that cannot be written: a file whose directory does not
    exist, or a path through a regular file (``f.txt/x.tsv``). ``directory=True``: ``path`` is a folder to
    be created if missing (its parents too), so only a regular file on the way is an error.
    ``inputs`` ((what, path) pairs, None / '-' skipped): the command's inputs, which the output must not
    destroy: a file output may not be an input or an existing file inside an input folder, a folder
    output may not hold an input. Raises ConfigError naming the path and the part that is wrong."""
    path = Path(path)
    for name, given in inputs:
        if given is None or str(given).partition("?")[0] in ("", "-"):
            continue
        src = Path(str(given).partition("?")[0]).resolve()       # 'splits.zip?split=test': the file
        out = path.resolve()
        clash = (src == out or (not directory and src.is_dir() and out.exists() and src in out.parents)
                 or (directory and out in src.parents))
        if clash:
            raise ConfigError(f"the {what} {path} would overwrite the {name} {given}")
    if directory and path.exists() and not path.is_dir():
        raise ConfigError(f"cannot write the {what} {path}/: {path} is a file, not a directory")
    parent = path if directory else (path.parent if str(path.parent) else Path("."))
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(f"cannot write the {what} {path}: {probe} is a file, not a directory")
    if not directory and not parent.is_dir():
        raise ConfigError(f"cannot write the {what} {path}: the directory {parent} does not exist")


COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")


def check_plain_name(path: Union[str, os.PathLike], what: str = "output") -> None:
    """Outputs are written uncompressed: refuse a name that says otherwise (``out.tsv.gz``) rather than
    write plain text under it."""
    suffix = Path(path).suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:
        raise ConfigError(f"{path}: the {what} is written as plain data, not {suffix}; name it without "
                          f"{suffix} (and compress it afterwards if you like)")
