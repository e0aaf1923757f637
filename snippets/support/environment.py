"""The one place that prepares TensorFlow for the pages, the doctests and the benchmarks.

Nothing happens on import. :func:`configure` is called explicitly by the page prelude (the
hidden first cell of every executed page), by the test set-up (``conftest.py``) and by the
benchmark entry point, so every page cell, doctest and benchmark sees the same quiet
TensorFlow, the same seeds and the same print options. :data:`QUIET_TENSORFLOW_ENVIRONMENT`
is the environment that keeps TensorFlow's C++ logging quiet in processes that import it
later (Sphinx, nox sessions, child processes); this module imports only the standard library
at the top, so ``conf/conf.py`` and ``noxfile.py`` can read it.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from collections.abc import Iterator

SEED = 0
"""The seed behind every random tensor the site shows."""

QUIET_TENSORFLOW_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3"}
"""Environment variables that turn TensorFlow's C++ logging down to fatal errors before it loads."""


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null, so lines printed by C++ code vanish too.

    TensorFlow 2.21 writes absl and oneDNN lines straight to fd 2 while it is
    imported, even with ``TF_CPP_MIN_LOG_LEVEL=3``; Python's ``sys.stderr``
    never sees them, so only the descriptor itself can be redirected.

    >>> before = os.fstat(2).st_ino
    >>> with native_stderr_silenced():
    ...     print(os.fstat(2).st_ino == os.stat(os.devnull).st_ino)
    True
    >>> os.fstat(2).st_ino == before
    True
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly():
    """Import TensorFlow without a single start-up log line and return the module.

    >>> tf = import_tensorflow_quietly()
    >>> tf.get_logger().level  # logging.ERROR
    40
    """
    for name, value in QUIET_TENSORFLOW_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
    else:
        with native_stderr_silenced():
            import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    return tf


def configure(seed: int = SEED) -> None:
    """Quiet TensorFlow, seed every random generator and set NumPy's print options.

    Safe to call more than once; each call re-seeds.

    >>> import numpy as np
    >>> configure()
    >>> first = np.random.rand()
    >>> configure()
    >>> np.random.rand() == first
    True
    """
    import numpy as np

    tf = import_tensorflow_quietly()
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    # Four decimals are enough to read a derivative and short enough for a phone screen;
    # ``suppress`` avoids 1e-08-style noise for values that are zero up to round-off.
    np.set_printoptions(precision=4, suppress=True)
