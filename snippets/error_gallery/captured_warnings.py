"""Catch the warnings TensorFlow only logs, so a page can print them and a test can check them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import tensorflow as tf


class _ListHandler(logging.Handler):
    def __init__(self, messages: list[str]):
        super().__init__(level=logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _forget_rate_limits() -> None:
    """Make TensorFlow willing to log again warnings it already logged in this process.

    TensorFlow rate-limits the warnings this gallery shows: ``log_first_n``
    (``tf_logging._log_counter_per_token``) logs the persistent-tape warning once
    per process and the dtype warning five times, and each traced function warns
    about retracing at most twice (``_frequent_tracing_detector_manager``). Both
    are private details of TensorFlow 2.21; where they are missing, nothing is reset.
    """
    from tensorflow.python.platform import tf_logging

    counters = getattr(tf_logging, "_log_counter_per_token", None)
    if isinstance(counters, dict):
        counters.clear()
    with contextlib.suppress(ImportError):
        from tensorflow.python.eager.polymorphic_function import polymorphic_function

        manager = getattr(polymorphic_function, "_frequent_tracing_detector_manager", None)
        detectors = getattr(manager, "_detectors", None)
        if detectors is not None:
            detectors.clear()


@contextlib.contextmanager
def tensorflow_warnings() -> Iterator[list[str]]:
    """Collect the warnings TensorFlow logs inside the block, as a list of message strings.

    TensorFlow reports some mistakes only through its logger (``WARNING:tensorflow:...``
    on stderr), which ``snippets.environment`` turns down to errors and which
    TensorFlow rate-limits per process. Inside this block the logger reports
    warnings again, from a clean slate, and each message lands in the list.

    >>> with tensorflow_warnings() as messages:
    ...     tf.get_logger().warning("a warning")
    ...     tf.get_logger().info("not collected")
    >>> messages
    ['a warning']
    """
    logger = tf.get_logger()
    messages: list[str] = []
    handler = _ListHandler(messages)
    level = logger.level
    _forget_rate_limits()
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield messages
    finally:
        logger.setLevel(level)
        logger.removeHandler(handler)
