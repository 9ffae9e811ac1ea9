import ctypes.util
import sys

import pytest

from seqgsn.chain.heap import free_heap_bytes, release_free_memory

GLIBC = sys.platform.startswith("linux") and "musl" not in (ctypes.util.find_library("c") or "")


def test_release_free_memory_is_safe_to_call_repeatedly():
    results = [release_free_memory(0) for _ in range(3)]
    assert all(isinstance(r, bool) for r in results)


@pytest.mark.skipif(not GLIBC, reason="malloc_trim / mallinfo2 are glibc functions")
def test_trims_only_above_the_free_threshold():
    if free_heap_bytes() is None:
        pytest.skip("glibc without mallinfo2")
    assert release_free_memory(0) is True                 # threshold 0: always trims
    assert release_free_memory(1 << 60) is False          # nobody holds an exabyte of free heap
    assert free_heap_bytes() >= 0
