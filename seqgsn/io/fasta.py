"""Streaming FASTA input with an explicit policy for every oddity.

``iter_fasta(source)`` yields, in input order, one item per ``>`` header: a
:class:`~seqgsn.records.Record` for an accepted record, or an
:class:`~seqgsn.errors.InvalidFastaError` (with ``.index``, ``.code``) for a
rejected one. The file is read line by line (lines longer than 64 Ki characters
in chunks), so memory is bounded by the largest record, not the file.
Warnings and notes, and the rejections too, go to an optional
:class:`~seqgsn.io.problems.ProblemReport`; without one, warnings are issued as
Python ``FastaWarning`` warnings (never silent).

How it reads: a line scanner (:mod:`seqgsn.io.fasta_scanner`: line numbers, decompression, the
policy below) feeds cleaned lines to Biopython's ``Bio.SeqIO.FastaIO.SimpleFastaParser``, which
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

import hashlib
import warnings
from typing import Iterator, Optional, Union

import numpy as np
from Bio.SeqIO.FastaIO import SimpleFastaParser

from ..alphabet import SS8
from ..errors import AlphabetError, InvalidFastaError, InvalidFileError, LabelMismatchError, SeqGSNError
from ..records import Record
from .fasta_scanner import CHUNK, MAX_HEADER, FastaSource, LineScanner, RecordState, reject
from .problems import ProblemReport


class FastaWarning(UserWarning):
    """A FASTA oddity that was accepted (issued only when no ProblemReport is given)."""


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

    def _note(self, severity: str, code: str, reason: str, st: RecordState, line=None, position=None):
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
        scanner = LineScanner(src)
        seen = _SeenIds()
        for title, seq in SimpleFastaParser(scanner):
            st: RecordState = scanner.done.popleft()
            self.n_items += 1
            if st.error is None and st.star is not None:
                what = "terminal '*' removed" if st.stars == 1 else f"{st.stars} terminal '*' removed"
                st.notes.append(("note", "terminal_stop", what, st.star[0], st.star[2]))
            if st.error is None and not seq:
                st.error = reject("empty_sequence", "header with no sequence", file=src.name, record=st.id,
                                   line=st.line)
            if st.error is None and len(seq) != st.n:    # guards the scanner/Bio hand-off
                st.error = reject("internal", f"parser disagreement ({len(seq)} vs {st.n} residues)",
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
            raise reject("no_records", "no FASTA records (empty file or only blank lines)", file=src.name)


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
    """Clamp file -> {id: (labels, header line, label lines)}; label lines: (offset in labels, line number)
    of each line the labels came from, so an error at a position names the line it is on.

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
        cur, parts, line0, starts, size = None, [], 0, [], 0
        for n, line in enumerate(src.text, 1):
            s = line.strip()
            if line.startswith(">"):
                if cur is not None:
                    out[cur] = ("".join(parts), line0, starts)
                words = line[1:].split(None, 1)
                if not words:
                    raise InvalidFileError("clamp header has no id", file=name, line=n)
                cur, parts, line0, starts, size = words[0], [], n, [], 0
                if cur in out:
                    raise InvalidFileError(f"clamp for id {cur!r} given twice", file=name, line=n)
            elif s:
                if cur is None:
                    raise InvalidFileError("not a clamp file: expected a '>id' line first", file=name, line=n)
                parts.append("".join(s.split()))
                starts.append((size, n))
                size += len(parts[-1])
        if cur is not None:
            out[cur] = ("".join(parts), line0, starts)
    if not out:
        raise InvalidFileError("clamp file has no entries", file=name)
    return out


_CLAMP_OK = frozenset(SS8 + "-")


def check_clamp(rec: Record, labels: str, *, file=None, line=None, label_lines=()) -> Optional[SeqGSNError]:
    """None if ``labels`` is a valid clamp for ``rec``; else the error to report for it. ``line``: the clamp's
    header line; ``label_lines``: :func:`read_clamp_file`'s (offset, line) pairs, to name a bad letter's line."""
    where = dict(file=file, record=rec.id, line=line)
    if len(labels) != len(rec.seq):
        e = LabelMismatchError(f"clamp has length {len(labels)}, sequence has {len(rec.seq)}", **where)
        e.code = "clamp_length"
        return e
    bad = next((i for i, c in enumerate(labels) if c not in _CLAMP_OK), None)
    if bad is not None:
        where["line"] = next((n for off, n in reversed(label_lines) if off <= bad), line)
        e = AlphabetError(f"clamp label {labels[bad]!r} is not one of {SS8} or '-'", position=bad + 1,
                          **where)
        e.code = "clamp_label"
        return e
    return None


__all__ = ["iter_fasta", "read_records", "read_fasta", "read_clamp_file", "check_clamp", "FastaReader",
           "FastaSource", "FastaWarning", "CHUNK", "MAX_HEADER"]
