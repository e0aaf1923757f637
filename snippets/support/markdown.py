"""Markdown that a page cell renders as text: one string type and one table writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class Markdown(str):
    """A string that a notebook cell shows as Markdown (rendered text) rather than as code output.

    ``print`` and ``repr`` show the Markdown source, with no quotes and no memory address.

    >>> note = Markdown("**bold**")
    >>> note._repr_markdown_(), repr(note)
    ('**bold**', '**bold**')
    """

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


class MarkdownTable(Markdown):
    """The Markdown source of a table that also keeps its ``header`` and ``rows`` for code to read.

    >>> table = markdown_table(["call"], [["jacobian"]])
    >>> table.header, table.rows
    (['call'], [['jacobian']])
    """

    header: list[str]
    rows: list[list[object]]


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> MarkdownTable:
    """A Markdown table with ``header`` and ``rows``; ``align`` has an ``l`` or ``r`` per column.

    Columns without a letter in ``align`` are left-aligned. A ``|`` inside a cell is escaped,
    so it cannot split the cell. Every row must have one cell per header.

    >>> rows = [["jacobian", "`(2, 2)`", 16], ["a|b", "", 4]]
    >>> print(markdown_table(["call", "shape", "bytes"], rows, "llr"))
    | call | shape | bytes |
    |---|---|---:|
    | jacobian | `(2, 2)` | 16 |
    | a\\|b |  | 4 |
    >>> markdown_table(["a", "b"], [["only one"]])
    Traceback (most recent call last):
    ...
    ValueError: row 1 has 1 cells for 2 columns: ['only one']; give one cell per header
    >>> markdown_table(["a"], [], align="c")
    Traceback (most recent call last):
    ...
    ValueError: align='c' must be letters l or r, at most one per column (1 columns)
    """
    if len(align) > len(header) or set(align) - {"l", "r"}:
        raise ValueError(
            f"align={align!r} must be letters l or r, at most one per column ({len(header)} columns)"
        )
    alignments = align.ljust(len(header), "l")
    lines = [_row(header), "|" + "|".join("---:" if a == "r" else "---" for a in alignments) + "|"]
    body = [list(row) for row in rows]
    for number, cells in enumerate(body, start=1):
        if len(cells) != len(header):
            raise ValueError(
                f"row {number} has {len(cells)} cells for {len(header)} columns: {cells}; "
                "give one cell per header"
            )
        lines.append(_row(cells))
    table = MarkdownTable("\n".join(lines))
    table.header, table.rows = list(header), body
    return table


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"
