"""Problem report: every rejected record and every warning, one JSON object each.

A problem is a dict with the keys

    severity   "error"   - the record was rejected: it is NOT in the output
               "warning" - the record is in the output but its input was altered or suspicious
               "note"    - harmless normalisation (e.g. a terminal '*' removed)
    code       short machine-readable kind (``internal_stop``, ``duplicate_id``, ...)
    id         record id (None when unknown, e.g. a file-level problem)
    index      0-based record number in its file (None for file-level problems)
    file       input file ("<stdin>" for standard input)
    line       1-based line the problem is on (the header line when it concerns the whole record)
    position   1-based residue position in the record, when the problem has one
    reason     human-readable sentence
    type       the seqgsn error class name (``InvalidFastaError``, ...) or ``Warning``

``--errors FILE`` writes them as JSON lines (one object per line, input order).
Invariant kept by the reader and the pipeline: each input record is either in the
output or has exactly one ``severity == "error"`` problem, never both, never neither.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import IO, Iterable, List, Optional

from ..errors import SeqGSNError

SEVERITIES = ("error", "warning", "note")


class ProblemReport:
    """Collects problems; optionally streams them to ``sink`` (a text file) as JSON lines.

    keep: how many problems to keep in memory for :attr:`problems` / :meth:`summary`
    (None = all). Counters always cover every problem, so a report over millions of
    bad records needs O(keep) memory when streaming to a sink.
    """

    def __init__(self, sink: Optional[IO[str]] = None, *, keep: Optional[int] = None):
        self.sink = sink
        self.keep = keep
        self.problems: List[dict] = []
        self.by_severity: Counter = Counter()
        self.by_code: Counter = Counter()
        # While muted, problems are counted but not written to the sink (used by --resume
        # while re-reading records whose problems are already in the errors file).
        self.muted = False

    # -- adding -----------------------------------------------------------------------------
    def add(self, reason: str, *, severity: str = "error", code: str = "other", id=None, index=None,
            file=None, line=None, position=None, type: str = "Warning") -> dict:
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        p = {"severity": severity, "code": code, "id": id, "index": index, "file": file,
             "line": line, "position": position, "reason": reason, "type": type}
        self._store(p)
        return p

    def add_error(self, err: SeqGSNError, *, index=None, severity: str = "error",
                  code: Optional[str] = None) -> dict:
        """Record a typed error (for a record: pass its ``index``)."""
        p = err.to_dict()
        p.update(severity=severity, index=index if index is not None else getattr(err, "index", None),
                 code=code or getattr(err, "code", None) or "other")
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        order = ("severity", "code", "id", "index", "file", "line", "position", "reason", "type")
        p = {k: p.get(k) for k in order}
        self._store(p)
        return p

    def _store(self, p: dict) -> None:
        self.by_severity[p["severity"]] += 1
        self.by_code[(p["severity"], p["code"])] += 1
        if self.keep is None or len(self.problems) < self.keep:
            self.problems.append(p)
        if self.sink is not None and not self.muted:
            self.sink.write(json.dumps(p, ensure_ascii=False) + "\n")

    # -- reading ----------------------------------------------------------------------------
    @property
    def n_errors(self) -> int:
        return self.by_severity["error"]

    @property
    def n_warnings(self) -> int:
        return self.by_severity["warning"]

    @property
    def n_notes(self) -> int:
        return self.by_severity["note"]

    def __len__(self) -> int:
        return sum(self.by_severity.values())

    def errors(self) -> List[dict]:
        return [p for p in self.problems if p["severity"] == "error"]

    def summary(self, limit: int = 10, errors_file: Optional[str] = None) -> str:
        """Readable text for stderr: totals, counts per kind, the first ``limit`` problems."""
        if not len(self):
            return "no problems"
        n_err, n_warn, n_note = self.n_errors, self.n_warnings, self.n_notes
        head = (f"{n_err} record{'s' * (n_err != 1)} skipped, {n_warn} warning{'s' * (n_warn != 1)}, "
                f"{n_note} note{'s' * (n_note != 1)}")
        if errors_file:
            head += f" (all listed in {errors_file})"
        lines = [head]
        for (sev, code), n in sorted(self.by_code.items(), key=lambda kv: (SEVERITIES.index(kv[0][0]),
                                                                           -kv[1], kv[0][1])):
            lines.append(f"  {n:>8d} x {sev:<7s} {code}")
        shown = [p for p in self.problems if p["severity"] != "note"][:limit]
        for p in shown:
            lines.append("  " + format_problem(p))
        rest = n_err + n_warn - len(shown)
        if rest > 0:
            lines.append(f"  ... and {rest} more" + (f" in {errors_file}" if errors_file else ""))
        return "\n".join(lines)


def format_problem(p: dict) -> str:
    where = [str(p["file"])] if p.get("file") else []
    if p.get("line") is not None:
        where.append(f"line {p['line']}")
    if p.get("id") is not None:
        where.append(f"record {p['id']!r}")
    if p.get("position") is not None:
        where.append(f"position {p['position']}")
    return f"{p['severity']}: {', '.join(where)}: {p['reason']}" if where else f"{p['severity']}: {p['reason']}"


def read_problems(lines: Iterable[str]) -> List[dict]:
    """Parse an ``--errors`` JSON-lines file (an iterable of lines) back into dicts."""
    return [json.loads(s) for s in lines if s.strip()]
