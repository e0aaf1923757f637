"""Every code example of tapeguide, one module per idea.

Importing the package prepares TensorFlow once (quiet logging, seeds, print options),
so a page, a doctest and a benchmark all start from the same state.
"""

from snippets.environment import configure as _configure

_configure()
