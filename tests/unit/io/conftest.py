"""Fixtures for the I/O tests: write FASTA text/bytes (optionally compressed) into tmp files."""
import bz2
import gzip
import lzma

import pytest

COMPRESSORS = {None: lambda b: b, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


@pytest.fixture
def write_fasta(tmp_path):
    counter = iter(range(10**6))

    def _write(content, compression=None, name=None):
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = tmp_path / (name or f"in{next(counter)}.fa")
        path.write_bytes(COMPRESSORS[compression](data))
        return path
    return _write
