"""The ``{claim}`` role: a small link from a sentence to the check that proves it.

``It raises.{claim}`gradient_vs_jacobian.gradient_of_loss_vector_is_b_times_the_mean_gradient``` renders the
sentence as written followed by a superscript check mark that links to the check's row on
the Claims page (``claims.md``), where the build ran it. A name that is not a check in
``snippets/claim_checks`` is a warning, so the strict build fails on it.

No maintained extension fits: the role must know this project's check registry, which it
reads from the source with ``snippets.support.claims.check_names`` (no TensorFlow import at build time).
Traceability extensions (sphinx-needs, sphinxcontrib-traceables) link items that are written
in the documentation itself; here the target is a Python function, checked when it is named.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)

CLAIMS_PAGE = "claims"


def _check_names() -> set[str]:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    try:
        from snippets.support.claims import check_names  # TensorFlow-free: reads the checks' source
    finally:
        sys.path.remove(str(root))
    return set(check_names())


class ClaimRole(SphinxRole):
    """Render ``{claim}`module.check``` as a check-mark link to the check's row on the Claims page."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = self.text.strip()
        if name not in self.env.app.tapeguide_check_names:
            logger.warning(
                "claim marker names %r, which is not a function in snippets/claim_checks", name,
                location=self.get_location(), type="tapeguide", subtype="claim",
            )  # fmt: skip
        uri = self.env.app.builder.get_relative_uri(self.env.docname, CLAIMS_PAGE) + f"#claim-{name}"
        link = nodes.reference(
            "", "", refuri=uri, classes=["claim-link"], reftitle=f"checked in the build: {name}"
        )
        link += nodes.Text("✓")
        link += nodes.inline("", " checked claim", classes=["visually-hidden"])
        return [nodes.superscript("", "", link, classes=["claim-mark"])], []


def remember_check_names(app: Sphinx) -> None:
    app.tapeguide_check_names = _check_names()


def setup(app: Sphinx) -> dict:
    app.add_role("claim", ClaimRole())
    app.connect("builder-inited", remember_check_names)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
