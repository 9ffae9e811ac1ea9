"""Shared helpers for corpus readers: build a validated LabeledRecord, read text lines.

Every reader funnels its chains through :func:`make_record`, so all corpora obey
one policy:

* the sequence is upper-cased and every residue checked with
  :func:`seqgsn.alphabet.encode_sequence` (``B Z J U O X`` are allowed, mapping
  to unknown; anything else is an AlphabetError). A reader may first map a
  format's own spelling of a non-standard residue, and says so in its docstring
  (``pisces_csv``: ``*`` -> ``X``, label kept);
* 8-state labels get the format's coil spellings mapped to ``C``
  (:func:`normalize_ss8`, only the aliases the reader names) and are then checked
  against ``HGIEBTSC``; 3-state labels against ``HEC``;
* label / mask / profile lengths must equal the sequence length
  (LabelMismatchError).

Errors name the file, the record id and the 1-based line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from ...alphabet import encode_sequence, encode_ss3, encode_ss8, normalize_ss8
from ...errors import ConfigError, InvalidFileError, LabelMismatchError
from ...records import LabeledRecord


def make_record(rid: str, seq: str, ss8: Optional[str] = None, *, ss3: Optional[str] = None,
                mask=None, profile=None, file=None, line: Optional[int] = None,
                seq_line: Optional[int] = None, label_line: Optional[int] = None,
                label_file=None, coil_aliases: str = "",
                meta: Optional[dict] = None) -> LabeledRecord:
    """Validate one chain and return it. ``line`` is the record's first line (its header).

    ``seq_line`` / ``label_line`` (default ``line``) and ``label_file`` (default
    ``file``) are used in error messages for residue / label problems.
    """
    seq_line = line if seq_line is None else seq_line
    label_line = line if label_line is None else label_line
    where = dict(file=file, record=rid)
    lwhere = dict(file=file if label_file is None else label_file, record=rid)
    if not seq:
        raise InvalidFileError("empty sequence", line=seq_line, **where)
    seq = seq.upper()
    encode_sequence(seq, line=seq_line, **where)
    n = len(seq)
    if ss8 is not None:
        ss8 = normalize_ss8(ss8, coil_aliases)
        _check_len("8-state labels", len(ss8), n, label_line, lwhere)
        encode_ss8(ss8, line=label_line, **lwhere)
    if ss3 is not None:
        _check_len("3-state labels", len(ss3), n, label_line, lwhere)
        encode_ss3(ss3, line=label_line, **lwhere)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        _check_len("mask", mask.shape[0], n, label_line, lwhere)
    if profile is not None:
        profile = np.ascontiguousarray(profile, dtype=np.float32)
        if profile.ndim != 2:
            raise InvalidFileError(f"profile must be 2-D [L, P], got shape {profile.shape}",
                                   line=line, **where)
        _check_len("profile", profile.shape[0], n, line, where)
    return LabeledRecord(rid, seq, ss8=ss8, ss3=ss3, mask=mask, profile=profile,
                         source=None if file is None else str(file), line=line,
                         meta=dict(meta or {}))


def _check_len(what: str, got: int, n: int, line, where: dict) -> None:
    if got != n:
        raise LabelMismatchError(f"{what} have length {got} but the sequence has {n} residues",
                                 line=line, **where)


def read_text_lines(path: Path) -> list[str]:
    """Lines of a text file without their line terminator (``\\n`` or ``\\r\\n``).

    Only the terminator is removed: trailing spaces are data in some corpora
    (Tianchi writes coil as a space).
    """
    try:
        text = Path(path).read_bytes().decode("ascii")
    except UnicodeDecodeError as e:
        line = Path(path).read_bytes()[:e.start].count(b"\n") + 1
        raise InvalidFileError(f"non-ASCII byte 0x{e.object[e.start]:02x}: not a text corpus file",
                               file=path, line=line) from None
    return split_lines(text)


def split_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def fasta_blocks(lines: list[str], path) -> Iterator[tuple[str, int, list[tuple[int, str]]]]:
    """Yield (header without '>', header line no., [(line no., stripped line), ...]) per record.

    Blank lines are skipped; text before the first header is an error.
    """
    header, hline, body = None, 0, []
    for i, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s:
            continue
        if s.startswith(">"):
            if header is not None:
                yield header, hline, body
            header, hline, body = s[1:].strip(), i, []
        elif header is None:
            raise InvalidFileError("text before the first '>' header", file=path, line=i)
        else:
            body.append((i, s))
    if header is not None:
        yield header, hline, body


def unique_id(rid: str, seen: set) -> str:
    """``rid``, or ``rid_2``, ``rid_3`` ... if already used (ids must be unique in a corpus)."""
    out, k = rid, 2
    while out in seen:
        out, k = f"{rid}_{k}", k + 1
    seen.add(out)
    return out


def as_bool(value, name: str) -> bool:
    """Reader option as bool; strings come from ``path?opt=value`` corpus entries."""
    if isinstance(value, bool):
        return value
    v = str(value).strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"option {name}={value!r} is not a yes/no value")
