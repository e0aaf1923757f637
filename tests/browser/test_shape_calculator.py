"""The shape calculator (conf/_static/shape-calculator.js) in Chromium: it agrees with the shape doctor.

The logic runs on every case of ``tests/shape_cases.py``, a table generated from
``snippets.tools.shape_doctor.diagnose`` now (never stored), in one page; any disagreement fails.
The form is tested on a small page of its own (theme CSS, light, dark and phone): keyboard
input, the live region, messages for text that is not a shape, the URL, and axe.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from pinned_axe import axe_violations
from site_under_test import PROFILES, ROOT

STATIC = ROOT / "conf" / "_static"
SCRIPT = STATIC / "shape-calculator.js"
STYLE = STATIC / "shape-calculator.css"
GZIP_BUDGET = 10_000  # bytes, the script compressed (issue #13)
ORIGIN = "http://calculator.test"  # answered by the test itself, never by a network

_spec = importlib.util.spec_from_file_location("shape_cases", ROOT / "tests" / "shape_cases.py")
shape_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shape_cases)


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return shape_cases.cases()


@pytest.fixture(scope="module")
def logic(browser):
    """A blank page with the calculator's script: ``window.tapeguideShapes``."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<!doctype html><html lang='en'><head><title>logic</title></head><body></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    assert page.evaluate("typeof window.tapeguideShapes.diagnose") == "function"
    yield page
    context.close()
    assert not errors, errors


def test_script_is_small():
    size = len(gzip.compress(SCRIPT.read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"shape-calculator.js is {size} bytes gzip-compressed, over {GZIP_BUDGET}"


def test_the_table_covers_the_grid(cases):
    """At least 2,000 cases: every rank 0-5, zero sizes, every outcome, every kind of source."""
    assert len(cases) >= 2000
    assert {len(c["target"]) for c in cases} == set(range(6))
    singles = [c["source"] for c in cases if isinstance(c["source"], list)]
    assert {len(s) for s in singles} == set(range(6))
    assert any(0 in c["target"] for c in cases) and any(0 in s for s in singles)
    kinds = {c["source"]["kind"] for c in cases if isinstance(c["source"], dict)}
    assert kinds == {"list", "tuple", "dict"}
    outcomes = {c["expected"]["batch_jacobian"]["error"] for c in cases}
    assert outcomes == {None, "IndexError", "ValueError", "AttributeError", "ZeroDivisionError"}
    mismatched = [
        c
        for c in cases
        if isinstance(c["source"], list)
        and min(len(c["target"]), len(c["source"])) >= 2
        and c["target"][0] != c["source"][0]
    ]
    assert mismatched and all(c["expected"]["batch_jacobian"]["error"] == "ValueError" for c in mismatched)
    fixes = {c["expected"]["batch_jacobian"]["fix"] for c in cases} - {None}
    assert len(fixes) > 100  # every branch of the fixes, with the shapes they quote


COMPARE_EVERY_CASE = """cases => {
  const S = window.tapeguideShapes;
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const pick = (c) =>
    ({ok: c.ok, shape: c.shape, error: c.error, message: c.message, fix: c.fix, note: c.note});
  const wrong = [];
  for (const c of cases) {
    const problem = (what, expected, got) =>
      wrong.push({target: c.target_text, source: c.source_text, what, expected, got});
    const d = S.diagnose(c.target, c.source);
    for (const name of ["gradient", "jacobian", "batch_jacobian"]) {
      const want = c.expected[name];
      if (!same(pick(d[name]), pick(want))) problem(name, pick(want), pick(d[name]));
      if (want.ok && S.formatNest(d[name].shape) !== want.shape_text)
        problem(`${name} shape text`, want.shape_text, S.formatNest(d[name].shape));
    }
    if (S.formatNest(c.source) !== c.source_text)
      problem("source text", c.source_text, S.formatNest(c.source));
    // What the shape doctor prints, typed into the calculator, reads back as the same shapes
    // (but "[]", which the calculator reads as a scalar's shape, as in tf.zeros([])).
    const target = S.parse(c.target_text, "target");
    if (!target.ok || !same(target.value, c.target)) problem("parse target", c.target, target);
    if (c.source_text !== "[]") {
      const source = S.parse(c.source_text, "source");
      if (!source.ok || !same(source.value, c.source)) problem("parse source", c.source, source);
    }
  }
  return {count: cases.length, wrong: wrong.slice(0, 5), wrongCount: wrong.length};
}"""


def test_calculator_agrees_with_the_shape_doctor_on_every_case(logic, cases):
    result = logic.evaluate(COMPARE_EVERY_CASE, cases)
    assert result["count"] == len(cases)
    assert result["wrongCount"] == 0, (
        f"{result['wrongCount']} disagreements with snippets.tools.shape_doctor.diagnose; the first ones:\n"
        + json.dumps(result["wrong"], indent=1, ensure_ascii=False)
    )


GOOD_INPUTS = {
    "(4, 3)": [4, 3],
    "[4, 3]": [4, 3],
    "4, 3": [4, 3],
    " ( 4 ,3 , ) ": [4, 3],
    "4": [4],
    "(4)": [4],
    "(4,)": [4],
    "((4, 3))": [4, 3],
    "()": [],
    "[]": [],
    "(0, 1)": [0, 1],
    "[(3, 10), (10,)]": {"kind": "list", "items": [[3, 10], [10]]},
    "[[3, 10], [10]]": {"kind": "list", "items": [[3, 10], [10]]},
    "(3, 10), (10,)": {"kind": "tuple", "items": [[3, 10], [10]]},
    "((3, 10),)": {"kind": "tuple", "items": [[3, 10]]},
    '{"kernel": (3, 10), "bias": (10,)}': {"kind": "dict", "items": [["kernel", [3, 10]], ["bias", [10]]]},
    "{'kernel': [3, 10], 'bias': [10],}": {"kind": "dict", "items": [["kernel", [3, 10]], ["bias", [10]]]},
    "{kernel: (3, 10), bias: 10}": {"kind": "dict", "items": [["kernel", [3, 10]], ["bias", [10]]]},
    "{}": {"kind": "dict", "items": []},
    '{"a": [(1,), {"b": ()}]}': {
        "kind": "dict",
        "items": [["a", {"kind": "list", "items": [[1], {"kind": "dict", "items": [["b", []]]}]}]],
    },
}
# Text that is not a shape, and a word its message must contain.
BAD_INPUTS = {
    "": "Type the",
    "   ": "Type the",
    "(4, x)": "not a size",
    "(None, 3)": "unknown",
    "(?, 3)": "unknown",
    "(-1, 3)": "unknown",
    "(-2, 3)": "negative",
    "(2.5,)": "whole number",
    "4 3": "comma is missing",
    "(4, 3": ") is missing",
    "[4, 3": "] is missing",
    "(4, 3))": "Unexpected )",
    "(4, 3]": "Unexpected ]",
    "[(3, 10), 4]": "sizes only",
    "{kernel (3,)}": "colon is missing",
    "{'a': (1,), 'a': (2,)}": "appears twice",
    "{'a: (1,)}": "no closing",
    "{(1,): (1,)}": "key in quotes",
    "{'a': (1,)": "} is missing",
    "(1234567890123456,)": "too large",
    "[" * 40 + "]" * 40: "nested too deeply",
    "(4,,3)": "Unexpected ,",
}


def test_parser_reads_shapes_and_nests(logic):
    got = logic.evaluate(
        "inputs => inputs.map(text => window.tapeguideShapes.parse(text, 'source'))", list(GOOD_INPUTS)
    )
    for (text, expected), result in zip(GOOD_INPUTS.items(), got, strict=True):
        assert result == {"ok": True, "value": expected}, text


def test_parser_explains_what_is_not_a_shape(logic):
    got = logic.evaluate(
        "inputs => inputs.map(text => window.tapeguideShapes.parse(text, 'source'))", list(BAD_INPUTS)
    )
    for (text, word), result in zip(BAD_INPUTS.items(), got, strict=True):
        assert result["ok"] is False, text
        assert word in result["message"], (text, result["message"])


def test_target_must_be_one_shape(logic):
    got = logic.evaluate(
        "texts => texts.map(t => window.tapeguideShapes.parse(t, 'target'))",
        ["[(2,), (3,)]", '{"a": (2,)}', "(2, 3)"],
    )
    assert [r["ok"] for r in got] == [False, False, True]
    assert "only the source" in got[0]["message"]


def test_float32_bytes_and_the_warning(logic):
    got = logic.evaluate(
        """() => {
      const S = window.tapeguideShapes;
      return {
        scalar: S.bytes([]), small: S.bytes([4, 3]), empty: S.bytes([0, 5]),
        nest: S.bytes({kind: "dict", items: [["k", [3, 10]], ["b", {kind: "list", items: [[10], []]}]]}),
        warn: S.WARN_BYTES,
        texts: [0, 48, 1024, 1536, 12800, 5 * 2 ** 20, 4 * 2 ** 30, 2 ** 50, 4e18].map(S.formatBytes),
      };
    }"""
    )
    assert got["scalar"] == 4 and got["small"] == 48 and got["empty"] == 0
    assert got["nest"] == 4 * (30 + 10 + 1)
    assert got["warn"] == 4 * 2**30
    texts = ["0 B", "48 B", "1 KiB", "1.5 KiB", "12.5 KiB", "5 MiB", "4 GiB", "1 PiB", "3.47 EiB"]
    assert got["texts"] == texts


# --- the form ------------------------------------------------------------------------------------


def _theme_css() -> str:
    """The site theme's stylesheet (its colour variables, light and dark, when installed), then the
    site's own, ``tapeguide.css``, which holds the boxes' frame: every page loads both."""
    site_css = (STATIC / "tapeguide.css").read_text(encoding="utf-8")
    try:
        import pydata_sphinx_theme
    except ImportError:
        return site_css
    path = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/styles"
    path = path / "pydata-sphinx-theme.css"
    return (path.read_text(encoding="utf-8") if path.is_file() else "") + "\n" + site_css


def _page_html(theme: str) -> str:
    return f"""<!doctype html>
<html lang="en" data-theme="{theme}" data-mode="{theme}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shape calculator</title>
<link rel="stylesheet" href="theme.css"><link rel="stylesheet" href="shape-calculator.css">
<script src="shape-calculator.js"></script></head>
<body><main><h1>Shape calculator</h1>
<div class="shape-calculator" data-variant="full" data-target="(2,)" data-source="(2,)">
<p>The calculator needs JavaScript.</p></div>
<h2>Compact</h2>
<div class="shape-calculator" data-variant="compact" data-details="shape-doctor.html"></div>
</main></body></html>"""


@pytest.fixture
def open_form(browser):
    """``open_form(profile, query="")``: the test page in a fresh context; foreign requests fail the test."""
    contexts, problems = [], []
    files = {
        "shape-calculator.js": (SCRIPT.read_bytes(), "text/javascript"),
        "shape-calculator.css": (STYLE.read_bytes(), "text/css"),
        "theme.css": (_theme_css().encode(), "text/css"),
    }

    def open_page(profile: str, query: str = ""):
        context = browser.new_context(**PROFILES[profile])
        contexts.append(context)
        theme = PROFILES[profile]["color_scheme"]

        def answer(route):
            url = urlsplit(route.request.url)
            name = url.path.lstrip("/")
            if f"{url.scheme}://{url.netloc}" != ORIGIN:
                problems.append(f"request outside the page: {route.request.url}")
                return route.abort()
            if name == "page.html":
                return route.fulfill(body=_page_html(theme), content_type="text/html")
            if name in files:
                body, kind = files[name]
                return route.fulfill(body=body, content_type=kind)
            problems.append(f"missing: {route.request.url}")
            return route.fulfill(status=404, body="")

        context.route("**/*", answer)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.goto(f"{ORIGIN}/page.html{query}")
        page.wait_for_selector(".shape-calculator .sc-out")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


def _outputs(page) -> list[str]:
    return page.eval_on_selector_all(".sc-out", "nodes => nodes.map(n => n.innerText)")


def _wait_for_answer(page, index: int, text: str):
    page.wait_for_function(
        "([i, text]) => document.querySelectorAll('.sc-out')[i].innerText.includes(text)", arg=[index, text]
    )


def test_form_is_labelled_and_live(open_form):
    page = open_form("desktop-light")
    facts = page.evaluate(
        """() => [...document.querySelectorAll('.shape-calculator')].map(box => ({
      labels: [...box.querySelectorAll('input')].map(i => i.labels.length && i.labels[0].innerText),
      live: box.querySelector('.sc-out').getAttribute('aria-live'),
      fallbackGone: !box.innerText.includes('needs JavaScript'),
    }))"""
    )
    assert facts == [
        {"labels": ["Target shape", "Source shape(s)"], "live": "polite", "fallbackGone": True},
        {"labels": ["Target shape", "Source shape(s)"], "live": "polite", "fallbackGone": True},
    ]
    full, compact = _outputs(page)
    assert "tape.batch_jacobian raises ValueError: Shape (2,) must have rank at least 2" in full
    assert "Fix: Neither tensor has a batch axis" in full
    assert "tape.gradient returns (2,) (8 B in float32)" in full
    assert "derivative of the sum of the 2 target elements" in full
    assert "tape.batch_jacobian returns (4, 2, 3) (96 B in float32)" in compact
    assert "derivative of the sum" not in compact  # the compact form leaves the notes out
    href = page.get_attribute(".shape-calculator[data-variant=compact] a.sc-details", "href")
    assert parse_qs(urlsplit(href).query) == {"target": ["(4, 2)"], "source": ["(4, 3)"]}


def test_keyboard_input_updates_the_answer_and_the_url(open_form):
    page = open_form("desktop-light")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "shape-calculator-1-target"
    page.keyboard.press("Control+A")
    page.keyboard.type("(8, 10)")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "shape-calculator-1-source"
    page.keyboard.press("Control+A")
    page.keyboard.type('{"kernel": (3, 10), "bias": (10,)}')
    _wait_for_answer(page, 0, "AttributeError: 'dict' object has no attribute 'shape'")
    full = _outputs(page)[0]
    jacobian = "tape.jacobian returns {'kernel': (8, 10, 3, 10), 'bias': (8, 10, 10)} (12.5 KiB in float32)"
    assert jacobian in full
    assert "Fix: Call batch_jacobian once per source tensor" in full
    page.wait_for_function("location.search.includes('source=')")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"target": ["(8, 10)"], "source": ['{"kernel": (3, 10), "bias": (10,)}']}

    # The link reproduces the answer.
    again = open_form("desktop-light", "?" + urlsplit(page.url).query)
    values = again.eval_on_selector_all(".shape-calculator input", "inputs => inputs.map(i => i.value)")
    assert values == ["(8, 10)", '{"kernel": (3, 10), "bias": (10,)}'] * 2
    assert _outputs(again)[0] == full


def test_text_that_is_not_a_shape_gets_a_message(open_form):
    page = open_form("desktop-light", "?target=" + quote("(4, x)") + "&source=" + quote("(4, 3)"))
    full = _outputs(page)[0]
    assert "Target: “x” at character 5 is not a size" in full
    target = "#shape-calculator-1-target"
    assert page.get_attribute(target, "aria-invalid") == "true"
    assert "shape-calculator-1-target-error" in page.get_attribute(target, "aria-describedby")
    page.fill("#shape-calculator-1-target", "(4, 2)")
    _wait_for_answer(page, 0, "tape.batch_jacobian returns (4, 2, 3)")
    assert page.get_attribute("#shape-calculator-1-target", "aria-invalid") is None


def _huge_query() -> str:
    return "?target=" + quote("(100000, 100000)") + "&source=" + quote("(100000, 1000)")


def test_a_huge_result_is_flagged(open_form):
    page = open_form("desktop-light", _huge_query())
    full = _outputs(page)[0]
    assert "Warning: over 4 GiB, this result may not fit in memory." in full
    assert "tape.jacobian returns (100000, 100000, 100000, 1000) (3.47 EiB in float32)" in full


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("query", ["", _huge_query(), f"?target={quote('[2, 3]')}&source={quote('[(')}"])
def test_axe_finds_nothing_and_nothing_scrolls_sideways(open_form, profile, query):
    page = open_form(profile, query)
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways in {profile}: {width}"
