"""Catch the warnings TensorFlow only logs, so a page can print them and a test can check them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import tensorflow as tf


class _ListHandler(logging.Handler):
    def __init__(self, messages: list[str], level: int = logging.WARNING, with_level: bool = False):
        super().__init__(level=level)
        self.messages = messages
        self.with_level = with_level

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.messages.append(f"{record.levelname}: {message}" if self.with_level else message)


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
    on stderr), which ``snippets.support.environment`` turns down to errors and which
    TensorFlow rate-limits per process. Inside this block the logger reports
    warnings again, from a clean slate, and each message lands in the list
    (and not on stderr: the logger's own handlers are set aside for the block).

    >>> with tensorflow_warnings() as messages:
    ...     tf.get_logger().warning("a warning")
    ...     tf.get_logger().info("not collected")
    >>> messages
    ['a warning']
    """
    logger = tf.get_logger()
    messages: list[str] = []
    level, handlers = logger.level, logger.handlers[:]
    _forget_rate_limits()
    for own in handlers:  # set aside: the list gets the warnings, stderr does not repeat them
        logger.removeHandler(own)
    logger.addHandler(_ListHandler(messages))
    logger.setLevel(logging.WARNING)
    try:
        yield messages
    finally:
        logger.handlers[:] = handlers
        logger.setLevel(level)


@contextlib.contextmanager
def tensorflow_debug_log() -> Iterator[list[str]]:
    """Collect everything TensorFlow's logger says inside the block, DEBUG included, as ``"LEVEL: message"``.

    Some of what TensorFlow does silently it reports only at DEBUG level, below what
    the logger shows by default. The logger's own handlers are set aside for the
    block, so the messages land in the list and not on stderr.

    >>> with tensorflow_debug_log() as messages:
    ...     tf.get_logger().debug("a debug line")
    >>> messages
    ['DEBUG: a debug line']
    """
    logger = tf.get_logger()
    messages: list[str] = []
    level, handlers = logger.level, logger.handlers[:]
    for handler in handlers:
        logger.removeHandler(handler)
    handler = _ListHandler(messages, level=logging.DEBUG, with_level=True)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.handlers[:] = handlers
        logger.setLevel(level)
