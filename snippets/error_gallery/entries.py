"""The error gallery's entries as data: the one source of its symptom table, quoted lines, index and tests.

Each entry of ``docs/error-gallery.md`` is an :class:`Entry` here. The page keeps the prose
(heading, mistake, cause, fix and their code cells); the rest is made from this module: the
"Find your symptom" table and each entry's ``**Message:**`` and ``**Source:**`` lines (by the
directives of ``conf/_ext/error_gallery.py``), the index of the "paste your error" box
(``conf/_ext/error_index.py``), and the checks of ``tests/test_error_gallery.py``, which call
each message's producer and compare the page's labels and headings with these. TensorFlow-free:
the build imports it.
"""

# Every quoted message and heading stays on one line, so a search for its words finds it here.
# ruff: noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass

from snippets.support.markdown import Markdown, markdown_table

PACKAGE = "snippets.error_gallery"  # where the producers of the messages live
RAISED = "It raised an error"
LOGGED = "It logged a warning"
RETURNED_NONE = "It returned `None`"
SURPRISING = "It returned a number you did not ask for"
SECTIONS = (RAISED, LOGGED, RETURNED_NONE, SURPRISING)  # the page's level-2 sections, in page order
SYMPTOM_HEADER = ("What you see", "Entry")


def plain(text: str) -> str:
    """MyST inline text as the built page reads it: code spans without their backticks.

    Headings and section titles hold no other markup (the build checks that they read the same).

    >>> plain("`gradient` returns `None`")
    'gradient returns None'
    """
    return text.replace("`", "")


def code_span(text: str) -> str:
    """``text`` as a Markdown code span that keeps every space, fenced by more backticks than it holds.

    >>> print(code_span("and  with experimental_use_pfor"))
    `and  with experimental_use_pfor`
    >>> print(code_span("a `b` c"))
    `` a `b` c ``
    """
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    if not longest:
        return f"`{text}`"
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}"


@dataclass(frozen=True)
class Message:
    """A text an entry quotes, and the snippet function whose mistake produces it.

    ``producer`` is ``"module.function"`` under ``snippets.error_gallery``; calling the
    function raises the text (as ``Type: message``), prints it, or returns it (a warning it
    collected). ``by_version`` is what the entry says about the text in other TensorFlow
    releases, naming the release it was checked on; empty where the entry says nothing.

    >>> message = Message(
    ...     "IndexError: list index out of range", "batch_jacobian_shapes.batch_jacobian_of_the_mean_loss"
    ... )
    >>> message.producer_path
    ('snippets.error_gallery.batch_jacobian_shapes', 'batch_jacobian_of_the_mean_loss')
    >>> print(message.markdown)
    **Message:** `IndexError: list index out of range`
    """

    text: str
    producer: str
    by_version: str = ""

    @property
    def producer_path(self) -> tuple[str, str]:
        """The producer's module (importable name) and function name."""
        module, _, function = self.producer.rpartition(".")
        return f"{PACKAGE}.{module}", function

    @property
    def markdown(self) -> str:
        return f"**Message:** {code_span(self.text)}"


@dataclass(frozen=True)
class Symptom:
    """A row of the "Find your symptom" table: what you see, and the link text to what explains it.

    ``target`` is empty for the entry itself, else another page's section (``page.md#anchor``).

    >>> Symptom("`None` from `jacobian`", "unconnected sources").link("gallery-unconnected")
    '[unconnected sources](#gallery-unconnected)'
    >>> Symptom("all zeros", "triaged", "silent-symptoms.md#all-zeros").link("gallery-unconnected")
    '[triaged](silent-symptoms.md#all-zeros)'
    """

    seen: str
    link_text: str
    target: str = ""

    def link(self, label: str) -> str:
        """The row's link, in Markdown; ``label`` is the entry's, used where the row has no target."""
        return f"[{self.link_text}]({self.target or '#' + label})"


@dataclass(frozen=True)
class Source:
    """Where an entry's mistake was met or its behaviour is documented: a link and what to read there.

    It reads ``lead [title](url), section "section" (note)``, each part only where given; in a
    list of sources, one with a ``lead`` starts a new clause (after ``;``), the others follow a comma.

    >>> print(Source("https://example.org", "TensorFlow's guide", section="Gradients").markdown)
    [TensorFlow's guide](https://example.org), section "Gradients"
    """

    url: str
    title: str
    note: str = ""
    lead: str = ""
    section: str = ""

    @property
    def markdown(self) -> str:
        text = f"{self.lead} " if self.lead else ""
        text += f"[{self.title}]({self.url})"
        if self.section:
            text += f', section "{self.section}"'
        if self.note:
            text += f" ({self.note})"
        return text


@dataclass(frozen=True)
class Entry:
    """One entry of the gallery: its label (the link target), section, heading, table rows, sources, messages.

    ``heading`` and ``section`` are MyST inline text, exactly as the page writes them.

    >>> entry = Entry(
    ...     "gallery-rank-0",
    ...     RAISED,
    ...     "IndexError: list index out of range",
    ...     symptoms=(Symptom("IndexError: list index out of range", "`batch_jacobian` of a scalar"),),
    ...     sources=(
    ...         Source("https://example.org/a", "the reference", note="rank 2"),
    ...         Source("https://example.org/b", "#4897", lead="asked for in"),
    ...     ),
    ... )
    >>> print(entry.source_markdown)
    **Source:** [the reference](https://example.org/a) (rank 2); asked for in [#4897](https://example.org/b).
    """

    label: str
    section: str
    heading: str
    symptoms: tuple[Symptom, ...]
    sources: tuple[Source, ...]
    messages: tuple[Message, ...] = ()

    @property
    def plain_heading(self) -> str:
        return plain(self.heading)

    @property
    def source_markdown(self) -> str:
        """The entry's ``**Source:**`` line."""
        parts = []
        for number, source in enumerate(self.sources):
            separator = "" if number == 0 else "; " if source.lead else ", "
            parts.append(separator + source.markdown)
        return "**Source:** " + "".join(parts) + "."


def entry(label: str) -> Entry:
    """The entry with this label.

    >>> entry("gallery-rank-1").plain_heading
    'ValueError: Shape (3,) must have rank at least 2'
    >>> entry("gallery-nothing")
    Traceback (most recent call last):
    ...
    KeyError: "no error-gallery entry is labelled 'gallery-nothing'"
    """
    for candidate in ENTRIES:
        if candidate.label == label:
            return candidate
    raise KeyError(f"no error-gallery entry is labelled {label!r}")


def symptom_table(entries: tuple[Entry, ...] | None = None) -> Markdown:
    """The "Find your symptom" table: every entry's rows, in page order.

    >>> print(symptom_table((entry("gallery-rank-0"),)))
    | What you see | Entry |
    |---|---|
    | IndexError: list index out of range | [`batch_jacobian` of a scalar](#gallery-rank-0) |
    >>> symptom_table().count("\\n") == sum(len(e.symptoms) for e in ENTRIES) + 1
    True
    """
    rows = [
        (symptom.seen, symptom.link(item.label))
        for item in (ENTRIES if entries is None else entries)
        for symptom in item.symptoms
    ]
    return markdown_table(SYMPTOM_HEADER, rows, align="ll")


ENTRIES: tuple[Entry, ...] = (
    Entry(
        label="gallery-tape-used-twice",
        section=RAISED,
        heading="RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients",
        messages=(
            Message(
                "RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)",
                "tape_lifetime.gradient_twice",
            ),
        ),
        symptoms=(
            Symptom(
                "RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients",
                "the tape was used twice",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/31265",
                "tensorflow/tensorflow#31265",
                note="two losses from one tape",
            ),
            Source("https://github.com/tensorflow/tensorflow/issues/46487", "tensorflow/tensorflow#46487"),
        ),
    ),
    Entry(
        label="gallery-tocompute",
        section=RAISED,
        heading="RuntimeError: A non-persistent GradientTape can only be used tocompute one set of gradients",
        messages=(
            Message(
                "RuntimeError: A non-persistent GradientTape can only be used tocompute one set of gradients (or jacobians)",
                "tape_lifetime.batch_jacobian_after_gradient",
                by_version='on 2.21 only `batch_jacobian` says "tocompute"; `gradient` said it too until tensorflow/tensorflow#46487 was fixed',
            ),
        ),
        symptoms=(
            Symptom(
                "RuntimeError: A non-persistent GradientTape can only be used tocompute one set of gradients",
                "`batch_jacobian` on a used tape",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/46487",
                "tensorflow/tensorflow#46487",
                note="the missing space",
            ),
        ),
    ),
    Entry(
        label="gallery-vectorizing",
        section=RAISED,
        heading="ValueError: Encountered an exception while vectorizing the jacobian computation",
        messages=(
            Message(
                "ValueError: Encountered an exception while vectorizing the jacobian computation. Vectorization can be disabled by setting experimental_use_pfor to False.",
                "tape_lifetime.jacobian_with_parallel_iterations",
            ),
        ),
        symptoms=(
            Symptom(
                "ValueError: Encountered an exception while vectorizing the jacobian computation",
                "`parallel_iterations` on a non-persistent tape",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/47785",
                "tensorflow/tensorflow#47785",
                note="wrong results from `batch_jacobian` with `parallel_iterations`; the maintainer's answer: the tape must be persistent",
            ),
        ),
    ),
    Entry(
        label="gallery-pfor-false",
        section=RAISED,
        heading="RuntimeError: GradientTape must be created with persistent=True to compute the jacobian",
        messages=(
            Message(
                "RuntimeError: GradientTape must be created with persistent=True to compute the jacobian with eager execution enabled and with  experimental_use_pfor set to False.",
                "tape_lifetime.jacobian_without_pfor",
            ),
            Message(
                "RuntimeError: GradientTape must be created with persistent=True to compute the batch_jacobian with eager execution enabled and  with experimental_use_pfor set to False.",
                "tape_lifetime.batch_jacobian_without_pfor",
            ),
        ),
        symptoms=(
            Symptom(
                "RuntimeError: GradientTape must be created with persistent=True to compute the jacobian",
                "`experimental_use_pfor=False`",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/36227",
                "tensorflow/tensorflow#36227",
                note="`jacobian` with `experimental_use_pfor=False`: slow, with a warning",
            ),
        ),
    ),
    Entry(
        label="gallery-rank-0",
        section=RAISED,
        heading="IndexError: list index out of range",
        messages=(
            Message(
                "IndexError: list index out of range", "batch_jacobian_shapes.batch_jacobian_of_the_mean_loss"
            ),
        ),
        symptoms=(Symptom("IndexError: list index out of range", "`batch_jacobian` of a scalar"),),
        sources=(
            Source(
                "https://www.tensorflow.org/api_docs/python/tf/GradientTape#batch_jacobian",
                "the `batch_jacobian` reference",
                note='"target: A tensor with rank 2 or higher"',
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/issues/4897",
                "tensorflow/tensorflow#4897",
                lead="per-example gradients asked for in",
            ),
        ),
    ),
    Entry(
        label="gallery-rank-1",
        section=RAISED,
        heading="ValueError: Shape (3,) must have rank at least 2",
        messages=(
            Message(
                "ValueError: Shape (3,) must have rank at least 2",
                "batch_jacobian_shapes.batch_jacobian_of_per_example_losses",
            ),
        ),
        symptoms=(
            Symptom(
                "ValueError: Shape (3,) must have rank at least 2",
                "`batch_jacobian` of one number per example",
            ),
        ),
        sources=(
            Source(
                "https://www.tensorflow.org/api_docs/python/tf/GradientTape#batch_jacobian",
                "the `batch_jacobian` reference",
                note="rank 2 or higher for both arguments",
            ),
        ),
    ),
    Entry(
        label="gallery-first-dimension",
        section=RAISED,
        heading="ValueError: Need first dimension of target shape ((2, 3)) and source shape ((3, 2)) to match",
        messages=(
            Message(
                "ValueError: Need first dimension of target shape ((2, 3)) and source shape ((3, 2)) to match.",
                "batch_jacobian_shapes.batch_jacobian_with_features_first",
            ),
        ),
        symptoms=(
            Symptom(
                "ValueError: Need first dimension of target shape ((2, 3)) and source shape ((3, 2)) to match",
                "batch on different axes",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/54347",
                "tensorflow/tensorflow#54347",
                note="a request to choose the batch axes, since `batch_jacobian` always uses axis 0",
            ),
        ),
    ),
    Entry(
        label="gallery-list-source",
        section=RAISED,
        heading="AttributeError: 'list' object has no attribute 'shape'",
        messages=(
            Message(
                "AttributeError: 'list' object has no attribute 'shape'",
                "batch_jacobian_shapes.batch_jacobian_of_two_sources",
            ),
        ),
        symptoms=(
            Symptom(
                "AttributeError: 'list' object has no attribute 'shape'",
                "`batch_jacobian` with a list of sources",
            ),
            Symptom(
                "AttributeError: 'list' object has no attribute 'shape' from `jacobian`",
                "`jacobian` of a list of targets",
                "silent-symptoms.md#jacobian-of-a-list-of-targets",
            ),
        ),
        sources=(
            Source(
                "https://www.tensorflow.org/api_docs/python/tf/GradientTape#batch_jacobian",
                "the `batch_jacobian` reference",
                note='"source: A tensor", where `jacobian` takes "a list or nested structure"',
            ),
        ),
    ),
    Entry(
        label="gallery-watch-numpy",
        section=RAISED,
        heading="ValueError: Passed in object [1. 2.] of type 'ndarray', not tf.Tensor or tf.Variable or ExtensionType",
        messages=(
            Message(
                "ValueError: Passed in object [1. 2.] of type 'ndarray', not tf.Tensor or tf.Variable or ExtensionType.",
                "wrong_inputs.watch_a_numpy_array",
            ),
        ),
        symptoms=(
            Symptom(
                "ValueError: Passed in object [1. 2.] of type 'ndarray', not tf.Tensor or tf.Variable or ExtensionType",
                "watching a NumPy array",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/104521",
                "tensorflow/tensorflow#104521",
                note="the same message for a `KerasTensor`",
            ),
        ),
    ),
    Entry(
        label="gallery-no-gradient-registered",
        section=RAISED,
        heading="LookupError: gradient registry has no entry for: Unique",
        messages=(
            Message(
                "LookupError: gradient registry has no entry for: Unique",
                "wrong_inputs.gradient_through_unique",
            ),
        ),
        symptoms=(
            Symptom("LookupError: gradient registry has no entry for: Unique", "an op without a gradient"),
        ),
        sources=(
            Source("https://github.com/tensorflow/tensorflow/issues/36810", "tensorflow/tensorflow#36810"),
        ),
    ),
    Entry(
        label="gallery-keras-no-gradients",
        section=RAISED,
        heading="ValueError: No gradients provided for any variable.",
        messages=(
            Message(
                "ValueError: No gradients provided for any variable.",
                "keras_variables.apply_gradients_of_a_loss_outside_the_tape",
            ),
            Message(
                "Gradients do not exist for variables ['unused'] when minimizing the loss.",
                "keras_variables.apply_gradients_with_one_variable_unused",
            ),
        ),
        symptoms=(
            Symptom(
                "ValueError: No gradients provided for any variable.",
                "Keras optimizer, loss outside the tape",
            ),
            Symptom(
                "Gradients do not exist for variables ['unused'] when minimizing the loss.",
                "Keras optimizer, some variables unused",
            ),
        ),
        sources=(
            Source("https://github.com/keras-team/keras/issues/19150", "keras-team/keras#19150"),
            Source("https://github.com/tensorflow/tensorflow/issues/31265", "tensorflow/tensorflow#31265"),
        ),
    ),
    Entry(
        label="gallery-keras-zero",
        section=RAISED,
        heading="AttributeError: 'str' object has no attribute '_type_enum'",
        messages=(
            Message(
                "AttributeError: 'str' object has no attribute '_type_enum'",
                "keras_variables.zero_gradients_for_keras_variables",
                by_version="checked on TensorFlow 2.21 with Keras 3.15; tensorflow/tensorflow#116636 met it after an upgrade to 2.21",
            ),
        ),
        symptoms=(
            Symptom(
                "AttributeError: 'str' object has no attribute '_type_enum'", "zeros for Keras 3 variables"
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/116636",
                "tensorflow/tensorflow#116636",
                note="this call failing after an upgrade to 2.21",
            ),
        ),
    ),
    Entry(
        label="gallery-persistent-inside",
        section=LOGGED,
        heading="Warning: Calling GradientTape.gradient on a persistent tape inside its context is significantly less efficient",
        messages=(
            Message(
                "Calling GradientTape.gradient on a persistent tape inside its context is significantly less efficient than calling it outside the context",
                "logged_warnings.gradient_inside_persistent_tape",
            ),
        ),
        symptoms=(
            Symptom(
                "Warning: Calling GradientTape.gradient on a persistent tape inside its context is significantly less efficient",
                "gradient inside a persistent tape",
            ),
        ),
        sources=(
            Source("https://github.com/tensorflow/tensorflow/issues/47064", "tensorflow/tensorflow#47064"),
            Source("https://github.com/tensorflow/tensorflow/issues/41510", "tensorflow/tensorflow#41510"),
        ),
    ),
    Entry(
        label="gallery-retracing",
        section=LOGGED,
        heading="Warning: 5 out of the last 5 calls to … triggered tf.function retracing",
        messages=(
            Message("calls to <function pfor.<locals>.f at 0x", "logged_warnings.jacobians_in_an_eager_loop"),
            Message(
                "triggered tf.function retracing. Tracing is expensive",
                "logged_warnings.jacobians_in_an_eager_loop",
            ),
        ),
        symptoms=(
            Symptom(
                "Warning: 5 out of the last 5 calls to … triggered tf.function retracing",
                "`jacobian` in an eager loop",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/42835",
                "tensorflow/tensorflow#42835",
                note="`tf.GradientTape().jacobian()` triggers retracing",
            ),
        ),
    ),
    Entry(
        label="gallery-integer-source",
        section=LOGGED,
        heading="Warning: The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32",
        messages=(
            Message(
                "The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32",
                "none_gradients.integer_source",
            ),
        ),
        symptoms=(
            Symptom(
                "Warning: The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32",
                "integer sources",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/27378",
                "tensorflow/tensorflow#27378",
                note="integer variables",
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/pull/30107",
                "tensorflow/tensorflow#30107",
                note="a maintainer asked to keep this warning: people had been confused when integers went unwatched without a word",
            ),
        ),
    ),
    Entry(
        label="gallery-unwatched",
        section=RETURNED_NONE,
        heading="`gradient` returns `None`: the tensor was never watched",
        symptoms=(Symptom("`gradient` returns `None` for a tensor", "it was never watched"),),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/29942",
                "tensorflow/tensorflow#29942",
                note='`None` "when `sources` is a tensor (not a variable)"',
            ),
            Source(
                "https://github.com/fchollet/deep-learning-with-python-notebooks/pull/284",
                "fchollet/deep-learning-with-python-notebooks#284",
                note="a book's example that returned `None` for an unwatched `tf.zeros`",
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/issues/22505",
                "tensorflow/tensorflow#22505",
                note="its code watches `xhat` after using it",
            ),
        ),
    ),
    Entry(
        label="gallery-outside-the-tape",
        section=RETURNED_NONE,
        heading="`gradient` returns `None`: the loss was computed after the `with` block",
        symptoms=(
            Symptom(
                "`gradient` returns `None` for a variable", "the loss was computed after the `with` block"
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/31265",
                "tensorflow/tensorflow#31265",
                note='the answer there: compute the loss "with the tape recording"',
            ),
        ),
    ),
    Entry(
        label="gallery-variable-replaced",
        section=RETURNED_NONE,
        heading="`gradient` returns `None` from the second step on: the variable was replaced by a tensor",
        symptoms=(
            Symptom("`None` from the second training step on", "the variable was replaced by a tensor"),
        ),
        sources=(
            Source(
                "https://www.tensorflow.org/guide/autodiff?hl=en",
                "Introduction to gradients and automatic differentiation",
                lead="TensorFlow's guide",
                section="Cases where gradient returns None",
            ),
        ),
    ),
    Entry(
        label="gallery-assign",
        section=RETURNED_NONE,
        heading="`gradient` returns `None` through a variable you assigned to",
        symptoms=(Symptom("`None` through a variable you assigned to", "`assign` cuts the path"),),
        sources=(
            Source(
                "https://www.tensorflow.org/guide/autodiff?hl=en",
                "Introduction to gradients and automatic differentiation",
                note='"Took gradients through a stateful object"',
                lead="TensorFlow's guide",
            ),
        ),
    ),
    Entry(
        label="gallery-numpy",
        section=RETURNED_NONE,
        heading="`gradient` returns `None` after NumPy or `.numpy()` inside the tape",
        symptoms=(Symptom("`None` after NumPy or `.numpy()` inside the tape", "NumPy is not recorded"),),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/31919",
                "tensorflow/tensorflow#31919",
                note="`.numpy()` inside a GAN's tape",
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/issues/36596",
                "tensorflow/tensorflow#36596",
                note='"It is imperative that you don\'t convert them to numpy arrays"',
            ),
        ),
    ),
    Entry(
        label="gallery-non-differentiable",
        section=RETURNED_NONE,
        heading="`gradient` returns `None` through `argmax`, `round` or a cast to an integer",
        symptoms=(Symptom("`None` through `argmax`, `round` or a cast to int", "non-differentiable steps"),),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/15278",
                "tensorflow/tensorflow#15278",
                note="argmax",
            ),
            Source(
                "https://github.com/keras-team/keras/issues/11157",
                "keras-team/keras#11157",
                note='"Common ops without gradient: K.argmax, K.round, K.eval"',
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/issues/5888",
                "tensorflow/tensorflow#5888",
                note="round",
            ),
        ),
    ),
    Entry(
        label="gallery-non-trainable",
        section=RETURNED_NONE,
        heading="`gradient` returns `None` for a variable created with `trainable=False`",
        symptoms=(
            Symptom("`None` for a `trainable=False` variable", "variables the tape does not watch"),
            Symptom(
                "`None`, and you do not know which cause",
                "a one-line test per cause",
                "silent-symptoms.md#none",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/26404",
                "tensorflow/tensorflow#26404",
                note="`None` for the non-trainable variables in `model.variables`",
            ),
        ),
    ),
    Entry(
        label="gallery-unconnected",
        section=RETURNED_NONE,
        heading="`jacobian` returns `None` where `batch_jacobian` returns zeros: unconnected sources",
        symptoms=(
            Symptom("`None` from `jacobian`, zeros from `batch_jacobian`", "unconnected sources"),
            Symptom(
                'all zeros, from `batch_jacobian` or with `unconnected_gradients="zero"`',
                "all zeros, triaged",
                "silent-symptoms.md#all-zeros",
            ),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/24849",
                "tensorflow/tensorflow#24849",
                note="a request for zeros instead of `None`",
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/issues/43043",
                "tensorflow/tensorflow#43043",
                note="`batch_jacobian` of a constant function",
            ),
        ),
    ),
    Entry(
        label="gallery-vector-target",
        section=SURPRISING,
        heading="`gradient` of a vector target has the source's shape: it is the gradient of the sum",
        symptoms=(Symptom("`gradient` of a vector has the source's shape", "it is the gradient of the sum"),),
        sources=(
            Source(
                "https://discuss.tensorflow.org/t/question-about-how-gradients-are-computed/15499",
                "a question on the TensorFlow Forum",
                note='"I would expect gradient to be a matrix"',
            ),
            Source(
                "https://github.com/tensorflow/tensorflow/issues/675",
                "tensorflow/tensorflow#675",
                note='summing the targets is "buried deep in backprop"',
            ),
        ),
    ),
    Entry(
        label="gallery-interacting-rows",
        section=SURPRISING,
        heading="`batch_jacobian` returns plausible numbers that are wrong: the examples interact",
        symptoms=(
            Symptom("`batch_jacobian` returns plausible numbers that are wrong", "examples that interact"),
        ),
        sources=(
            Source(
                "https://github.com/tensorflow/tensorflow/issues/38428",
                "tensorflow/tensorflow#38428",
                note='"batch_jacobian incorrect": "It is more like `[gradient(sum(y), x[i]) ...]`"',
            ),
        ),
    ),
)
