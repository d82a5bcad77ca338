"""CPU memory allocation for batched image operations.

A batch of 64 x 64 images makes tensors of a few megabytes.  glibc serves such sizes from the
heap once it has seen them freed, but gives the top of the heap back to the system as soon as
more than twice that size is free there, so the next batch touches fresh pages again: page
faults that can take half of the time of a colour augmentation (measured in
``bench/augment.py``).  :func:`keep_freed_memory` tells glibc to keep freed memory in the
process (as jemalloc or tcmalloc do by default).  It changes the whole process and is inherited
by ``DataLoader`` workers started afterwards, so it is opt-in, never done at import.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt parameters from glibc's <malloc.h>
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def keep_freed_memory(*, mmap_threshold: int = 32 << 20, trim_threshold: int = 1 << 30,
                      top_pad: int = 64 << 20) -> bool:
    """Ask glibc to serve allocations up to ``mmap_threshold`` bytes from the heap and to keep
    up to ``trim_threshold`` bytes of freed memory.  Returns False where there is no glibc
    (nothing changes then)."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)) == 1
    ok &= mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)) == 1
    ok &= mallopt(_M_TOP_PAD, int(top_pad)) == 1
    return bool(ok)
