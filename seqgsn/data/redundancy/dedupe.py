"""Collapse identical sequences; report identical sequences whose labels disagree.

Two records are *identical* when their sequences are equal ignoring case.
Within a group of identical sequences the first record (input order) is the
reference; every other record is compared with it on ``ss8`` when both have
8-state labels, else on ``ss3`` when both have 3-state labels (else not at
all). Positions count only where both records' evaluation masks are True. A
record with at least one differing position is a *conflict*.

Policy for conflicts (``conflicts=``):

* ``"first"`` (default): keep the group's first record, drop the rest. Two
  PDB entries of one sequence can legitimately get different DSSP strings
  (other crystal form, ligand, resolution), so one of them is a valid label.
* ``"drop"``: drop EVERY record of a group that has any conflict, for corpora
  where disagreeing labels mean the labels cannot be trusted.

Groups without conflicts always keep their first record.
"""
from __future__ import annotations

import numpy as np

from ...errors import ConfigError

POLICIES = ("first", "drop")


def _compare(a, b):
    """(label field, differing positions, compared positions) for two equal-length records."""
    for name in ("ss8", "ss3"):
        la, lb = getattr(a, name), getattr(b, name)
        if la is not None and lb is not None:
            both = a.eval_mask() & b.eval_mask()
            diff = np.frombuffer(la.encode("ascii"), np.uint8) != np.frombuffer(
                lb.encode("ascii"), np.uint8)
            return name, int((diff & both).sum()), int(both.sum())
    return None, 0, 0


def dedupe(records, conflicts: str = "first"):
    """``(unique, report)``: records without repeated sequences, and what was done.

    unique keeps input order. report (JSON-able) keys: ``policy, input, unique,
    removed, duplicate_groups`` (sequences seen more than once), ``duplicates``
    (``{"id", "same_as"}`` for each dropped copy whose labels agree or are
    absent), ``conflicts`` (``{"ids": [reference, other], "label", "differing_positions",
    "compared_positions"}``), ``dropped_for_conflict`` (ids, policy "drop" only).
    """
    if conflicts not in POLICIES:
        raise ConfigError(f"unknown conflict policy {conflicts!r}; use one of {', '.join(POLICIES)}")
    records = list(records)
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(r.seq.upper(), []).append(i)
    keep = [False] * len(records)
    duplicates, conflict_rows, dropped = [], [], []
    n_groups = 0
    for members in groups.values():
        ref = records[members[0]]
        if len(members) == 1:
            keep[members[0]] = True
            continue
        n_groups += 1
        group_conflict = False
        for j in members[1:]:
            other = records[j]
            label, ndiff, ncmp = _compare(ref, other)
            if ndiff:
                group_conflict = True
                conflict_rows.append({"ids": [ref.id, other.id], "label": label,
                                      "differing_positions": ndiff, "compared_positions": ncmp})
            else:
                duplicates.append({"id": other.id, "same_as": ref.id})
        if group_conflict and conflicts == "drop":
            dropped.extend(records[j].id for j in members)
        else:
            keep[members[0]] = True
    unique = [r for r, k in zip(records, keep) if k]
    report = {"policy": conflicts, "input": len(records), "unique": len(unique),
              "removed": len(records) - len(unique), "duplicate_groups": n_groups,
              "duplicates": duplicates, "conflicts": conflict_rows,
              "dropped_for_conflict": dropped}
    return unique, report
