// The shape calculator (issue #13): type a target shape and a source shape (or a list, tuple or
// dict of them) and see what tape.gradient, tape.jacobian and tape.batch_jacobian return or raise.
// The rules and every message mirror snippets/tools/shape_doctor.py's `diagnose`, and
// tests/browser/test_shape_calculator.py checks that they agree on thousands of generated cases.
//
// A shape is an array of sizes, [4, 3]; several sources are {kind: "list" | "tuple", items: [...]}
// or {kind: "dict", items: [[key, nest], ...]} (the order of a dict is kept, as in Python).
// The markup <div class="shape-calculator" data-variant="full|compact"></div> becomes the form;
// data-target and data-source set the first inputs, data-details a page for the full answer.
(() => {
  "use strict";

  // --- the rules of snippets/tools/shape_doctor.py ------------------------------------------------

  const fmt = (s) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);
  const isShape = Array.isArray;
  const mapNest = (f, n) =>
    isShape(n)
      ? f(n)
      : {
          kind: n.kind,
          items: n.items.map((item) => (n.kind === "dict" ? [item[0], mapNest(f, item[1])] : mapNest(f, item))),
        };
  const leaves = (n) => (isShape(n) ? [n] : n.items.flatMap((item) => leaves(n.kind === "dict" ? item[1] : item)));
  // Python's repr of a str, for dict keys.
  const repr = (k) => {
    const q = k.includes("'") && !k.includes('"') ? '"' : "'";
    const body = k.replace(/[\\\n\r\t]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]);
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  };
  // snippets.tools.shape_doctor._format_nest
  const formatNest = (n) => {
    if (isShape(n)) return fmt(n);
    if (n.kind === "dict") return `{${n.items.map(([k, v]) => `${repr(k)}: ${formatNest(v)}`).join(", ")}}`;
    const inner = n.items.map(formatNest).join(", ");
    return n.kind === "list" ? `[${inner}]` : `(${inner}${n.items.length === 1 ? "," : ""})`;
  };

  const JACOBIAN = "tape.jacobian(target, source)";
  const SEVERAL = `Call batch_jacobian once per source tensor, or use tape.jacobian(target, sources), which accepts a list or dict.`;

  const fixRank1Target = (t, s) => {
    if (!s)
      return "The target has no axis after the batch axis, and batch_jacobian takes one source tensor: use tape.jacobian(target, sources), which accepts a list or dict.";
    if (!s.length)
      return `The source is a scalar and the target a vector, so there is no batch: ${JACOBIAN} gives every derivative (shape ${fmt(t)}); for batch_jacobian, compute the target from the source reshaped to (1, 1) and squeeze axis 0 of the result.`;
    if (s.length === 1)
      return `Neither tensor has a batch axis: for one example call ${JACOBIAN} (shape ${fmt(t.concat(s))}); if axis 0 is a batch of scalars and each output depends on its own input only, tape.gradient(target, source) already gives each example's derivative, or compute the target from source[:, tf.newaxis] for batch_jacobian.`;
    if (t[0] !== s[0])
      return `The target has a single axis, and its size (${t[0]}) is not the source's batch size (${s[0]}): use ${JACOBIAN} (shape ${fmt(t.concat(s))}).`;
    return "The target has one number per example: if target row i depends only on source row i, tape.gradient(target, source) already returns every example's gradient (the source's shape); for batch_jacobian, take target[:, tf.newaxis] while the tape is recording.";
  };

  const fixLowRankSource = (t, s) => {
    if (!s.length)
      return `The source is a scalar shared by every example, so there are no per-example blocks: ${JACOBIAN} gives every derivative (shape ${fmt(t)}).`;
    if (s[0] !== t[0])
      return `The source has no batch axis (a parameter shared by every example): use ${JACOBIAN} (shape ${fmt(t.concat(s))}).`;
    return "The source has one number per example: compute the target from source[:, tf.newaxis] (shape (batch, 1)) while the tape is recording and pass that tensor to batch_jacobian, or use tape.jacobian.";
  };

  // snippets.tools.shape_doctor._batch_jacobian_problem for fully known shapes: [error, message, fix] or null.
  const batchJacobianProblem = (t, s, container) => {
    if (!t.length)
      return [
        "IndexError",
        "list index out of range",
        "The target is a scalar, so there is no batch to split: tape.gradient(target, source) is already its full derivative, with the source's shape.",
      ];
    if (t.length === 1) return ["ValueError", `Shape ${fmt(t)} must have rank at least 2`, fixRank1Target(t, s)];
    if (container) return ["AttributeError", `'${container}' object has no attribute 'shape'`, SEVERAL];
    if (s.length < 2) return ["ValueError", `Shape ${fmt(s)} must have rank at least 2`, fixLowRankSource(t, s)];
    if (t[0] !== s[0])
      return [
        "ValueError",
        `Need first dimension of target shape (${fmt(t)}) and source shape (${fmt(s)}) to match.`,
        `Axis 0 of the target (${t[0]}) and of the source (${s[0]}) differ, so they are not one batch: if the source is shared by all examples (a weight), use ${JACOBIAN}; otherwise make both start with the batch size.`,
      ];
    if (t[0] === 0)
      return [
        "ZeroDivisionError",
        "integer division or modulo by zero",
        "The batch is empty: skip the call for an empty batch, there is nothing to differentiate.",
      ];
    return null;
  };

  const ok = (shape, note) => ({ ok: true, shape, error: null, message: null, fix: null, note: note || null });

  // snippets.tools.shape_doctor.diagnose, plus the note Diagnosis.__str__ prints after a result.
  const diagnose = (t, source) => {
    const several = !isShape(source);
    const p = batchJacobianProblem(t, several ? null : source, several ? source.kind : null);
    const elements = t.reduce((a, d) => a * BigInt(d), 1n);
    return {
      gradient: ok(mapNest((s) => s.slice(), source), t.length && `derivative of the sum of the ${elements} target elements`),
      jacobian: ok(mapNest((s) => t.concat(s), source)),
      batch_jacobian: p
        ? { ok: false, shape: null, error: p[0], message: p[1], fix: p[2], note: null }
        : ok(t.concat(source.slice(1)), "per-example blocks if rows do not interact"),
    };
  };

  // --- sizes ------------------------------------------------------------------------------------

  const WARN_BYTES = 4 * 2 ** 30;
  // The bytes of a result (a shape or a nest of shapes) in float32.
  const bytes = (n) => leaves(n).reduce((sum, s) => sum + 4 * s.reduce((a, d) => a * d, 1), 0);
  const formatBytes = (b) => {
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) (b /= 1024), i++;
    return `${+b.toPrecision(3)} ${units[i]}`;
  };

  // --- reading what the reader typed --------------------------------------------------------

  const EXAMPLES = `e.g. (4, 3); several sources as [(3, 10), (10,)] or {"kernel": (3, 10), "bias": (10,)}`;
  const CLOSE = { "(": ")", "[": "]", "{": "}" };

  // parse(text, "target" | "source") -> {ok: true, value} or {ok: false, message}.
  // (4, 3), [4, 3], 4, 3 and (4) are one shape; () and [] a scalar's; brackets of shapes are a list,
  // parentheses a tuple (one shape in parentheses without a comma is that shape, as in Python).
  const parse = (text, role) => {
    let i = 0;
    const fail = (why) => {
      throw new SyntaxError(why);
    };
    const at = () => (i < text.length ? `at character ${i + 1}` : "at the end");
    const space = () => {
      while (/\s/.test(text[i] || "")) i++;
    };
    const str = () => {
      const q = text[i++];
      let s = "";
      while (text[i] !== q) {
        if (i >= text.length) fail(`The key that starts with ${q} has no closing ${q}.`);
        if (text[i] === "\\") {
          const c = text[++i];
          s += { n: "\n", t: "\t", r: "\r" }[c] || c || "";
          i++;
        } else s += text[i++];
      }
      i++;
      return s;
    };
    const items = (close, depth) => {
      const list = [];
      let comma = false;
      for (;;) {
        space();
        if (close && text[i] === close) return i++, { list, comma };
        if (i >= text.length) return close ? fail(`A ${close} is missing at the end.`) : { list, comma };
        if (/[)\]}]/.test(text[i])) fail(`Unexpected ${text[i]} ${at()}.`);
        if (list.length && !comma) fail(`A comma is missing ${at()}.`);
        list.push(value(depth));
        space();
        comma = text[i] === ",";
        if (comma) i++;
      }
    };
    const group = (open, list, comma) => {
      if (list.every((x) => typeof x === "number")) return list;
      if (list.some((x) => typeof x === "number"))
        fail("Write one shape as sizes only, e.g. (4, 3), or several as shapes only, e.g. [(3, 10), (10,)].");
      if (open === "(" && list.length === 1 && !comma) return list[0];
      return { kind: open === "[" ? "list" : "tuple", items: list };
    };
    const value = (depth) => {
      space();
      const c = text[i];
      if (depth > 20) fail("The shapes are nested too deeply.");
      if (c === "{") {
        i++;
        const pairs = [];
        for (;;) {
          space();
          if (text[i] === "}") return i++, { kind: "dict", items: pairs };
          let key;
          if (text[i] === '"' || text[i] === "'") key = str();
          else if (/\w/.test(text[i] || "")) (key = text.slice(i).match(/^\w+/)[0]), (i += key.length);
          else fail(i < text.length ? `Expected a key in quotes ${at()}: ${EXAMPLES}.` : "A } is missing at the end.");
          space();
          if (text[i] !== ":") fail(`A colon is missing after the key ${repr(key)}.`);
          i++;
          if (pairs.some((pair) => pair[0] === key)) fail(`The key ${repr(key)} appears twice.`);
          const v = value(depth + 1);
          pairs.push([key, typeof v === "number" ? [v] : v]);
          space();
          if (text[i] === ",") i++;
          else if (text[i] !== "}") fail(i < text.length ? `A comma is missing ${at()}.` : "A } is missing at the end.");
        }
      }
      if (c === "(" || c === "[") {
        i++;
        const { list, comma } = items(CLOSE[c], depth + 1);
        return group(c, list, comma);
      }
      const word = text.slice(i).match(/^[-+]?[\w.]+|^\?/);
      if (!word) fail(i < text.length ? `Unexpected ${text[i]} ${at()}: ${EXAMPLES}.` : `A size is missing at the end.`);
      const w = word[0];
      if (/^\d+$/.test(w)) {
        if (w.length > 15) fail(`The size ${w} is too large.`);
        i += w.length;
        return +w;
      }
      if (/^(None|\?|-1)$/.test(w))
        fail(`Size ${w} ${at()} is unknown: the calculator needs every size known, as in eager execution.`);
      if (/^-\d+$/.test(w)) fail(`Size ${w} ${at()} is negative.`);
      if (/^\+?[\d.]+$/.test(w)) fail(`Size ${w} ${at()} is not a whole number.`);
      fail(`“${w}” ${at()} is not a size: ${EXAMPLES}.`);
    };
    try {
      if (!text.trim()) fail(`Type the ${role}'s shape, ${EXAMPLES}.`);
      if (text.length > 2000) fail("The text is too long.");
      const { list, comma } = items(null, 0);
      const result = list.length === 1 && !comma ? (typeof list[0] === "number" ? [list[0]] : list[0]) : group("(", list, true);
      if (role === "target" && !isShape(result))
        fail("The target is one tensor: write its shape, e.g. (4, 3); only the source can be a list or dict of several.");
      return { ok: true, value: result };
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      return { ok: false, message: e.message };
    }
  };

  // --- the form -------------------------------------------------------------------------------

  const el = (tag, cls, ...children) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    node.append(...children);
    return node;
  };
  const CALLS = ["gradient", "jacobian", "batch_jacobian"];
  let count = 0;

  const mount = (box) => {
    if (box.dataset.mounted) return;
    box.dataset.mounted = "1";
    const id = `shape-calculator-${++count}`;
    const compact = box.dataset.variant === "compact";
    const query = new URLSearchParams(location.search);
    const hint = el("p", "sc-hint", `A shape like (4, 3) or [4, 3]; several sources as a list or dict, ${EXAMPLES.slice(EXAMPLES.indexOf("["))}.`);
    hint.id = `${id}-hint`;
    const out = el("div", "sc-out");
    out.id = `${id}-out`;
    out.setAttribute("aria-live", "polite");
    const inputs = {};
    const fields = [
      ["target", "Target shape", "(4, 2)"],
      ["source", "Source shape(s)", "(4, 3)"],
    ].map(([name, label, fallback]) => {
      const input = el("input", "sc-input");
      Object.assign(input, { type: "text", name, id: `${id}-${name}`, autocomplete: "off", spellcheck: false });
      input.setAttribute("autocapitalize", "off");
      input.value = query.get(name) ?? box.dataset[name] ?? fallback;
      inputs[name] = input;
      const labelNode = el("label", "sc-label", label);
      labelNode.htmlFor = input.id;
      return el("div", "sc-field", labelNode, input);
    });
    const form = el("form", "sc-form", ...fields);
    form.addEventListener("submit", (e) => e.preventDefault());
    box.replaceChildren(form, ...(compact ? [] : [hint]), out);

    const render = () => {
      const parsed = {};
      const problems = [];
      for (const name of ["target", "source"]) {
        const input = inputs[name];
        parsed[name] = parse(input.value, name);
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
        if (!compact) input.setAttribute("aria-describedby", hint.id);
        if (!parsed[name].ok) {
          const p = el("p", "sc-error", el("strong", "", name === "target" ? "Target: " : "Source: "), parsed[name].message);
          p.id = `${id}-${name}-error`;
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", compact ? p.id : `${p.id} ${hint.id}`);
          problems.push(p);
        }
      }
      if (problems.length) return out.replaceChildren(...problems);
      const d = diagnose(parsed.target.value, parsed.source.value);
      const list = el("ul", "sc-calls");
      for (const name of CALLS) {
        const c = d[name];
        const item = el("li", `sc-call ${c.ok ? "sc-ok" : "sc-raises"}`, el("code", "sc-name", `tape.${name}`));
        if (c.ok) {
          const size = bytes(c.shape);
          item.append(" returns ", el("code", "sc-shape", formatNest(c.shape)), el("span", "sc-size", ` (${formatBytes(size)} in float32)`));
          if (c.note && !compact) item.append(el("span", "sc-note", c.note));
          if (size > WARN_BYTES)
            item.append(el("span", "sc-warn", `Warning: over ${formatBytes(WARN_BYTES)}, this result may not fit in memory.`));
        } else {
          item.append(" raises ", el("code", "sc-message", `${c.error}: ${c.message}`), el("span", "sc-fix", el("strong", "", "Fix: "), c.fix));
        }
        list.append(item);
      }
      out.replaceChildren(list);
      if (box.dataset.details) {
        const link = el("a", "sc-details", "The full answer on the shape doctor page");
        link.href = `${box.dataset.details}?${new URLSearchParams({ target: inputs.target.value, source: inputs.source.value })}`;
        out.append(el("p", "", link));
      }
    };

    let pending;
    form.addEventListener("input", () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        render();
        const url = new URL(location.href);
        url.searchParams.set("target", inputs.target.value);
        url.searchParams.set("source", inputs.source.value);
        history.replaceState(history.state, "", url);
      }, 250);
    });
    render();
  };

  const mountAll = () => document.querySelectorAll(".shape-calculator").forEach(mount);
  window.tapeguideShapes = { parse, diagnose, bytes, formatBytes, formatNest, WARN_BYTES, mount, mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
