"""Read the MyST pages under docs/ the way the tests need them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
SNIPPETS = DOCS.parent / "snippets"

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Fence:
    info: str
    body: str

    @property
    def is_code_cell(self) -> bool:
        return self.info.strip().startswith("{code-cell}")

    @property
    def code(self) -> str:
        """The body without its directive options (``:key: value`` lines or a ``---`` YAML block)."""
        lines = self.body.splitlines()
        if lines and lines[0].strip() == "---":
            end = lines.index("---", 1)
            return "\n".join(lines[end + 1 :])
        while lines and lines[0].startswith(":"):
            lines.pop(0)
        return "\n".join(lines)

    @property
    def options(self) -> dict[str, str]:
        """The ``:name: value`` lines at the top of a directive's body."""
        found = {}
        for line in self.body.splitlines():
            match = re.match(r"^:(\w[\w-]*):\s*(.*)$", line)
            if not match:
                break
            found[match.group(1)] = match.group(2).strip()
        return found


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def fences(path: Path) -> list[Fence]:
    return [Fence(m["info"], m["body"]) for m in FENCE.finditer(path.read_text(encoding="utf-8"))]
