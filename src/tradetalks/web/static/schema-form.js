// A small form renderer driven by a JSON Schema (the scenario files' schema, GET /api/schema).
//
// objects -> fieldsets; enums -> selects; numbers -> number inputs; booleans -> selects;
// strings -> text inputs; arrays of strings or numbers -> comma lists; "a string or a list of
// strings" -> a comma list (one item: the string); arrays of objects -> a list with add and
// remove buttons; a oneOf with a discriminator (the lever `type`) -> a select that swaps the
// fields; anything else -> a JSON text box. Every widget has get() giving its value, or
// undefined when left empty (the key is then left out).
"use strict";

const SchemaForm = (() => {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  function resolve(schema, root) {
    let s = schema || {};
    while (s.$ref) {
      const path = s.$ref.replace(/^#\//, "").split("/");
      let target = root;
      for (const p of path) target = target[p];
      const rest = Object.assign({}, s);
      delete rest.$ref;
      s = Object.assign({}, target, rest);
    }
    return s;
  }

  function isStringList(s, root) {
    s = resolve(s, root);
    return s.type === "array" && s.items && ["string", "number", "integer"].includes(resolve(s.items, root).type);
  }

  function stringOrList(s, root) {
    const opts = (s.anyOf || s.oneOf || []).map((o) => resolve(o, root)).filter((o) => o.type !== "null");
    return opts.length === 2 && opts.some((o) => o.type === "string") && opts.some((o) => isStringList(o, root));
  }

  function nonNull(s, root) {
    const opts = (s.anyOf || []).map((o) => resolve(o, root)).filter((o) => o.type !== "null");
    return opts.length === 1 ? Object.assign({}, opts[0], { description: s.description, title: s.title, default: s.default }) : null;
  }

  function parseList(text, numeric) {
    const items = text.split(",").map((t) => t.trim()).filter((t) => t.length);
    return numeric ? items.map(Number) : items;
  }

  function textWidget(value, attrs) {
    const input = el("input", Object.assign({ type: "text" }, attrs));
    if (value !== undefined && value !== null) input.value = String(value);
    return input;
  }

  // A widget for `schema` holding `value`; `name` is the field's key (for ids and labels).
  function widget(schema, value, root, name) {
    let s = resolve(schema, root);
    const nn = s.anyOf ? nonNull(s, root) : null;
    if (nn) s = nn;
    if ((s.oneOf || s.anyOf) && s.discriminator) return unionWidget(s, value, root, name);
    if ((s.anyOf || s.oneOf) && stringOrList(s, root)) {
      const shown = Array.isArray(value) ? value.join(", ") : value;
      const input = textWidget(shown, { "data-field": name, class: "list", placeholder: placeholder(s) });
      return {
        node: input,
        get() {
          const items = parseList(input.value, false);
          if (!items.length) return undefined;
          return items.length === 1 && !input.value.includes(",") ? items[0] : items;
        },
      };
    }
    if (s.enum) {
      const select = el("select", { "data-field": name });
      select.append(el("option", { value: "", text: "—" }));
      for (const opt of s.enum) select.append(el("option", { value: String(opt), text: String(opt) }));
      if (value !== undefined && value !== null) select.value = String(value);
      return { node: select, get: () => (select.value === "" ? undefined : s.enum.find((o) => String(o) === select.value)) };
    }
    if (s.const !== undefined) {
      return { node: el("span", { class: "const", text: String(s.const) }), get: () => s.const };
    }
    if (s.type === "object" && s.properties) return objectWidget(s, value, root, name);
    if (s.type === "array") {
      const items = resolve(s.items || {}, root);
      if (isStringList(s, root)) {
        const numeric = items.type !== "string";
        const hint = items.enum ? items.enum.join(", ") : placeholder(s);
        const input = textWidget(Array.isArray(value) ? value.join(", ") : value, { "data-field": name, class: "list", placeholder: hint });
        return { node: input, get: () => (parseList(input.value, numeric).length ? parseList(input.value, numeric) : undefined) };
      }
      if (items.type === "object" || items.oneOf || items.discriminator) return arrayWidget(s, value, root, name);
    }
    if (s.type === "number" || s.type === "integer") {
      const input = el("input", { type: "number", step: s.type === "integer" ? "1" : "any", "data-field": name });
      if (value !== undefined && value !== null) input.value = String(value);
      return { node: input, get: () => (input.value === "" ? undefined : Number(input.value)) };
    }
    if (s.type === "boolean") {
      const select = el("select", { "data-field": name });
      for (const [v, t] of [["", "—"], ["true", "yes"], ["false", "no"]]) select.append(el("option", { value: v, text: t }));
      if (value !== undefined && value !== null) select.value = String(value);
      return { node: select, get: () => (select.value === "" ? undefined : select.value === "true") };
    }
    if (s.type === "string") {
      const long = name === "notes" || name === "article" || (typeof value === "string" && value.length > 80);
      const input = long ? el("textarea", { rows: "2", "data-field": name }) : textWidget(undefined, { "data-field": name, placeholder: placeholder(s) });
      if (value !== undefined && value !== null) input.value = String(value);
      return { node: input, get: () => (input.value === "" ? undefined : input.value) };
    }
    // Anything else (a mapping, a mix of types): JSON.
    const area = el("textarea", { rows: "2", class: "json", "data-field": name, placeholder: "JSON" });
    if (value !== undefined) area.value = JSON.stringify(value);
    return {
      node: area,
      get() {
        if (area.value.trim() === "") return undefined;
        try {
          return JSON.parse(area.value);
        } catch (e) {
          return area.value;
        }
      },
    };
  }

  function placeholder(s) {
    if (s.examples && s.examples.length) {
      const ex = s.examples[0];
      return Array.isArray(ex) ? ex.join(", ") : typeof ex === "object" ? "" : String(ex);
    }
    if (s.default !== undefined && typeof s.default !== "object") return String(s.default);
    if (Array.isArray(s.default)) return s.default.join(", ");
    return "";
  }

  function objectWidget(s, value, root, name, skip, inUnion) {
    const v = value || {};
    const box = el("fieldset", { class: "object", "data-field": name });
    if (s.title && name !== "scenario" && !inUnion) box.append(el("legend", { text: s.title }));
    const fields = {};
    const required = new Set(s.required || []);
    for (const [key, prop] of Object.entries(s.properties)) {
      if (skip && skip.includes(key)) continue;
      const p = resolve(prop, root);
      const w = widget(p, v[key], root, key);
      fields[key] = w;
      if (p.const !== undefined) continue; // the discriminator, shown by the union's select
      // Simple inputs sit in a <label>; fieldsets and lists in a <div> (a label would pass its
      // clicks on to the first control inside).
      const simple = ["INPUT", "SELECT", "TEXTAREA"].includes(w.node.tagName);
      const label = el(simple ? "label" : "div", {
        class: "field" + (required.has(key) ? " required" : "") + (simple ? "" : " block"),
        title: p.description || "",
      });
      label.append(el("span", { class: "key", text: key }), w.node);
      if (p.description) label.append(el("small", { class: "help", text: p.description }));
      box.append(label);
    }
    const extra = {};
    for (const [k, val] of Object.entries(v)) if (!(k in s.properties) || (skip && skip.includes(k))) extra[k] = val;
    return {
      node: box,
      get() {
        const out = Object.assign({}, extra);
        for (const [k, w] of Object.entries(fields)) {
          const got = w.get();
          if (got !== undefined) out[k] = got;
        }
        return out;
      },
    };
  }

  function unionWidget(s, value, root, name) {
    const prop = s.discriminator.propertyName;
    const mapping = s.discriminator.mapping;
    const box = el("div", { class: "union", "data-field": name });
    const select = el("select", { class: "discriminator", "data-field": prop });
    for (const key of Object.keys(mapping)) select.append(el("option", { value: key, text: key }));
    const current = value && value[prop] in mapping ? value[prop] : Object.keys(mapping)[0];
    select.value = current;
    const head = el("label", { class: "field required" }, el("span", { class: "key", text: prop }), select);
    box.append(head);
    let inner = null;
    let kept = value || {};
    function build(kind) {
      const def = resolve({ $ref: mapping[kind] }, root);
      if (inner) {
        kept = Object.assign({}, kept, inner.get());
        inner.node.remove();
      }
      const start = {};
      for (const k of Object.keys(def.properties || {})) if (k in kept) start[k] = kept[k];
      if (!Object.keys(start).some((k) => k !== prop) && def.examples && def.examples.length && !value) {
        Object.assign(start, def.examples[0]);
      }
      inner = objectWidget(def, start, root, kind, null, true);
      if (def.description) inner.node.prepend(el("p", { class: "help lever-doc", text: def.description.split("\n\n")[0] }));
      box.append(inner.node);
    }
    build(current);
    select.addEventListener("change", () => {
      value = null;
      build(select.value);
    });
    return {
      node: box,
      get() {
        const out = inner.get();
        out[prop] = select.value;
        return out;
      },
    };
  }

  function arrayWidget(s, value, root, name) {
    const box = el("fieldset", { class: "array", "data-field": name });
    box.append(el("legend", { text: s.title || name }));
    const list = el("div", { class: "items" });
    box.append(list);
    const items = [];
    function add(v) {
      const w = widget(s.items, v, root, name + "-item");
      const row = el("div", { class: "item" });
      const remove = el("button", { type: "button", class: "remove-item", text: "remove" });
      const entry = { w, row };
      remove.addEventListener("click", () => {
        items.splice(items.indexOf(entry), 1);
        row.remove();
      });
      row.append(w.node, remove);
      list.append(row);
      items.push(entry);
    }
    for (const v of value || []) add(v);
    const addButton = el("button", { type: "button", class: "add-item", id: name === "levers" ? "add-lever" : null, text: "add " + (name === "levers" ? "lever" : "item") });
    addButton.addEventListener("click", () => add(undefined));
    box.append(addButton);
    return { node: box, get: () => items.map((e) => e.w.get()) };
  }

  // The form of a whole document: `schema` the root, `value` the document; `skip`: keys not shown
  // (kept as they are).
  function render(container, schema, value, skip) {
    container.replaceChildren();
    const w = objectWidget(resolve(schema, schema), value, schema, "scenario", skip);
    container.append(w.node);
    return w;
  }

  return { render, resolve };
})();
