"""Streaming FASTA input with an explicit policy for every oddity.

``iter_fasta(source)`` yields, in input order, one item per ``>`` header: a
:class:`~seqgsn.records.Record` for an accepted record, or an
:class:`~seqgsn.errors.InvalidFastaError` (with ``.index``, ``.code``) for a
rejected one. The file is read line by line (lines longer than 64 Ki characters
in chunks), so memory is bounded by the largest record, not the file.
Warnings and notes, and the rejections too, go to an optional
:class:`~seqgsn.io.problems.ProblemReport`; without one, warnings are issued as
Python ``FastaWarning`` warnings (never silent).

How it reads: a line scanner (line numbers, decompression, the policy below)
feeds cleaned lines to Biopython's ``Bio.SeqIO.FastaIO.SimpleFastaParser``, which
assembles the records (title + joined sequence); each parsed record is matched
to the scanner's facts about it (header line, warnings, first error).

Input
-----
``source`` is a path, ``"-"`` for standard input, or a binary file object.
gzip, bzip2 and xz are detected by their magic bytes (``1f 8b``, ``BZh``,
``fd 37 7a 58 5a 00``), not by the file name. zstd, zip and UTF-16 are
recognised and refused with a clear message. Text is UTF-8 (a BOM is ignored).

Policy (``on_error="skip"``: rejected records are reported and reading goes on;
``"fail"``: the first rejected record raises)
---------------------------------------------------------------------------------
============================================  ======================================================
Input                                         What happens
============================================  ======================================================
CRLF or CR line ends                          accepted
blank lines (anywhere)                        accepted, ignored
trailing whitespace on a line                 accepted, ignored
header with no sequence                       record rejected (``empty_sequence``)
header with no id (``>`` alone)               record rejected (``no_id``)
duplicate ids                                 accepted, warning (``duplicate_id``); both kept,
                                              in input order
digits / spaces / tabs inside sequence lines  removed, warning (``digits_stripped`` /
                                              ``spaces_stripped``): GenBank/EMBL numbering
lowercase residues                            accepted, upper-cased
terminal ``*`` (stop)                         removed, note (``terminal_stop``)
internal ``*``                                record rejected (``internal_stop``)
``B Z J U O X``                               accepted as given; the model sees "unknown"
gap characters ``-`` ``.``                    record rejected (``gap``): see below
any other character                           record rejected (``bad_char``), with line, column and
                                              residue position
invalid UTF-8 in a sequence line              record rejected (``bad_char``)
non-ASCII header                              accepted, kept
invalid UTF-8 bytes in a header               accepted, bytes replaced by U+FFFD, warning
control characters in a header                record rejected (``bad_header``)
header longer than 65,536 characters          record rejected (``bad_header``)
empty file / only blank lines                 InvalidFastaError for the file (no records)
text before the first ``>`` / not FASTA /     InvalidFastaError for the file, naming the line
binary garbage
corrupt or truncated gzip/bz2/xz stream       InvalidFileError for the file, naming the line
============================================  ======================================================

Why gaps are rejected rather than removed: ``-``/``.`` mean an aligned (MSA)
row or a chain with missing residues. Removing them joins residues that are not
neighbours in the chain, and a convolutional model would then read a false local
context around the join; the predicted positions would also no longer line up
with the user's columns. Ungap deliberately (e.g. ``seqkit seq -g``) if that is
what you want.

Why ``*`` is only accepted at the end: translated ORFs end in a stop codon,
which carries no residue; an internal stop means a wrong translation.

Duplicate ids are tracked as 64-bit hashes (8 bytes per record).
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import io
import lzma
import os
import stat
import sys
import warnings
import zlib
from collections import deque
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union

import numpy as np
from Bio.SeqIO.FastaIO import SimpleFastaParser

from ..alphabet import AA_NONSTANDARD, AA_STANDARD, SS8
from ..errors import AlphabetError, InvalidFastaError, InvalidFileError, LabelMismatchError, SeqGSNError
from ..records import Record
from .problems import ProblemReport

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


class FastaWarning(UserWarning):
    """A FASTA oddity that was accepted (issued only when no ProblemReport is given)."""


def _reject(code: str, reason: str, **where) -> InvalidFastaError:
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
class _State:
    """What the scanner learnt about one record while feeding it to Bio."""

    __slots__ = ("index", "line", "title", "id", "n", "star", "error", "notes", "digits", "spaces",
                 "ws_line", "digit_line")

    def __init__(self, index: int, line: int):
        self.index, self.line = index, line
        self.title = ""
        self.id: Optional[str] = None
        self.n = 0                   # residues kept so far
        self.star = None             # (line, column, position) of the first '*'
        self.error: Optional[InvalidFastaError] = None
        self.notes: list = []        # (severity, code, reason, line, position)
        self.digits = self.spaces = 0
        self.ws_line = self.digit_line = None


class _Scanner:
    """Iterator of cleaned lines for SimpleFastaParser; finished records' facts in ``done``."""

    def __init__(self, src: FastaSource):
        self.src = src
        self.name = src.name
        self.done: deque = deque()
        self.cur: Optional[_State] = None
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
                    self.cur = _State(self.n_headers, self.lineno)
                    self.n_headers += 1
                    in_header, header_parts, header_len = True, [], 0
                    body = body[1:]
            if self.cur is None:        # before the first header: only blank lines may appear
                if body.strip():
                    shown = body.strip()[:40]
                    raise _reject("not_fasta", f"not a FASTA file: expected a '>' header line, found "
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
            st.error = _reject("bad_header", f"header longer than {MAX_HEADER} characters",
                               file=self.name, line=st.line)
        title = title.rstrip()
        words = title.split(None, 1)
        st.id = words[0] if words else None
        st.title = title
        if st.error is None:
            bad = next((i for i, c in enumerate(title) if (ord(c) < 32 and c != "\t") or 127 <= ord(c) < 160),
                       None)
            if bad is not None:
                st.error = _reject("bad_header", f"control character {title[bad]!r} in header at column "
                                   f"{bad + 2}", file=self.name, record=st.id, line=st.line)
            elif st.id is None:
                st.error = _reject("no_id", "header has no id", file=self.name, line=st.line)
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
                if st.star is None:
                    st.star = (self.lineno, col0 + i + 1, st.n + 1)
            else:
                pos = st.n + 1
                where = dict(file=self.name, record=st.id, line=self.lineno, position=pos)
                if c in "-.":
                    st.error = _reject("gap", f"gap character {c!r} at column {col0 + i + 1}: aligned "
                                       "sequences are not accepted (remove gaps deliberately if the "
                                       "residues are contiguous)", **where)
                else:
                    what = "invalid UTF-8 byte" if c == "\ufffd" else f"invalid character {c!r}"
                    st.error = _reject("bad_char", f"{what} at column {col0 + i + 1}", **where)
                return ""
        return "".join(out).upper()

    def _internal_stop(self, st: _State) -> str:
        line, col, pos = st.star
        st.error = _reject("internal_stop", f"stop '*' inside the sequence (column {col}); only a "
                           "terminal '*' is accepted", file=self.name, record=st.id, line=line, position=pos)
        return ""


# -- duplicate ids ------------------------------------------------------------------------------
class _SeenIds:
    """Set of 64-bit id hashes: the newest in a small Python set, the rest in one sorted array.

    Memory: 8 bytes per distinct id plus a constant (<= ``flush_at`` recent hashes).
    Merging appends the recent block and re-sorts stably; timsort sees one long sorted
    run plus a short one, so each merge costs O(N).
    """

    def __init__(self, flush_at: int = 4096):
        self.recent: set = set()
        self.old = np.zeros(0, dtype=np.uint64)
        self.flush_at = flush_at

    def add(self, key: str) -> bool:
        """Insert; True if it was already present."""
        h = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                           "little")
        if h in self.recent:
            return True
        if self.old.size:
            i = int(np.searchsorted(self.old, np.uint64(h)))
            if i < self.old.size and int(self.old[i]) == h:
                return True
        self.recent.add(h)
        if len(self.recent) >= self.flush_at:
            merged = np.concatenate([self.old, np.fromiter(self.recent, dtype=np.uint64, count=len(self.recent))])
            merged.sort(kind="stable")
            self.old = merged
            self.recent = set()
        return False


# -- public -------------------------------------------------------------------------------------
class FastaReader:
    """Iterable over one FASTA input: yields Record or InvalidFastaError per header, in order.

    Attributes for progress: ``n_items`` (headers done), ``n_residues`` (accepted residues),
    ``source.size`` / ``source.bytes_read()``.
    """

    def __init__(self, source, *, on_error: str = "skip", problems: Optional[ProblemReport] = None):
        if on_error not in ("skip", "fail"):
            raise ValueError(f"on_error must be 'skip' or 'fail', not {on_error!r}")
        self.on_error = on_error
        self.problems = problems
        self._source_arg = source
        self.source: Optional[FastaSource] = None
        self.n_items = 0
        self.n_residues = 0

    def _note(self, severity: str, code: str, reason: str, st: _State, line=None, position=None):
        if self.problems is not None:
            self.problems.add(reason, severity=severity, code=code, id=st.id, index=st.index,
                              file=self.source.name, line=line or st.line, position=position)
        elif severity == "warning":
            where = f"{self.source.name}, line {line or st.line}, record {st.id!r}"
            warnings.warn(f"{where}: {reason}", FastaWarning, stacklevel=3)

    def __iter__(self) -> Iterator[Union[Record, InvalidFastaError]]:
        with FastaSource(self._source_arg) as src:
            self.source = src
            yield from self._items(src)

    def _items(self, src: FastaSource):
        scanner = _Scanner(src)
        seen = _SeenIds()
        for title, seq in SimpleFastaParser(scanner):
            st: _State = scanner.done.popleft()
            self.n_items += 1
            if st.error is None and st.star is not None:
                st.notes.append(("note", "terminal_stop", "terminal '*' removed", st.star[0], st.star[2]))
            if st.error is None and not seq:
                st.error = _reject("empty_sequence", "header with no sequence", file=src.name, record=st.id,
                                   line=st.line)
            if st.error is None and len(seq) != st.n:    # guards the scanner/Bio hand-off
                st.error = _reject("internal", f"parser disagreement ({len(seq)} vs {st.n} residues)",
                                   file=src.name, record=st.id, line=st.line)
            if st.id is not None and seen.add(st.id) and st.error is None:
                st.notes.append(("warning", "duplicate_id", f"duplicate id {st.id!r} (seen earlier in this "
                                 "file); both records are kept, in input order", st.line, None))
            if st.error is None:
                if st.digits:
                    st.notes.append(("warning", "digits_stripped", f"removed {st.digits} digit(s) from "
                                     "sequence lines (GenBank-style numbering?)", st.digit_line, None))
                if st.spaces:
                    st.notes.append(("warning", "spaces_stripped", f"removed {st.spaces} space(s)/tab(s) "
                                     "inside sequence lines", st.ws_line, None))
            for sev, code, reason, line, pos in st.notes:
                self._note(sev, code, reason, st, line, pos)
            if st.error is not None:
                err = st.error
                err.index = st.index
                if err.record is None and st.id is not None:
                    err.record = st.id
                if self.problems is not None:
                    self.problems.add_error(err, index=st.index, code=err.code)
                if self.on_error == "fail":
                    raise err
                yield err
                continue
            desc = st.title.split(None, 1)
            self.n_residues += len(seq)
            yield Record(st.id, seq, desc[1] if len(desc) > 1 else "", source=src.name, line=st.line,
                         index=st.index)
        if scanner.n_headers == 0:
            raise _reject("no_records", "no FASTA records (empty file or only blank lines)", file=src.name)


def iter_fasta(source, *, on_error: str = "skip",
               problems: Optional[ProblemReport] = None) -> Iterator[Union[Record, InvalidFastaError]]:
    """Stream ``source`` (path, ``"-"``, or binary file object): one item per header, in order.

    Items are :class:`Record` (accepted) or :class:`InvalidFastaError` (rejected, with
    ``.index`` and ``.code``; only when ``on_error="skip"``, else it is raised). File-level
    problems (unreadable, not FASTA, empty, corrupt compression) always raise.
    """
    return iter(FastaReader(source, on_error=on_error, problems=problems))


def read_records(source, *, problems: Optional[ProblemReport] = None) -> Iterator[Record]:
    """Only the accepted records; rejected ones go to ``problems`` (required, so none is lost)."""
    if problems is None:
        raise ValueError("read_records needs a ProblemReport for the rejected records")
    for item in iter_fasta(source, problems=problems):
        if isinstance(item, Record):
            yield item


def read_fasta(source, *, on_error: str = "fail") -> list:
    """Small inputs: all records as a list; by default any rejected record raises."""
    out = [x for x in iter_fasta(source, on_error=on_error)]
    return [x for x in out if isinstance(x, Record)]


def read_clamp_file(path) -> dict:
    """Clamp file -> {id: (labels, header line)}.

    Format: FASTA-like; ``>id`` (first word), then one label string as long as the
    sequence (it may wrap over several lines; whitespace is ignored), letters
    ``HGIEBTSC`` for known positions and ``-`` for free ones. Letters are checked
    per record against its sequence (:func:`check_clamp`), so a bad clamp rejects
    only that record. A file that is not FASTA-like, or names an id twice, is an
    :class:`InvalidFileError`.
    """
    out: dict = {}
    name = str(path)
    with FastaSource(path) as src:
        cur, parts, line0 = None, [], 0
        for n, line in enumerate(src.text, 1):
            s = line.strip()
            if line.startswith(">"):
                if cur is not None:
                    out[cur] = ("".join(parts), line0)
                words = line[1:].split(None, 1)
                if not words:
                    raise InvalidFileError("clamp header has no id", file=name, line=n)
                cur, parts, line0 = words[0], [], n
                if cur in out:
                    raise InvalidFileError(f"clamp for id {cur!r} given twice", file=name, line=n)
            elif s:
                if cur is None:
                    raise InvalidFileError("not a clamp file: expected a '>id' line first", file=name, line=n)
                parts.append("".join(s.split()))
        if cur is not None:
            out[cur] = ("".join(parts), line0)
    if not out:
        raise InvalidFileError("clamp file has no entries", file=name)
    return out


_CLAMP_OK = frozenset(SS8 + "-")


def check_clamp(rec: Record, labels: str, *, file=None, line=None) -> Optional[SeqGSNError]:
    """None if ``labels`` is a valid clamp for ``rec``; else the error to report for it."""
    where = dict(file=file, record=rec.id, line=line)
    if len(labels) != len(rec.seq):
        e = LabelMismatchError(f"clamp has length {len(labels)}, sequence has {len(rec.seq)}", **where)
        e.code = "clamp_length"
        return e
    bad = next((i for i, c in enumerate(labels) if c not in _CLAMP_OK), None)
    if bad is not None:
        e = AlphabetError(f"clamp label {labels[bad]!r} is not one of {SS8} or '-'", position=bad + 1,
                          **where)
        e.code = "clamp_label"
        return e
    return None


__all__ = ["iter_fasta", "read_records", "read_fasta", "read_clamp_file", "check_clamp", "FastaReader",
           "FastaSource", "FastaWarning", "CHUNK", "MAX_HEADER"]
