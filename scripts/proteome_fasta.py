#!/usr/bin/env python
"""A proteome-sized FASTA of real protein sequences for the speed issue's throughput / memory run.

Concatenates the distinct sequences of the given corpora (any format ``seqgsn data stats`` reads), in
order, until ``--residues`` is reached, and writes them to OUT (outside the repository: the corpora's
licences stay with ``../shared``). Default: CB513, NEW364 and the training corpora of configs/default.yaml;
when their distinct sequences hold fewer residues than the target, the list is repeated with a ``_copyN``
id suffix until it is met (a repeated sequence costs the same to predict).

    python scripts/proteome_fasta.py /tmp/proteome.fasta --residues 8000000
    python scripts/bench.py --fasta /tmp/proteome.fasta --repeats 1 --no-peer --train-steps 0
"""
from __future__ import annotations

import argparse
from pathlib import Path

from seqgsn.data.training_set import parse_entry
from seqgsn.io.corpus import read_corpus

DEFAULT = ["prottrans_netsurfp2_csv/CB513_HHblits.csv", "pisces_pdb2018", "scratch1d_sspro",
           "icml2014_cb6133filtered", "flip_secondary_structure/splits.zip?split=train",
           "flip_secondary_structure/splits.zip?split=val", "flip_secondary_structure/splits.zip?split=test"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--residues", type=int, default=8_000_000)
    ap.add_argument("corpora", nargs="*", default=DEFAULT)
    a = ap.parse_args(argv)
    seen, seqs = set(), []
    for entry in a.corpora:
        path, opts = parse_entry(entry)
        for r in read_corpus(str(path), **opts):
            if r.seq not in seen:
                seen.add(r.seq)
                seqs.append((r.id, r.seq))
    n = total = 0
    with open(a.out, "w") as fh:
        copy = 0
        while total < a.residues and seqs:
            for rid, seq in seqs:
                fh.write(f">{rid}{f'_copy{copy}' if copy else ''}\n{seq}\n")
                n, total = n + 1, total + len(seq)
                if total >= a.residues:
                    break
            copy += 1
    print(f"{a.out}: {n:,} sequences, {total:,} residues ({len(seqs):,} distinct sequences read)")


if __name__ == "__main__":
    main()
