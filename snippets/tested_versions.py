"""The front page's and the versions page's note on which TensorFlow made the outputs."""

from __future__ import annotations

import tensorflow as tf

from snippets.support.markdown import Markdown
from snippets.support.tested_range import supported_releases_sentence


def tensorflow_releases_note() -> Markdown:
    """Name the TensorFlow that produced this build's outputs, and every release the examples are tested on.

    The TensorFlow that runs this doctest must be one of the tested releases.

    >>> from snippets.support.tested_range import release_table
    >>> tf.__version__ in release_table()["tested-tensorflow"]
    True
    >>> print(tensorflow_releases_note())
    The outputs on these pages come from TensorFlow 2.... Every example is also tested on
    TensorFlow ... with Python 3.11... (`nox -s tests_tf`).
    >>> tensorflow_releases_note()._repr_markdown_() == str(tensorflow_releases_note())
    True
    """
    return Markdown(
        f"The outputs on these pages come from TensorFlow {tf.__version__}. Every example is also "
        f"tested on {supported_releases_sentence()} (`nox -s tests_tf`)."
    )
