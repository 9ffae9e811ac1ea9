"""Give freed heap memory back to the operating system between prediction batches.

Why: tensors of a few MB whose sizes change with every batch (length-bucketed batches) make
glibc's allocator raise its mmap threshold and then serve them from the heap, where freed
blocks fragment and resident memory keeps growing with the number of batches processed
(measured: 380 -> 1,000 MiB over a 4 MB FASTA file). ``malloc_trim(0)`` returns the free pages,
but trimming after every batch cost 12% of prediction time (the next batch faults the pages
back in), so it runs only when the heap holds more than ``min_free`` bytes of free memory
(glibc's ``mallinfo2``): resident memory stays within about that much of what is in use, and
short inputs never pay for it. Forcing every large tensor through mmap (``MALLOC_MMAP_THRESHOLD_``)
bounds memory too but made prediction about 2x slower.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

MIN_FREE = 256 << 20     # bytes of free heap tolerated before trimming


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]


@functools.lru_cache(maxsize=None)
def _glibc():
    """The C library when it is glibc (has malloc_trim; musl has not), else None. Looked up once."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(lib, "malloc_trim"):
        return None
    if hasattr(lib, "mallinfo2"):                        # glibc >= 2.33
        lib.mallinfo2.restype = _MallInfo2
    return lib


def free_heap_bytes():
    """Free bytes held in the heap (glibc ``mallinfo2().fordblks``), or None where unknown."""
    lib = _glibc()
    if lib is None or not hasattr(lib, "mallinfo2"):
        return None
    return int(lib.mallinfo2().fordblks)


def release_free_memory(min_free: int = MIN_FREE) -> bool:
    """Return free heap pages to the OS if more than ``min_free`` bytes are free (always, where the
    amount is unknown). True if it trimmed."""
    lib = _glibc()
    if lib is None:
        return False
    free = free_heap_bytes()
    if free is not None and free < min_free:
        return False
    lib.malloc_trim(0)
    return True
