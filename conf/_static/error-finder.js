// The "Paste your error" box (issue #13): paste an error message or a whole traceback and get the
// error-gallery entry that quotes it. The entries and their messages are _static/error-gallery-index.json,
// written from the gallery's data (snippets/error_gallery/entries.py) at each build by
// conf/_ext/error_index.py, and fetched from this site only when a page has a box:
// <div class="error-finder"></div> (data-index: another address for it).
//
// Texts are compared as tokens: words and punctuation, whitespace ignored, and a wildcard of its kind for
// what changes from one program to the next: a shape, array, list or number; a quoted name; a dtype; an
// object id. Traceback frames are dropped first. An entry matches when one of its messages (less its
// leading "ValueError:") appears whole in the text, then when it does with one word different (an op's
// name), then when the text's last message appears whole in one of its messages (a message cut short).
// Among several, the one in the last exception of a chain wins, then the longest message.
(() => {
  "use strict";

  const NUM = String.raw`-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
  const SIZE = String.raw`(?:-?\d+|None|\?)`;
  const QUOTED = String.raw`'[^'\n]*'|"[^"\n]*"`;
  const TOKEN = new RegExp(
    [
      String.raw`(?<id>\b0x[\da-f]*)`,
      String.raw`(?<dtype>\b(?:(?:tf|np|numpy)\.)?(?:b?float(?:16|32|64)|u?int(?:4|8|16|32|64)|q?u?int(?:8|16|32)|complex(?:64|128))\b|\b(?:tf|np|numpy)\.(?:bool_?|string|half|double)\b)`,
      // a shape (2, 3), (3,), (); TensorShape([2, 3]); an array [1. 2.] or [[1 2] [3 4]] (at most 600 parts,
      // so that a text of unclosed brackets stays quick); a list ['a', 'b']; a number
      String.raw`(?<value>TensorShape\(\[[^\]\n]*\]\)|\(\s*(?:${SIZE}\s*(?:,\s*${SIZE}\s*)*,?\s*)?\)|\[(?:[\s,[\]]|\.\.\.|None|nan|inf|${QUOTED}|${NUM}(?=[\s,\]])){0,600}\]|${NUM}(?![\w.]))`,
      String.raw`(?<name>(?<!\w)(?:${QUOTED})(?!\w))`,
      String.raw`(?<word>\w+)|(?<mark>\S)`,
    ].join("|"),
    "giu",
  );
  const KINDS = ["id", "dtype", "value", "name", "word", "mark"];
  const LITERAL = new Set(["word", "mark"]);

  // [{k: kind, t: text, s: segment}]: words and marks compare by text, the other kinds by kind.
  const tokenize = (text, segment = 0) =>
    [...text.matchAll(TOKEN)].map((m) => {
      const k = KINDS.find((kind) => m.groups[kind] !== undefined);
      return { k: LITERAL.has(k) ? "w" : k, t: k === "word" ? m[0].toLowerCase() : m[0], s: segment };
    });

  const BOUNDARY = /Traceback \(most recent call last\)|^(?:During handling of the above exception|The above exception was the direct cause)/;
  const FRAME = /^\s*File ["~/\\]/;
  const DROP = /^Cell In\[\d+\]|^\s*-*>\s*\d+(?:\s|$)|^\s+\d+\s|^\s*[~^]+\s*$|^-{10,}\s*$/;

  // The pasted text as tokens, without traceback frames; each token knows its exception (segment).
  const normalise = (text) => {
    const kept = [[]]; // the lines of each exception
    let frameIndent = -1; // inside a frame: its code lines are indented more than its File line
    for (const line of text.slice(-20000).split(/\r?\n/)) {
      const indent = line.search(/\S/);
      if (indent < 0 || (frameIndent >= 0 && indent > frameIndent)) continue;
      frameIndent = FRAME.test(line) ? indent : -1;
      if (BOUNDARY.test(line)) kept.push([]);
      else if (frameIndent < 0 && !DROP.test(line)) kept[kept.length - 1].push(line);
    }
    return kept.flatMap((lines, segment) => tokenize(lines.join("\n"), segment));
  };

  const TYPE = /^\w*(?:error|exception|warning)$/i;
  // A message's tokens without its exception type: a paste may leave it out or qualify it.
  const body = (tokens) => (tokens.length > 2 && TYPE.test(tokens[0].t) && tokens[1].t === ":" ? tokens.slice(2) : tokens);

  // The gallery's messages, ready to match: [{entry, message, tokens, words, type}].
  const compile = (index) =>
    index.entries.flatMap((entry) =>
      entry.messages.map((message) => {
        const all = tokenize(message);
        const tokens = body(all);
        const words = tokens.filter((t) => t.k === "w").length; // a near match needs 7 of them the same
        return { entry, message, tokens, words, type: all.length > tokens.length ? all[0].t : null };
      }),
    );

  const same = (a, b) => a.k === b.k && (a.k !== "w" || a.t === b.t);
  // Tokens of `a` at `at` against all of `b`: [mismatches, wildcards whose text is the same too].
  const compare = (a, at, b, most) => {
    let miss = 0;
    let exact = 0;
    for (let i = 0; i < b.length && miss <= most; i++) {
      if (!same(a[at + i], b[i])) miss++;
      else if (a[at + i].t === b[i].t) exact++;
    }
    return [miss, exact];
  };

  // The best entry for a pasted text, or null: {entry, message, how: "whole" | "near" | "part"}.
  const find = (text, compiled) => {
    const pasted = normalise(text);
    if (!pasted.length) return null;
    let best = null;
    const offer = (score, m, how) => {
      for (let i = 0; i < score.length; i++) {
        if (best && score[i] < best.score[i]) return;
        if (!best || score[i] > best.score[i]) break;
        if (i === score.length - 1) return;
      }
      best = { score, entry: m.entry, message: m.message, how };
    };
    for (const m of compiled) {
      const n = m.tokens.length;
      const most = n >= 8 ? 1 : 0;
      for (let at = 0; at + n <= pasted.length; at++) {
        const [miss, exact] = compare(pasted, at, m.tokens, most);
        if (miss > most || (miss && m.words - miss < 7)) continue;
        const typed = m.type && at >= 2 && pasted[at - 1].t === ":" && pasted[at - 2].t.endsWith(m.type) ? 1 : 0;
        offer([miss ? 2 : 3, pasted[at].s, n, exact + typed], m, miss ? "near" : "whole");
      }
    }
    if (best) return best;
    // The last exception's message, cut short: it must be a piece of a gallery message.
    const last = pasted.filter((t) => t.s === pasted[pasted.length - 1].s);
    let from = 0;
    for (let i = last.length - 2; i >= 0 && !from; i--) if (TYPE.test(last[i].t) && last[i + 1].t === ":") from = i;
    const piece = body(last.slice(from));
    if (piece.filter((t) => t.k === "w" && /\w/.test(t.t)).length < 3) return null;
    for (const m of compiled)
      for (let at = 0; at + piece.length <= m.tokens.length; at++) {
        const [miss, exact] = compare(m.tokens, at, piece, 0);
        if (!miss) offer([1, 0, piece.length, exact], m, "part");
      }
    return best;
  };

  // --- the box ------------------------------------------------------------------------------

  const SCRIPT = document.currentScript && document.currentScript.src;
  const INDEX = "error-gallery-index.json"; // next to this script in _static
  const loaded = {};
  const load = (url) =>
    (loaded[url] ??= fetch(url)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${r.status}`))))
      .then((index) => ({ page: new URL(index.page, url).href, compiled: compile(index) })));

  const el = (tag, cls, ...children) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    node.append(...children);
    return node;
  };
  const link = (href, text) => Object.assign(el("a", "", text), { href });
  let count = 0;

  const mount = (box) => {
    if (box.dataset.mounted) return;
    box.dataset.mounted = "1";
    const id = `error-finder-${++count}`;
    const url = (box.dataset.index ? new URL(box.dataset.index, location.href) : new URL(INDEX, SCRIPT || location.href)).href;
    const input = el("textarea", "ef-input");
    Object.assign(input, { id: `${id}-text`, rows: 4, spellcheck: false, autocomplete: "off" });
    input.setAttribute("autocapitalize", "off");
    const label = el("label", "ef-label", "Paste your error: its message or the whole traceback");
    label.htmlFor = input.id;
    const out = el("div", "ef-out");
    out.setAttribute("aria-live", "polite");
    box.replaceChildren(label, input, out);
    let index = null;

    const render = () => {
      if (!input.value.trim()) return out.replaceChildren();
      if (!index) return out.replaceChildren(el("p", "", "Loading the gallery's messages…"));
      const found = find(input.value, index.compiled);
      if (!found)
        return out.replaceChildren(
          el("p", "ef-none", "No entry of the gallery quotes this message. ", link(index.page, "The error gallery"), " lists every symptom it covers."),
        );
      const how = { whole: "The gallery quotes this message", near: "The gallery quotes a message like this one", part: "This is part of a message the gallery quotes" };
      out.replaceChildren(
        el("p", "ef-found", `${how[found.how]}: `, link(`${index.page}#${found.entry.label}`, found.entry.heading)),
      );
    };

    input.addEventListener("input", render);
    load(url)
      .then((i) => (index = i))
      .catch(() => {
        index = null;
        out.replaceChildren(el("p", "ef-none", "The gallery's messages could not be loaded: see the ", link(new URL("../error-gallery.html", url).href, "error gallery"), "."));
        input.removeEventListener("input", render);
      })
      .then(() => index && render());
  };

  const mountAll = () => document.querySelectorAll(".error-finder").forEach(mount);
  window.tapeguideErrors = { tokenize, normalise, compile, find, mount, mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
