"""What snippets/version_notes.py says each tested TensorFlow does is what the running one does.

`nox -s tests_tf -p 3.11` runs this on every release of the tested range.
"""

from __future__ import annotations

import re

import pytest
import tensorflow as tf

from snippets.support.tested_range import release_table
from snippets.version_notes import DIFFERENCES

TESTED = release_table()["tested-tensorflow"]


def test_the_running_release_is_in_the_tested_range():
    assert tf.__version__ in TESTED, f"TensorFlow {tf.__version__} is not in pyproject's tested-tensorflow"


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda d: re.sub(r"\W+", "-", d.what)[:60])
def test_the_note_holds_on_the_running_release(difference):
    assert difference.observe() == difference.expected(tf.__version__), (
        f"TensorFlow {tf.__version__}: {difference.what}: observed {difference.observe()!r}, "
        f"snippets/version_notes.py says {difference.expected(tf.__version__)!r}"
    )


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda d: re.sub(r"\W+", "-", d.what)[:60])
def test_every_tested_release_is_covered(difference):
    # A release added to pyproject's list must be measured before the notes can speak for it.
    assert min(difference.by_release, key=lambda v: tuple(map(int, v.split(".")))) == TESTED[0]
    assert set(difference.by_release) <= set(TESTED)
