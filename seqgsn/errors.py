"""Typed errors. Every message says *where*: file, record, line, position.

The CLI turns any :class:`SeqGSNError` into a one-line message and a non-zero
exit code (see ``seqgsn.cli``); anything else escaping is a bug.
"""
from __future__ import annotations


class SeqGSNError(Exception):
    """Base class. ``exit_code`` is what the CLI returns for it."""

    exit_code = 2

    def __init__(self, reason: str, *, file=None, record=None, line=None, position=None):
        self.reason = reason
        self.file = None if file is None else str(file)
        self.record = record
        self.line = line
        self.position = position
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record!r}")
        if self.position is not None:
            where.append(f"position {self.position}")
        return (": ".join([", ".join(where), self.reason]) if where else self.reason)

    def to_dict(self) -> dict:
        """One JSON-able problem report (``--errors`` file rows)."""
        return {"id": self.record, "file": self.file, "line": self.line,
                "position": self.position, "reason": self.reason, "type": type(self).__name__}


class InvalidFileError(SeqGSNError):
    """A file that cannot be read as the format it claims (or was detected as)."""


class InvalidFastaError(InvalidFileError):
    """A FASTA file or record that breaks the input policy (docs in ``seqgsn.io.fasta``)."""


class AlphabetError(SeqGSNError):
    """A symbol outside the residue or label alphabet."""


class LabelMismatchError(SeqGSNError):
    """Labels whose length or identity does not match their sequence."""


class ConfigError(SeqGSNError):
    """A configuration file or value that is unknown or invalid."""


class CheckpointError(SeqGSNError):
    """A model file that is unsafe, truncated, corrupted, or does not match this version."""


class ToolNotFoundError(SeqGSNError):
    """An external tool (mmseqs, mkdssp, psiblast) or optional package (matplotlib) that a command needs
    is not installed."""


class DeviceError(SeqGSNError):
    """A device (or precision) that was asked for but is not available here, or a malformed name."""
