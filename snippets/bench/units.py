"""Numbers as the page prints them: durations, memory sizes and ratios with two significant digits."""

from __future__ import annotations

import math


def format_seconds(seconds: float | None) -> str:
    """A duration with two significant digits and a unit a reader takes in at a glance.

    >>> [format_seconds(s) for s in (0.0000123, 0.00456, 0.0789, 12.345, None)]
    ['12 µs', '4.6 ms', '79 ms', '12 s', '-']
    """
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{_two_digits(seconds / scale)} {unit}"
    return f"{_two_digits(seconds / 1e-9)} ns"


def format_bytes(size: float | None) -> str:
    """A memory size in KiB, MiB or GiB with two significant digits.

    >>> [format_bytes(b) for b in (512, 3_500, 12_345_678, 3 * 2**30, None)]
    ['0.5 KiB', '3.4 KiB', '12 MiB', '3 GiB', '-']
    """
    if size is None:
        return "-"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if size >= scale:
            return f"{_two_digits(size / scale)} {unit}"
    return f"{_two_digits(size / 2**10)} KiB"


def format_ratio(ratio: float | None) -> str:
    """A ratio to the fastest method: ``1x`` for the fastest, two significant digits otherwise.

    >>> [format_ratio(r) for r in (1.0, 1.234, 56.7, 1234.5, None)]
    ['1x', '1.2x', '57x', '1200x', 'skipped']
    """
    if ratio is None:
        return "skipped"
    return f"{_two_digits(ratio)}x"


def _two_digits(value: float) -> str:
    if value == 0:
        return "0"
    digits = 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if digits <= 0:
        return f"{rounded:.0f}"
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


def count(number: int, noun: str) -> str:
    """A number and its noun, plural unless the number is one.

    >>> count(1, "timed run"), count(5, "timed run")
    ('1 timed run', '5 timed runs')
    """
    return f"{number} {noun}" + ("" if number == 1 else "s")


def ratio_range(ratios: list[float]) -> str:
    """The smallest and the largest of some ratios, as one ratio where they print the same.

    >>> ratio_range([50.0, 100.0]), ratio_range([2.01, 2.04])
    ('50x to 100x', '2x')
    """
    low, high = min(ratios), max(ratios)
    if format_ratio(low) == format_ratio(high):
        return format_ratio(low)
    return f"{format_ratio(low)} to {format_ratio(high)}"
