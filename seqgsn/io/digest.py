"""Content digests of files (cache keys, resume checks)."""
from __future__ import annotations

import hashlib


def update_from_file(h, path, block: int = 1 << 20) -> None:
    """Feed ``path``'s bytes into the hashlib object ``h``, a block at a time (bounded memory)."""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(block), b""):
            h.update(chunk)


def file_sha256(path) -> str:
    h = hashlib.sha256()
    update_from_file(h, path)
    return h.hexdigest()
