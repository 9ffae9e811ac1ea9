import ctypes.util
import sys

import pytest

from seqgsn.heap import release_free_memory


def test_release_free_memory_is_safe_to_call_repeatedly():
    results = {release_free_memory() for _ in range(3)}
    assert results in ({True}, {False})


@pytest.mark.skipif(not sys.platform.startswith("linux") or "musl" in (ctypes.util.find_library("c") or ""),
                    reason="malloc_trim is a glibc function")
def test_release_free_memory_trims_on_glibc_linux():
    blocks = [bytearray(3_000_000 + 4096 * i) for i in range(8)]   # freed heap blocks to give back
    del blocks
    assert release_free_memory() is True
