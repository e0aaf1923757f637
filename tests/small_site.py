"""A throw-away Sphinx site of a few MyST pages and some of our extensions, for tests that build one."""

from __future__ import annotations

from pathlib import Path

CONF_EXT = Path(__file__).resolve().parent.parent / "conf" / "_ext"


def write_small_site(root: Path, pages: dict[str, str], extensions: list[str], **settings) -> Path:
    """Write ``docs/<name>.md`` for each page and a ``conf.py`` loading myst-nb and ``extensions``.

    Each keyword becomes one ``conf.py`` setting; the extensions are found in ``conf/_ext``.

    >>> import tempfile
    >>> site = write_small_site(Path(tempfile.mkdtemp()), {"index": "# Home\\n"}, ["claim_marks"],
    ...                         nb_execution_mode="off")
    >>> print((site / "conf.py").read_text().splitlines()[-2:])
    ["extensions = ['myst_nb', 'claim_marks']", "nb_execution_mode = 'off'"]
    """
    (root / "docs").mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (root / "docs" / f"{name}.md").write_text(text, encoding="utf-8")
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(CONF_EXT)!r})",
        f"extensions = {['myst_nb', *extensions]!r}",
    ]
    lines += [f"{name} = {value!r}" for name, value in settings.items()]
    (root / "conf.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
