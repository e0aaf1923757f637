"""Render every formula to MathML while the site is built.

Browsers draw MathML natively, so pages need no maths script, no web font and no
CDN (Sphinx's default, MathJax, is fetched from a CDN on every page with maths).
A formula that the converter cannot read fails the build instead of showing raw TeX.

No maintained extension fits. Sphinx renders HTML maths only with MathJax or as images
(``sphinx.ext.imgmath``, which needs LaTeX on the build machine); MathML output is an open
request (https://github.com/sphinx-doc/sphinx/issues/6092), although docutils itself can
write MathML. sphinxcontrib-katex pre-renders at build time only through Node.js, and its
pages still load KaTeX's style sheet and fonts. sphinx-immaterial's MathML renderer is an
unmerged pull request for that theme alone. This one is a renderer registered with
``add_html_math_renderer`` around latex2mathml, a pure-Python converter.
"""

from __future__ import annotations

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def to_mathml(latex: str, *, display: bool, node: nodes.Node) -> str:
    """Convert one formula, reporting a failure as a Sphinx warning on its source line.

    >>> mathml = to_mathml("x^2", display=False, node=None)
    >>> mathml[mathml.index(">") + 1 :]
    '<mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>'
    >>> 'display="inline"' in mathml
    True
    """
    try:
        return convert(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises several unrelated types
        logger.warning("cannot render formula %r as MathML: %s", latex, error, location=node, type="mathml")
        return f"<code>{latex}</code>"


def visit_inline_math(translator, node: nodes.math) -> None:
    translator.body.append(to_mathml(node.astext(), display=False, node=node))
    raise nodes.SkipNode


def visit_block_math(translator, node: nodes.math_block) -> None:
    anchor = f' id="{node["ids"][0]}"' if node.get("ids") else ""
    latex = node.astext()
    if node.get("nowrap"):
        # amsmath blocks arrive as a whole environment; keep its rows and alignment.
        latex = latex.strip()
    translator.body.append(
        f'<div class="math-display"{anchor}>{to_mathml(latex, display=True, node=node)}</div>\n'
    )
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer(
        "mathml",
        inline_renderers=(visit_inline_math, None),
        block_renderers=(visit_block_math, None),
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
