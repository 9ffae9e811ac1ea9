#!/usr/bin/env python
"""A proteome-sized FASTA of real protein sequences for the speed issue's throughput / memory run.

Concatenates the distinct sequences of the given corpora (any format ``seqgsn data stats`` reads), in
order, until ``--residues`` is reached, and writes them to OUT (outside the repository: the corpora's
licences stay with ``../shared``). Default (``DEFAULT``, under the data root): CB513, pisces_pdb2018,
scratch1d_sspro, icml2014_cb6133filtered and FLIP's train, val and test splits (NEW364 is its test split).
Each id is prefixed with its corpus's name (``CB513_HHblits:row3``, ``splits-test:1es5-A``), so two corpora
that number their rows alike give distinct ids. When the distinct sequences hold fewer residues than the
target, the list is repeated with a ``_copyN`` id suffix until it is met (a repeated sequence costs the same
to predict).

    python scripts/proteome_fasta.py /tmp/proteome.fasta --residues 8000000
    python scripts/bench.py --fasta /tmp/proteome.fasta --repeats 1 --no-peer --train-steps 0
"""
from __future__ import annotations

import argparse
from pathlib import Path

from seqgsn.data.training_set import find_entry
from seqgsn.errors import SeqGSNError
from seqgsn.io.corpus import read_corpus

DEFAULT = ["prottrans_netsurfp2_csv/CB513_HHblits.csv", "pisces_pdb2018", "scratch1d_sspro",
           "icml2014_cb6133filtered", "flip_secondary_structure/splits.zip?split=train",
           "flip_secondary_structure/splits.zip?split=val", "flip_secondary_structure/splits.zip?split=test"]


def corpus_tag(path: Path, opts: dict) -> str:
    """'flip_secondary_structure/splits.zip?split=test' -> 'splits-test': the id prefix of a corpus."""
    return "-".join([path.name.split(".")[0] or "corpus", *(str(v) for v in opts.values())])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--residues", type=int, default=8_000_000)
    ap.add_argument("corpora", nargs="*", default=DEFAULT,
                    help="corpora (PATH or PATH?split=..., relative ones also under the data root); default: "
                         + ", ".join(DEFAULT))
    a = ap.parse_intermixed_args(argv)      # OUT --residues N CORPUS...: corpora after the option too
    try:
        seqs = distinct_sequences(a.corpora)
    except SeqGSNError as e:                 # a missing corpus, a bad file: one line, not a traceback
        ap.exit(2, f"{ap.prog}: error: {e}\n")
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


def distinct_sequences(corpora: list) -> list:
    """-> [(id, seq)] of the first occurrence of each sequence, ids '<corpus tag>:<record id>'."""
    seen, seqs, tags = set(), [], set()
    for i, entry in enumerate(corpora):
        path, opts = find_entry(entry)        # the defaults live under the data root: it says where it looked
        tag = corpus_tag(path, opts)
        if tag in tags:                      # two corpora with one name (a/x.csv, b/x.csv): keep ids distinct
            tag = f"{tag}-{i + 1}"
        tags.add(tag)
        for r in read_corpus(str(path), **opts):
            if r.seq not in seen:
                seen.add(r.seq)
                seqs.append((f"{tag}:{r.id}", r.seq))
    return seqs


if __name__ == "__main__":
    main()
