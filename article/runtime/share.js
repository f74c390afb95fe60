// A figure's settings in the URL fragment, so a link restores them (docs/design.md, "Links"):
//
//   #<figure id>:<name>=<value>,<name>=<value>,…     e.g. #fig-paths:sample=1,steps=8,variation=0.65,seed=7
//
// Each value is percent-encoded on its own (encodeURIComponent), so free text with `,`, `=`, `%`
// or `#` survives; the whole fragment is at most MAX_FRAGMENT characters. A figure reads only the
// settings its schema declares (its module's `shared` export), each checked against it:
//
//   { type: "number", min, max }      a finite decimal number in [min, max]
//   { type: "integer", min, max }     the same, whole
//   { type: "choice", values: [...] } one of the values, written as String(value) writes it
//   { type: "text", maxLength }       any text of at most maxLength characters
//
// and optionally `default`, the value where neither the page (the build's settings) nor the link
// sets one. Whatever is malformed, unknown, out of range or over-long is left out with a console
// warning, so the figure keeps its default for it: a link never breaks the page.
export const MAX_FRAGMENT = 4096;
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function warn(message) { console.warn(`Shared link: ${message}, ignored`); }

// The figure id and settings text of the page's settings fragment (one with a ":"), or null for
// none (an ordinary anchor, no fragment) or one over MAX_FRAGMENT (warned once per fragment).
let seen = { hash: null, parts: null };
function parts() {
  const hash = location.hash;
  if (hash === seen.hash) return seen.parts;
  const text = hash.slice(1), colon = text.indexOf(":");
  let found = null;
  if (colon >= 0 && text.length > MAX_FRAGMENT) {
    warn(`the fragment is ${text.length} characters, over the ${MAX_FRAGMENT} a link may carry`);
  } else if (colon >= 0) {
    found = { id: text.slice(0, colon), body: text.slice(colon + 1) };
  }
  seen = { hash, parts: found };
  return found;
}

// The figure a settings fragment names (to scroll to), or null.
export function sharedFigure() {
  return parts()?.id ?? null;
}

function decode(text) { // null where the text is not valid percent-encoding (a bad escape, bad UTF-8)
  try { return decodeURIComponent(text); } catch { return null; }
}

// `text` checked against one schema entry: the value, or undefined with the reason warned.
function checked(name, text, spec) {
  const bad = (why) => { warn(`${name}=${JSON.stringify(text.slice(0, 40))} ${why}`); };
  if (spec.type === "number" || spec.type === "integer") {
    const x = DECIMAL.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(x)) return bad("is not a number");
    if (spec.type === "integer" && !Number.isInteger(x)) return bad("is not a whole number");
    if (x < spec.min || x > spec.max) return bad(`is outside ${spec.min}…${spec.max}`);
    return x;
  }
  if (spec.type === "choice") {
    const value = spec.values.find((v) => String(v) === text);
    return value === undefined ? bad(`is not one of ${spec.values.join(", ")}`) : value;
  }
  if (spec.type === "text") {
    return [...text].length > spec.maxLength ? bad(`is longer than ${spec.maxLength} characters`) : text;
  }
  throw new Error(`setting ${name}: unknown schema type ${spec.type}`); // a figure's mistake, not the link's
}

// The settings a link gives figure `id`, each valid under `schema` (the others left out, warned).
export function readShared(id, schema) {
  const out = {};
  const p = parts();
  if (!p || p.id !== id) return out;
  for (const part of p.body.split(",")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!NAME.test(name) || !Object.hasOwn(schema, name)) { warn(`${id} has no setting ${JSON.stringify(name.slice(0, 40))}`); continue; }
    if (eq < 0) { warn(`${name} has no value`); continue; }
    const text = decode(part.slice(eq + 1));
    if (text === null) { warn(`${name}'s value has a broken percent-escape`); continue; }
    const value = checked(name, text, schema[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

// A figure's settings: its schema's defaults, then the page's (data-config: the build's settings
// from index.md), then the link's.
export function figureSettings(root, schema = {}) {
  const defaults = Object.fromEntries(Object.entries(schema).filter(([, s]) => "default" in s).map(([k, s]) => [k, s.default]));
  return { ...defaults, ...JSON.parse(root.dataset.config || "{}"), ...readShared(root.id, schema) };
}

// Put figure `id`'s settings in the fragment (replacing the page's history entry). A fragment that
// would be over MAX_FRAGMENT is not written, and the old one, no longer the figure's, is cleared.
export function writeShared(id, settings) {
  const text = `${id}:` + Object.entries(settings).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join(",");
  if (text.length <= MAX_FRAGMENT) {
    history.replaceState(null, "", `#${text}`);
  } else {
    console.warn(`${id}: settings too long for a link (${text.length} characters), not written`);
    history.replaceState(null, "", location.pathname + location.search);
  }
}
