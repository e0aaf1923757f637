"""Peak resident memory of this process on Linux: reset the high-water mark, then read it."""

from __future__ import annotations

import ctypes
import gc

MEMORY_PROTOCOL = (
    "Peak memory is the largest resident set size (Linux's VmHWM) of a child process that ran only "
    "this method on this case, minus its resident set size just before the method was traced or "
    "first called: "
    "the child was forked from a process that had imported TensorFlow but never run an operation, "
    "ran one tiny operation to start TensorFlow's runtime, built the inputs and the float64 reference, "
    "returned freed C memory to the system (malloc_trim), reset the high-water mark "
    "(/proc/self/clear_refs) and read its baseline. The peak therefore covers tf.function tracing, "
    "the first call, the warm-up and every timed call, with results dropped "
    "between calls: it is the memory the method needs on top of the inputs, not the process's total."
)
"""What the harness's peak-memory numbers measure, as the JSON records it and the costs page prints it."""


def _status_bytes(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"/proc/self/status has no {field_name}")


def memory_baseline() -> int:
    """Return freed C memory to the system, reset the high-water mark and return the resident size.

    >>> memory_baseline() > 0 if memory_measurable() else True
    True
    """
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")  # "5" resets VmHWM to the current VmRSS (Linux >= 4.0)
    return _status_bytes("VmRSS")


def peak_resident_bytes() -> int:
    """The largest resident size since the last :func:`memory_baseline` (Linux's VmHWM).

    >>> peak_resident_bytes() >= memory_baseline() if memory_measurable() else True
    True
    """
    return _status_bytes("VmHWM")


def memory_measurable() -> bool:
    """Whether this machine lets a process reset and read its peak resident memory (Linux with /proc).

    >>> isinstance(memory_measurable(), bool)
    True
    """
    try:
        memory_baseline()
        peak_resident_bytes()
    except (OSError, AttributeError):
        return False
    return True
