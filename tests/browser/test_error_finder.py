"""The "Paste your error" box (conf/_static/error-finder.js) in Chromium: every message finds its entry.

The index is made now from the gallery's data (snippets/error_gallery/entries.py) by the
function the build uses (``error_index.error_index`` in conf/_ext), never stored. Every quoted
message is pasted as it is, without its exception type, inside tracebacks and logs of several
kinds, after another entry's exception in a chain, cut short, and with its shapes, numbers,
arrays, dtypes and object ids replaced by others; each must find its own entry, and texts no
entry quotes must find none. The box is tested on a small page of its own (theme CSS; light,
dark and phone): keyboard input, the live region and its links, the index fetched once from the
site and only where a box is, and axe.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from urllib.parse import urlsplit

import pytest
from pinned_axe import axe_violations
from site_under_test import PROFILES, ROOT
from test_shape_calculator import _theme_css

sys.path.insert(0, str(ROOT / "conf" / "_ext"))
from error_index import INDEX_FILE, error_index

STATIC = ROOT / "conf" / "_static"
SCRIPT = STATIC / "error-finder.js"
STYLE = STATIC / "error-finder.css"
GZIP_BUDGET = 4_000  # bytes, the script compressed
ORIGIN = "http://finder.test"  # answered by the test itself, never by a network


@pytest.fixture(scope="module")
def index() -> dict:
    return error_index().to_json()


@pytest.fixture(scope="module")
def messages(index) -> list[tuple[str, str]]:
    """(label, message) for every quoted message of the gallery."""
    return [(entry["label"], message) for entry in index["entries"] for message in entry["messages"]]


@pytest.fixture(scope="module")
def logic(browser, index):
    """A blank page with the box's script and the compiled index: ``labels(texts)``."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<!doctype html><html lang='en'><head><title>logic</title></head><body></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    page.evaluate("index => { window.compiled = window.tapeguideErrors.compile(index); }", index)

    def labels(texts: list[str]) -> list[str | None]:
        return page.evaluate(
            "texts => texts.map(t => window.tapeguideErrors.find(t, window.compiled)?.entry.label ?? null)",
            texts,
        )

    yield labels
    context.close()
    assert not errors, errors


def _check(labels, cases: list[tuple[str, str, str | None]]) -> None:
    """``cases``: (what, text, expected label or None); every one must find what it expects."""
    got = labels([text for _, text, _ in cases])
    wrong = [
        {"case": what, "expected": expected, "got": found, "text": text}
        for (what, text, expected), found in zip(cases, got, strict=True)
        if found != expected
    ]
    assert not wrong, f"{len(wrong)} of {len(cases)} wrong:\n" + json.dumps(wrong[:8], indent=1)


def test_script_is_small():
    size = len(gzip.compress(SCRIPT.read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"error-finder.js is {size} bytes gzip-compressed, over {GZIP_BUDGET}"


def test_the_index_holds_the_gallery(index, messages):
    assert len(index["entries"]) >= 10 and len(messages) >= len(index["entries"])
    assert index["page"] == "../error-gallery.html"


# --- texts around a message ----------------------------------------------------------------------

TYPE = re.compile(r"^(?P<type>\w+(?:Error|Exception|Warning)): (?P<body>.*)$", re.S)


def python_traceback(message: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        '  File "/home/reader/train.py", line 42, in <module>\n'
        "    grads = tape.batch_jacobian(y, x)\n"
        "            ^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        '  File "/venv/lib/python3.12/site-packages/tensorflow/python/eager/backprop.py", line 1234, in f\n'
        f"    raise error({message[: len(message) // 2]!r})\n"
        f"{message}\n"
    )


def ipython_traceback(message: str) -> str:
    kind = TYPE.match(message)["type"] if TYPE.match(message) else "Exception"
    return (
        "---------------------------------------------------------------------------\n"
        f"{kind:<42}Traceback (most recent call last)\n"
        "Cell In[7], line 3\n"
        "      1 x = tf.constant([1.0, 2.0])\n"
        "      2 with tf.GradientTape() as tape:\n"
        "----> 3     y = tape.batch_jacobian(x, x)\n"
        "\n"
        "File ~/venv/lib/python3.12/site-packages/tensorflow/python/eager/backprop.py:1106, in f(self, x)\n"
        "   1104 for t in tensors:\n"
        f"-> 1106     raise error({message[: len(message) // 2]!r})\n"
        "\n"
        f"{message}"
    )


def log_lines(message: str) -> str:
    return (
        "Epoch 1/3\n32/32 [==============================] - 1s 3ms/step - loss: 0.4821\n"
        f"WARNING:tensorflow:{message}\n"
        "2026-05-01 10:00:00.000001: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1928] Created\n"
        ">>> "
    )


def without_type(message: str) -> str:
    match = TYPE.match(message)
    return match["body"] if match else message


# Values that differ from one run to the next, and what to put in their place (variant k takes the k-th
# replacement that differs from the original, for shapes one of another rank).
SPAN = re.compile(
    r"(?P<id>0x[0-9a-f]*)"
    r"|(?P<dtype>\btf\.\w+\d+\b)"
    r"|(?P<shape>\((?:\d+(?:, \d+)*,?)?\))"
    r"|(?P<array>\[[\d. \[\]-]*\d[\d. \[\]-]*\])"
    r"|(?P<number>(?<![\w.])\d+(?:\.\d+)?(?![\w.]))"
)
REPLACEMENTS = {
    "id": ["0x7f3a9c2e1d50", "0x1", "0xDEADBEEF"],
    "dtype": ["tf.float64", "tf.int64", "tf.bfloat16", "tf.uint8"],
    "shape": ["()", "(7,)", "(None, 5)", "(64, 28, 28, 3)", "(0, 1, 2)", "(1024,)"],
    "array": ["[[0.5 1. ]\n [2.  3. ]]", "[7.]", "[1 2 3]", "[]"],
    "number": ["17", "0", "3.5", "1024"],
}


def _rank(shape: str) -> int:
    return len([size for size in shape.strip("()").split(",") if size.strip()])


def variant(message: str, k: int) -> str:
    def replace(match: re.Match) -> str:
        kind = match.lastgroup
        options = [
            option
            for option in REPLACEMENTS[kind]
            if option != match[0] and (kind != "shape" or _rank(option) != _rank(match[0]))
        ]
        return options[k % len(options)]

    return SPAN.sub(replace, message)


def cut_short(message: str) -> str | None:
    """The message's first two thirds, ending on a word, or None when that leaves under four words."""
    words = message.split(" ")[: max(4, len(message.split(" ")) * 2 // 3)]
    while words and not re.fullmatch(r"[A-Za-z_]+", words[-1]):
        words.pop()
    return " ".join(words) if len(words) >= 4 and len(words) < len(message.split(" ")) else None


# --- every message finds its entry -----------------------------------------------------------------


def test_every_message_finds_its_entry(logic, messages):
    cases = [("as quoted", message, label) for label, message in messages]
    cases += [("without its type", without_type(message), label) for label, message in messages]
    _check(logic, cases)


def test_every_message_in_a_traceback_or_a_log_finds_its_entry(logic, messages):
    cases = []
    for label, message in messages:
        cases += [
            ("python traceback", python_traceback(message), label),
            ("ipython traceback", ipython_traceback(message), label),
            ("log", log_lines(message), label),
            (
                "with text after it",
                f"{python_traceback(message)}\nProcess finished with exit code 1\n",
                label,
            ),
        ]
    _check(logic, cases)


def test_the_last_exception_of_a_chain_wins(logic, messages):
    cases = []
    for at, (label, message) in enumerate(messages):
        # The next message of another entry (round the list) raised first.
        other = next(m for other_label, m in messages[at:] + messages[:at] if other_label != label)
        chained = (
            f"{python_traceback(other)}\n"
            "During handling of the above exception, another exception occurred:\n\n"
            f"{python_traceback(message)}"
        )
        cases.append(("chained", chained, label))
    _check(logic, cases)


def test_other_shapes_numbers_arrays_dtypes_and_ids_find_the_same_entry(logic, messages):
    cases = []
    for label, message in messages:
        for k in range(3):
            text = variant(message, k)
            if text != message:
                cases += [
                    (f"variant {k}", text, label),
                    (f"variant {k} in a traceback", python_traceback(text), label),
                ]
    changed = {text for _, text, _ in cases}
    assert len(changed) >= 20, "the gallery quotes too few shapes or numbers to vary"
    assert any("\n" in text for text in changed)  # a multi-line array
    _check(logic, cases)


def test_a_message_cut_short_finds_its_entry(logic, messages):
    cases = []
    for label, message in messages:
        cut = cut_short(without_type(message))
        # A piece that several entries' messages share may find any of them.
        if cut and not any(cut in other for other_label, other in messages if other_label != label):
            cases.append(("cut short", cut, label))
    assert len(cases) >= 10
    _check(logic, cases)


# Messages where a name or a value differs from the quoted one in a way the variants above do not try.
OTHER_NAMES = [
    ("LookupError: gradient registry has no entry for: Cumprod", "gallery-no-gradient-registered"),
    ("AttributeError: 'tuple' object has no attribute 'shape'", "gallery-list-source"),
    ("AttributeError: 'dict' object has no attribute 'shape'", "gallery-list-source"),
    (
        "Gradients do not exist for variables ['dense/kernel:0', 'dense/bias:0'] when minimizing the loss. "
        "If using `model.compile()`, did you forget to provide a `loss` argument?",
        "gallery-keras-no-gradients",
    ),
    (
        "WARNING:tensorflow:6 out of the last 6 calls to <function train_step at 0x7f2c> triggered "
        "tf.function retracing. Tracing is expensive and the excessive number of tracings",
        "gallery-retracing",
    ),
    (
        "tensorflow.python.framework.errors_impl.ValueError: Shape (None,) must have rank at least 2",
        "gallery-rank-1",
    ),
]


def test_other_names_find_the_entry_that_quotes_the_rest(logic):
    _check(logic, [("other name", text, label) for text, label in OTHER_NAMES])


UNRELATED = [
    "",
    "   \n\n ",
    "Hello, world",
    "list index",
    "No gradients",
    "ModuleNotFoundError: No module named 'tensorflow'",
    "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
    "InvalidArgumentError: Incompatible shapes: [2,3] vs. [3,2] [Op:AddV2]",
    "ResourceExhaustedError: OOM when allocating tensor with shape[1024,1024,1024] and type float",
    "ValueError: Shapes (None, 10) and (None, 1) are incompatible",
    python_traceback("KeyError: 'loss'"),
    "[" * 5000 + "(" * 5000 + "1" * 5000,
]


def test_unrelated_texts_find_nothing(logic):
    _check(logic, [("unrelated", text, None) for text in UNRELATED])


# --- the box ------------------------------------------------------------------------------------


def _page_html(theme: str, box: bool) -> str:
    body = '<div class="error-finder"><p>The box needs JavaScript.</p></div>' if box else "<p>No box.</p>"
    return f"""<!doctype html>
<html lang="en" data-theme="{theme}" data-mode="{theme}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Error gallery</title>
<link rel="stylesheet" href="theme.css"><link rel="stylesheet" href="_static/error-finder.css">
<script defer src="_static/error-finder.js?v=1"></script></head>
<body><main><h1>Error gallery</h1><p>Paste a message below.</p>{body}</main></body></html>"""


@pytest.fixture
def open_box(browser, index):
    """``open_box(profile, box=True, index_missing=False)``: the test page in a fresh context.

    Every request is recorded in ``page.requests``; one outside the page's origin fails the test.
    """
    contexts, problems = [], []
    files = {
        "_static/error-finder.js": (SCRIPT.read_bytes(), "text/javascript"),
        "_static/error-finder.css": (STYLE.read_bytes(), "text/css"),
        INDEX_FILE.as_posix(): (json.dumps(index).encode(), "application/json"),
        "theme.css": (_theme_css().encode(), "text/css"),
    }

    def open_page(profile: str, box: bool = True, index_missing: bool = False):
        context = browser.new_context(**PROFILES[profile])
        contexts.append(context)
        theme = PROFILES[profile]["color_scheme"]
        requests = []

        def answer(route):
            url = urlsplit(route.request.url)
            name = url.path.lstrip("/")
            requests.append(name)
            if f"{url.scheme}://{url.netloc}" != ORIGIN:
                problems.append(f"request outside the page: {route.request.url}")
                return route.abort()
            if name == "page.html":
                return route.fulfill(body=_page_html(theme, box), content_type="text/html")
            if name in files and not (index_missing and name == INDEX_FILE.as_posix()):
                body, kind = files[name]
                return route.fulfill(body=body, content_type=kind)
            if not index_missing:
                problems.append(f"missing: {route.request.url}")
            return route.fulfill(status=404, body="")

        context.route("**/*", answer)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda m: (
                m.type == "error" and not (index_missing and "404" in m.text) and problems.append(m.text)
            ),
        )
        page.goto(f"{ORIGIN}/page.html")
        page.requests = requests
        if box:
            page.wait_for_selector(".error-finder textarea")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


def _answer(page, text: str) -> str:
    page.wait_for_function("text => document.querySelector('.ef-out').innerText.includes(text)", arg=text)
    return page.inner_text(".ef-out")


def test_the_box_is_labelled_and_live(open_box):
    page = open_box("desktop-light")
    facts = page.evaluate(
        """() => {
      const box = document.querySelector('.error-finder');
      const input = box.querySelector('textarea');
      return {label: input.labels.length && input.labels[0].innerText,
              live: box.querySelector('.ef-out').getAttribute('aria-live'),
              fallbackGone: !box.innerText.includes('needs JavaScript'),
              answer: box.querySelector('.ef-out').innerText};
    }"""
    )
    assert facts == {
        "label": "Paste your error: its message or the whole traceback",
        "live": "polite",
        "fallbackGone": True,
        "answer": "",
    }


def test_typing_a_message_links_to_its_entry(open_box):
    page = open_box("desktop-light")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "error-finder-1-text"
    page.keyboard.type("ValueError: Shape (5,) must have rank at least 2")
    answer = _answer(
        page, "The gallery quotes this message: ValueError: Shape (3,) must have rank at least 2"
    )
    assert page.get_attribute(".ef-out a", "href") == f"{ORIGIN}/error-gallery.html#gallery-rank-1"

    page.keyboard.press("Control+A")
    page.keyboard.type("Something else went wrong entirely")
    answer = _answer(page, "No entry of the gallery quotes this message.")
    assert "The error gallery lists every symptom it covers." in answer
    assert page.get_attribute(".ef-out a", "href") == f"{ORIGIN}/error-gallery.html"

    page.keyboard.press("Control+A")
    page.keyboard.type("gradient registry has no entry for: Cumprod")
    _answer(page, "The gallery quotes a message like this one: LookupError")
    page.keyboard.press("Control+A")
    page.keyboard.type("Need first dimension of target")
    _answer(page, "This is part of a message the gallery quotes: ValueError: Need first dimension")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.wait_for_function("document.querySelector('.ef-out').innerText === ''")
    assert page.requests.count(INDEX_FILE.as_posix()) == 1


def test_a_pasted_traceback_links_to_its_entry(open_box):
    page = open_box("phone")
    message = "ValueError: Need first dimension of target shape ((8, 10)) and source shape ((4, 3)) to match."
    page.fill(".error-finder textarea", ipython_traceback(message))
    _answer(
        page, "The gallery quotes this message: ValueError: Need first dimension of target shape ((2, 3))"
    )
    assert page.get_attribute(".ef-out a", "href") == f"{ORIGIN}/error-gallery.html#gallery-first-dimension"


def test_a_page_without_the_box_fetches_nothing(open_box):
    page = open_box("desktop-light", box=False)
    page.wait_for_function("window.tapeguideErrors !== undefined")
    page.wait_for_load_state("networkidle")
    assert INDEX_FILE.as_posix() not in page.requests
    assert sorted(page.requests) == [
        "_static/error-finder.css",
        "_static/error-finder.js",
        "page.html",
        "theme.css",
    ]


def test_an_index_that_does_not_load_leaves_a_link_to_the_gallery(open_box):
    page = open_box("desktop-light", index_missing=True)
    answer = _answer(page, "The gallery's messages could not be loaded: see the error gallery.")
    assert answer
    assert page.get_attribute(".ef-out a", "href") == f"{ORIGIN}/error-gallery.html"


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(
    "text",
    ["", "IndexError: list index out of range", "Nothing like any message at all"],
    ids=["empty", "found", "none"],
)
def test_axe_finds_nothing_and_nothing_scrolls_sideways(open_box, profile, text):
    page = open_box(profile)
    if text:
        page.fill(".error-finder textarea", text)
        page.wait_for_selector(".ef-out a")
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways in {profile}: {width}"
