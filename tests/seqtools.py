"""Synthetic sequence helpers shared by the redundancy tests (test data of known identity)."""
from seqgsn.alphabet import AA_STANDARD


def random_protein(rng, n: int) -> str:
    return "".join(rng.choice(list(AA_STANDARD), n))


def mutate(rng, seq: str, fraction: float) -> str:
    """Copy of ``seq`` with exactly round(fraction * len) positions changed to another residue."""
    s = list(seq)
    for i in rng.choice(len(s), round(fraction * len(s)), replace=False):
        s[i] = rng.choice([a for a in AA_STANDARD if a != s[i]])
    return "".join(s)
