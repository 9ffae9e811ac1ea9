"""FASTA below the record level: opening (path, stdin, stream; compression sniffed) and the policy's line scanner.

The policy itself, and the record-level reader built on this, are in :mod:`seqgsn.io.fasta`.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import stat
import sys
import zlib
from collections import deque
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union

from ..alphabet import AA_NONSTANDARD, AA_STANDARD
from ..errors import InvalidFastaError, InvalidFileError

CHUNK = 1 << 16              # characters per readline() call: bounds memory on newline-free input
MAX_HEADER = 1 << 16         # characters kept of a header line
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz"}
_REFUSED = {b"\x28\xb5\x2f\xfd": "zstd-compressed (decompress it first, e.g. `zstd -d`)",
            b"PK\x03\x04": "a zip archive (unzip it first)",
            b"\xff\xfe": "UTF-16 text (convert it to ASCII/UTF-8)",
            b"\xfe\xff": "UTF-16 text (convert it to ASCII/UTF-8)"}
_RESIDUES = frozenset(AA_STANDARD + AA_NONSTANDARD + (AA_STANDARD + AA_NONSTANDARD).lower())
# Every ASCII letter is a residue symbol today; the fast path below relies on it.
_ALL_LETTERS = _RESIDUES >= frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DECOMPRESS_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)


def reject(code: str, reason: str, **where) -> InvalidFastaError:
    e = InvalidFastaError(reason, **where)
    e.code = code
    return e


# -- opening ------------------------------------------------------------------------------------
class _Rejoined(io.RawIOBase):
    """A non-seekable stream with its first bytes (already read for sniffing) put back."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        b[:len(data)] = data
        return len(data)


class FastaSource:
    """An opened input: decompressed text stream plus what progress reporting needs."""

    def __init__(self, source: Union[str, os.PathLike, BinaryIO]):
        self._stack = contextlib.ExitStack()
        if isinstance(source, (str, os.PathLike)) and str(source) == "-":
            self.name = "<stdin>"
            raw = sys.stdin.buffer
        elif isinstance(source, (str, os.PathLike)):
            self.name = str(source)
            p = Path(source)
            if p.is_dir():
                raise InvalidFileError("is a directory, not a FASTA file", file=self.name)
            try:
                raw = self._stack.enter_context(open(p, "rb"))
            except FileNotFoundError:
                raise InvalidFileError("no such file", file=self.name) from None
            except PermissionError:
                raise InvalidFileError("permission denied", file=self.name) from None
            except OSError as e:
                raise InvalidFileError(f"cannot open: {e.strerror or e}", file=self.name) from None
        else:
            self.name = str(getattr(source, "name", "<stream>"))
            raw = source
        self._raw = raw
        self.size: Optional[int] = None     # known only for regular files (progress / ETA)
        with contextlib.suppress(OSError, AttributeError, ValueError, io.UnsupportedOperation):
            st = os.fstat(raw.fileno())
            if stat.S_ISREG(st.st_mode):
                self.size = st.st_size
        try:
            head = raw.read(8)
        except OSError as e:
            self.close()
            raise InvalidFileError(f"cannot read: {e.strerror or e}", file=self.name) from None
        head = head or b""
        try:
            seekable = raw.seekable() and raw.tell() == len(head)
        except (OSError, ValueError):
            seekable = False
        if seekable:
            raw.seek(0)
            stream = raw
        else:
            stream = io.BufferedReader(_Rejoined(head, raw))
        for magic, what in _REFUSED.items():
            if head.startswith(magic):
                self.close()
                raise InvalidFileError(f"input is {what}", file=self.name, line=None)
        self.compression = next((k for m, k in _MAGIC.items() if head.startswith(m)), None)
        if self.compression == "gzip":
            stream = gzip.GzipFile(fileobj=stream, mode="rb")
        elif self.compression == "bzip2":
            stream = bz2.BZ2File(stream, mode="rb")
        elif self.compression == "xz":
            stream = lzma.LZMAFile(stream, mode="rb")
        # utf-8-sig drops a leading BOM; 'replace' turns bad bytes into U+FFFD, which the
        # policy then treats per place (header: warning; sequence: rejected record).
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline=None)
        self._stack.callback(self._detach)

    def _detach(self):
        with contextlib.suppress(Exception):
            if self._raw is sys.stdin.buffer:
                self.text.detach()        # do not close the process's stdin
            else:
                self.text.close()

    def bytes_read(self) -> Optional[int]:
        """Position in the (compressed) input, for progress; None when unknown."""
        try:
            return self._raw.tell()
        except (OSError, ValueError, AttributeError):
            return None

    def close(self) -> None:
        self._stack.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- scanning -----------------------------------------------------------------------------------
class RecordState:
    """What the scanner learnt about one record while feeding it to Bio."""

    __slots__ = ("index", "line", "title", "id", "n", "star", "stars", "error", "notes", "digits", "spaces",
                 "ws_line", "digit_line")

    def __init__(self, index: int, line: int):
        self.index, self.line = index, line
        self.title = ""
        self.id: Optional[str] = None
        self.n = 0                   # residues kept so far
        self.star = None             # (line, column, position) of the first '*'
        self.stars = 0               # how many (only trailing ones are accepted)
        self.error: Optional[InvalidFastaError] = None
        self.notes: list = []        # (severity, code, reason, line, position)
        self.digits = self.spaces = 0
        self.ws_line = self.digit_line = None


class LineScanner:
    """Iterator of cleaned lines for SimpleFastaParser; finished records' facts in ``done``."""

    def __init__(self, src: FastaSource):
        self.src = src
        self.name = src.name
        self.done: deque = deque()
        self.cur: Optional[RecordState] = None
        self.lineno = 0
        self.n_headers = 0
        self._gen = self._lines()

    def __iter__(self):
        return self       # Bio iterates twice over the handle: must be the same iterator

    def __next__(self) -> str:
        return next(self._gen)

    def _read(self) -> str:
        try:
            return self.src.text.readline(CHUNK)
        except _DECOMPRESS_ERRORS as e:
            kind = self.src.compression or "input"
            raise InvalidFileError(f"corrupt or truncated {kind} data after this line ({e})",
                                   file=self.name, line=self.lineno or None) from None

    def _finish(self) -> None:
        if self.cur is not None:
            self.done.append(self.cur)
            self.cur = None

    def _lines(self) -> Iterator[str]:
        cont = False                    # the previous chunk ended without a newline
        in_header = False
        header_parts: list = []
        header_len = 0
        col0 = 0                        # characters of this line consumed by earlier chunks
        while True:
            chunk = self._read()
            if not chunk:
                break
            has_nl = chunk.endswith("\n")
            body = chunk[:-1] if has_nl else chunk
            eol = has_nl or len(chunk) < CHUNK
            if not cont:
                self.lineno += 1
                col0 = 0
                if body.startswith(">"):
                    self._finish()
                    self.cur = RecordState(self.n_headers, self.lineno)
                    self.n_headers += 1
                    in_header, header_parts, header_len = True, [], 0
                    body = body[1:]
            if self.cur is None:        # before the first header: only blank lines may appear
                if body.strip():
                    shown = body.strip()[:40]
                    raise reject("not_fasta", f"not a FASTA file: expected a '>' header line, found "
                                  f"{shown!r}", file=self.name, line=self.lineno)
                cont = not eol
                continue
            if in_header:
                if header_len < MAX_HEADER:
                    header_parts.append(body[:MAX_HEADER - header_len])
                header_len += len(body)
                if eol:
                    in_header = False
                    title = self._header("".join(header_parts), header_len)
                    yield ">" + title + "\n"
            else:
                kept = self._sequence(body, eol, col0)
                if kept:
                    yield kept + "\n"
            col0 += len(body)
            cont = not eol
        self._finish()

    def _header(self, title: str, full_len: int) -> str:
        st = self.cur
        if full_len > MAX_HEADER:
            st.error = reject("bad_header", f"header longer than {MAX_HEADER} characters",
                               file=self.name, line=st.line)
        title = title.rstrip()
        words = title.split(None, 1)
        st.id = words[0] if words else None
        st.title = title
        if st.error is None:
            bad = next((i for i, c in enumerate(title) if (ord(c) < 32 and c != "\t") or 127 <= ord(c) < 160),
                       None)
            if bad is not None:
                st.error = reject("bad_header", f"control character {title[bad]!r} in header at column "
                                   f"{bad + 2}", file=self.name, record=st.id, line=st.line)
            elif st.id is None:
                st.error = reject("no_id", "header has no id", file=self.name, line=st.line)
            elif "\ufffd" in title:
                st.notes.append(("warning", "bad_utf8_header",
                                 "header is not valid UTF-8; bad bytes replaced by U+FFFD", st.line, None))
        # Bio only sees a header; a blank title still starts a record for it.
        return title if title else " "

    def _sequence(self, body: str, eol: bool, col0: int) -> str:
        st = self.cur
        if st.error is not None:
            return ""                   # rejected: keep scanning for the next header only
        core = body.rstrip() if eol else body
        if _ALL_LETTERS and core.isascii() and core.isalpha():
            if st.star is not None and core:
                return self._internal_stop(st)
            st.n += len(core)
            return core.upper()
        out = []
        for i, c in enumerate(core):
            if c in _RESIDUES:
                if st.star is not None:
                    return self._internal_stop(st)
                out.append(c)
                st.n += 1
            elif c in " \t\v\f":
                st.spaces += 1
                st.ws_line = st.ws_line or self.lineno
            elif "0" <= c <= "9":
                st.digits += 1
                st.digit_line = st.digit_line or self.lineno
            elif c == "*":
                st.stars += 1
                if st.star is None:
                    st.star = (self.lineno, col0 + i + 1, st.n + 1)
            else:
                pos = st.n + 1
                where = dict(file=self.name, record=st.id, line=self.lineno, position=pos)
                if c in "-.":
                    st.error = reject("gap", f"gap character {c!r} at column {col0 + i + 1}: aligned "
                                       "sequences are not accepted (remove gaps deliberately if the "
                                       "residues are contiguous)", **where)
                else:
                    what = "invalid UTF-8 byte" if c == "\ufffd" else f"invalid character {c!r}"
                    st.error = reject("bad_char", f"{what} at column {col0 + i + 1}", **where)
                return ""
        return "".join(out).upper()

    def _internal_stop(self, st: RecordState) -> str:
        line, col, pos = st.star
        st.error = reject("internal_stop", f"stop '*' inside the sequence (column {col}); only a "
                           "terminal '*' is accepted", file=self.name, record=st.id, line=line, position=pos)
        return ""
