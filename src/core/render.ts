// Stage 5: templates → text. A private, strict Handlebars instance with no HTML escaping.
// Pure: the template texts are handed in (src/io/templates.ts reads them from templates/).
import { createHash } from "node:crypto";
import Handlebars from "handlebars";
import { stringify as yamlStringify } from "yaml";
import { toCamel, toEnvName, toPascal, toSnake } from "./names.js";
import { blockYaml, YAML_OPTIONS } from "./yaml-block.js";
import { markYamlWord } from "./yaml-words.js";

export type TemplateSources = ReadonlyMap<string, string>;
export type Render = ((template: string, view: unknown) => string) & {
  /**
   * The same templates with every plain `{{value}}` passed through markYamlWord (yaml-words.ts): used when the
   * model holds a name such as `n` or `null`, so that YAML output can quote it. Compiled on first use.
   */
  guarded?: Render;
};

// knownHelpersOnly (with every registered helper known, compileOptions): a `{{value}}` compiles to a lookup
// instead of a run-time "is it a helper?" test with an options object per call (issue #24: render CPU); the same
// output, since every helper a template can call is registered before it is compiled.
const COMPILE_OPTIONS = { strict: true, noEscape: true, preventIndent: false, knownHelpersOnly: true } as const;

/** The compile options with every helper registered on `hb` known (the guard helper too, in the guarded set). */
function compileOptions(hb: typeof Handlebars): CompileOptions {
  return { ...COMPILE_OPTIONS, knownHelpers: Object.fromEntries(Object.keys(hb.helpers).map((n) => [n, true])) };
}
const GUARD_HELPER = "__yamlWord";

/**
 * Templates compiled at build time (scripts/compile-templates.mjs): Handlebars' template specs by template name,
 * and the key of the sources they were compiled from (templatesKey). Used only when the key matches the
 * sources handed in; otherwise each template is compiled on first use, as without them.
 */
export interface PrecompiledTemplates {
  key: string;
  specs: Readonly<Record<string, unknown>>;
}
/** The precompiled plain (false) or guarded (true) templates, when there are any (src/io/templates.ts reads them). */
export type PrecompiledLoader = (guarded: boolean) => PrecompiledTemplates | undefined;

/** Template names are paths under templates/ without the `.hbs` suffix; a basename starting with `_` is a partial. */
export function createRenderer(sources: TemplateSources, precompiled?: PrecompiledLoader): Render {
  const render = renderer(sources, false, precompiled);
  let guarded: Render | undefined;
  Object.defineProperty(render, "guarded", { get: () => (guarded ??= renderer(sources, true, precompiled)) });
  return render;
}

const keys = new WeakMap<TemplateSources, string>();
/** sha256 over every template's name and text, and the compile options: what precompiled specs must match. */
export function templatesKey(sources: TemplateSources): string {
  let key = keys.get(sources);
  if (key === undefined) {
    const h = createHash("sha256").update(JSON.stringify(COMPILE_OPTIONS));
    for (const [name, text] of [...sources].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) h.update(`\0${name}\0`).update(text);
    keys.set(sources, (key = h.digest("hex")));
  }
  return key;
}

/**
 * Every template (and partial) compiled ahead of time, as the JavaScript source of Handlebars' template spec by
 * name — the plain set or the guarded one (every plain value through markYamlWord). For the build step.
 */
export function precompileTemplates(sources: TemplateSources, guard: boolean): Record<string, string> {
  const hb = Handlebars.create();
  registerHelpers(hb);
  if (guard) hb.registerHelper(GUARD_HELPER, markYamlWord);
  const out: Record<string, string> = {};
  const options = compileOptions(hb);
  const builtIn = builtInConditionals(hb);
  for (const [name, text] of sources) {
    const spec = hoistConstants(hb.precompile(guard ? guardValues(hb.parse(text), hb) : text, options) as unknown as string);
    out[name] = builtIn ? inlineConditionals(spec) : spec;
  }
  return out;
}

/** Whether `if`, `unless` and `each` on `hb` are Handlebars' own (inlineConditionals stands for exactly those). */
function builtInConditionals(hb: typeof Handlebars): boolean {
  const own = Handlebars.create().helpers;
  return ["if", "unless", "each"].every((k) => typeof hb.helpers[k] === "function" && String(hb.helpers[k]) === String(own[k]));
}

// Handlebars' precompiled call of the built-in `{{#if}}` / `{{#unless}}` (4.7, knownHelpersOnly, one argument, no
// hash — hoistConstants has made the empty hash and the location constants): the head, then `CONTEXT,CONDITION`,
// then this tail. A program without depths is `container.program(N, data, 0)`; with them `…, 0, blockParams, depths)`.
const CONDITIONAL_HEAD = /lookupProperty\(helpers,"(if|unless|each)"\)\.call\(/g;
const CONDITIONAL_TAIL =
  /^,\{"name":"(if|unless|each)","hash":msaNoHash,"fn":container\.program\((\d+), data, 0(, blockParams, depths)?\),"inverse":(?:container\.noop|container\.program\((\d+), data, 0(, blockParams, depths)?\)),"data":data,"loc":(msaLoc\d+)\}\)/;

/**
 * The index of the first top-level `,` from `from` in generated JavaScript (string literals and brackets skipped);
 * -1 when the enclosing expression closes first.
 */
function topLevelComma(code: string, from: number): number {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'") {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === "\\") i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return -1;
      depth--;
    } else if (c === "," && depth === 0) return i;
  }
  return -1;
}

/**
 * A precompiled spec with each call of the built-in `if`/`unless` made directly, and `each` over an array in a
 * block without depths (EACH_ARRAY: no options object, no frame copy per call site beyond the helper's own, no two
 * block-param arrays, context path string and options object per iteration) (issue #24, render CPU): the
 * runtime built an options object per call, a program wrapper (a new closure with three properties) for each
 * branch, and called the helper through `.call`; ~180,000 calls at 500 contexts. The same test (Handlebars'
 * `!c || isEmpty(c)`, a function condition called on the context first) and the same program called with the
 * same context, helpers, partials and data as the wrapper would. A call of any other shape is left as it is.
 */
export function inlineConditionals(spec: string): string {
  let out = "";
  let last = 0;
  let changed = false;
  CONDITIONAL_HEAD.lastIndex = 0;
  for (let m = CONDITIONAL_HEAD.exec(spec); m; m = CONDITIONAL_HEAD.exec(spec)) {
    const start = m.index + m[0].length;
    const comma = topLevelComma(spec, start);
    if (comma === -1) continue;
    const tailAt = topLevelComma(spec, comma + 1);
    if (tailAt === -1) continue;
    const tail = CONDITIONAL_TAIL.exec(spec.slice(tailAt));
    if (!tail || tail[1] !== m[1]) continue;
    const ctx = spec.slice(start, comma);
    const cond = spec.slice(comma + 1, tailAt);
    const [, kind, fn, fnDepths, inv, invDepths, loc] = tail;
    const unless = kind === "unless";
    let call: string;
    if (kind === "each") {
      // arrays only, and only without depths; anything else goes to the helper as before
      if (fnDepths !== undefined || invDepths !== undefined) continue;
      call = `msaEach(container,${ctx},${cond},${fn},${inv ?? -1},data,${loc})`;
    } else if (fnDepths === undefined && (inv === undefined || invDepths === undefined)) {
      const yes = Number(fn);
      const no = inv === undefined ? -1 : Number(inv);
      call = `msaIf(container,${ctx},${cond},${unless ? no : yes},${unless ? yes : no},data)`;
    } else {
      // with depths: the wrappers as the runtime makes them, only the options object and the helper call dropped
      const program = (n: string, d: string | undefined) => `container.program(${n}, data, 0${d ?? ""})`;
      const yes = program(fn as string, fnDepths);
      const no = inv === undefined ? "container.noop" : program(inv, invDepths);
      call = `msaIfWrapped(${ctx},${cond},${unless ? no : yes},${unless ? yes : no})`;
    }
    out += spec.slice(last, m.index) + call;
    last = tailAt + tail[0].length;
    CONDITIONAL_HEAD.lastIndex = last;
    changed = true;
  }
  if (!changed) return spec;
  return `(function () {\n  var msaEmpty = ${CONDITIONAL_EMPTY},\n    msaIf = ${CONDITIONAL_DIRECT},\n    msaIfWrapped = ${CONDITIONAL_WRAPPED},\n    msaEachHash = Object.freeze({}),\n    msaEach = ${EACH_ARRAY};\n  return ${out + spec.slice(last)};\n})()`;
}

// Handlebars 4.7's `if`: `!conditional || isEmpty(conditional)` after calling a function conditional on the context
// (no includeZero: these calls have no hash); isEmpty is `!v && v !== 0` or an empty array.
const CONDITIONAL_EMPTY = `function (ctx, c) {
    if (typeof c === "function") c = c.call(ctx);
    return !c || (Array.isArray(c) && c.length === 0);
  }`;
// a branch's program called as its wrapper (wrapProgram, no depths or block params) calls it; -1: container.noop
const CONDITIONAL_DIRECT = `function (container, ctx, c, yes, no, data) {
    var i = msaEmpty(ctx, c) ? no : yes;
    return i === -1 ? "" : container.fn(i)(container, ctx, container.helpers, container.partials, data);
  }`;
// Handlebars 4.7's `each` over an array, for a block without depths or block params and no `ids` (trackIds is off):
// one frame made from the caller's data (createFrame: an own-enumerable copy and `_parent`), its key, index, first
// and last set before each present index, the program called as its wrapper calls it (the frame as data; the
// iteration's block params reach a program only through a wrapper that has some, which these have not); no
// iteration: the inverse on the context. Anything but an array (a function, an iterable, an object, nothing) is
// handed to the helper with the options the precompiled call would have made.
const EACH_ARRAY = `function (container, ctx, list, yes, no, data, loc) {
    if (!Array.isArray(list)) {
      return container.helpers.each.call(ctx, list, { name: "each", hash: msaEachHash, fn: container.program(yes, data, 0),
        inverse: no === -1 ? container.noop : container.program(no, data, 0), data: data, loc: loc });
    }
    var frame;
    if (data) {
      frame = {};
      for (var key in data) if (Object.prototype.hasOwnProperty.call(data, key)) frame[key] = data[key];
      frame._parent = data;
    }
    var fn = container.fn(yes), ret = "", i = 0;
    for (var j = list.length; i < j; i++) {
      if (i in list) {
        if (frame) {
          frame.key = i;
          frame.index = i;
          frame.first = i === 0;
          frame.last = i === list.length - 1;
        }
        ret = ret + fn(container, list[i], container.helpers, container.partials, frame || data, undefined, undefined);
      }
    }
    if (i === 0) ret = no === -1 ? "" : container.fn(no)(container, ctx, container.helpers, container.partials, data);
    return ret;
  }`;
const CONDITIONAL_WRAPPED = `function (ctx, c, yes, no) {
    return msaEmpty(ctx, c) ? no(ctx) : yes(ctx);
  }`;

// What Handlebars' precompiler writes as an object literal in every helper call and strict lookup: a source
// location (`loc`, read only to word an error) and the empty `hash` of a helper called without hash arguments.
// Both are nested literals, which V8 creates by a deep copy of their boilerplate on each evaluation until the
// function is optimized (issue #24: ~3 % of a cold generate's instructions at 100 contexts). Written in the
// generated code only as JSON (quoted keys; inside a template's text a quote is escaped), so they are found
// exactly. Neither Handlebars' runtime nor a helper writes to them.
const LOCATION_LITERAL = /\{"start":\{"line":\d+,"column":\d+\},"end":\{"line":\d+,"column":\d+\}\}/g;
const EMPTY_HASH = '"hash":{}';

/**
 * A precompiled template spec (JavaScript source of an object literal) with each distinct location literal and
 * the empty hash made once (the outer object frozen), as constants of a closure around the spec: the same spec,
 * evaluated once.
 */
export function hoistConstants(spec: string): string {
  const names = new Map<string, string>();
  let body = spec.replace(LOCATION_LITERAL, (loc) => {
    let name = names.get(loc);
    if (name === undefined) names.set(loc, (name = `msaLoc${names.size}`));
    return name;
  });
  const hasHash = body.includes(EMPTY_HASH);
  if (hasHash) body = body.split(EMPTY_HASH).join('"hash":msaNoHash');
  if (!names.size && !hasHash) return spec;
  const consts = [...names].map(([loc, name]) => `${name} = Object.freeze(${loc})`);
  if (hasHash) consts.push("msaNoHash = Object.freeze({})");
  return `(function () {\n  var ${consts.join(",\n    ")};\n  return ${body};\n})()`;
}

function renderer(sources: TemplateSources, guard: boolean, precompiled?: PrecompiledLoader): Render {
  const hb = Handlebars.create();
  registerHelpers(hb);
  if (guard) hb.registerHelper(GUARD_HELPER, markYamlWord);
  // compiled at build time when they were made from exactly these sources: no compile at run time
  const pre = precompiled?.(guard);
  const specs = pre && pre.key === templatesKey(sources) ? pre.specs : undefined;
  const fromSpec = (name: string): Handlebars.TemplateDelegate | undefined => {
    const spec = specs && Object.prototype.hasOwnProperty.call(specs, name) ? specs[name] : undefined;
    return spec === undefined ? undefined : setUpOnce(hb.template(withShortcuts(spec as TemplateSpecification, hb)));
  };
  const prepare = (text: string): string | hbs.AST.Program => (guard ? guardValues(hb.parse(text), hb) : text);
  const options = compileOptions(hb);
  for (const [name, text] of sources) {
    const base = name.split("/").pop() ?? name;
    // guarded partials are handed over compiled (lazily, on first use); Handlebars takes no parsed template here
    if (base.startsWith("_")) hb.registerPartial(name, fromSpec(name) ?? (guard ? hb.compile(prepare(text), options) : text));
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  return (template, view) => {
    let fn = compiled.get(template);
    if (!fn) {
      const text = sources.get(template);
      if (text === undefined) throw new Error(`internal: no template named ${template}`);
      fn = fromSpec(template) ?? hb.compile(prepare(text), options);
      compiled.set(template, fn);
    }
    return normalizeText(fn(view));
  };
}

/**
 * A precompiled template that sets up its runtime once instead of on every top-level call (issue #24). Handlebars'
 * runtime (4.7) prepares each top-level call in `_setup`: it wraps every registered helper in a new closure,
 * copies the decorators and builds the prototype-access rules — ~40 closures and objects per call, ~23,000 calls
 * at 500 contexts. Everything it prepares comes from the environment and the call's options; this renderer
 * registers all helpers and partials before the first render and calls every template with no options, so a
 * later setup would rebuild the same things: it is skipped. A call as a partial (options.partial) sets up from
 * its options as before. A runtime without `_setup` is left as it is.
 */
function setUpOnce(fn: Handlebars.TemplateDelegate): Handlebars.TemplateDelegate {
  const t = fn as Handlebars.TemplateDelegate & { _setup?: (options: { partial?: boolean }) => void };
  const setup = t._setup;
  if (typeof setup !== "function") return fn;
  let done = false;
  t._setup = (options) => {
    if (options.partial) return setup(options);
    if (done) return;
    setup(options);
    done = true;
  };
  return fn;
}

interface RuntimeContainer {
  helpers: Record<string, unknown>;
  fn: (i: number) => unknown;
  strict: (obj: unknown, name: string, loc: unknown) => unknown;
  lookupProperty: (parent: unknown, name: string) => unknown;
}
const hasOwn = Object.prototype.hasOwnProperty;
/** Handlebars 4.7's test of an own property the runtime still checks: a prototype's `constructor` back-reference. */
const isPrototypeConstructor = (parent: unknown, name: string, v: { prototype?: unknown }): boolean => name === "constructor" && parent === v.prototype;

/**
 * A precompiled template whose runtime container takes three shortcuts from its first call on (issue #24, render
 * CPU): Handlebars' runtime (4.7) wraps every helper in a closure that copies `lookupProperty` onto its options
 * object before each call — only the built-in `lookup` helper reads it, so every other helper is called as
 * registered; and `container.fn(i)`, asked for on every block (`{{#if}}`, `{{#each}}`), looks the program up and
 * sets its decorator again each time — the answer is the same for a given i, so it is kept; and a value looked up
 * (`strict`, `lookupProperty`) that is an own property (not a prototype's `constructor`) is returned without the
 * runtime's chain of calls (the `in` test, the own-property test, the prototype-constructor test). Same output.
 */
function withShortcuts(spec: TemplateSpecification, hb: typeof Handlebars): TemplateSpecification {
  const s = spec as TemplateSpecification & { main: (container: RuntimeContainer, ...rest: unknown[]) => unknown };
  const main = s.main;
  if (typeof main !== "function") return spec;
  const raw = hb.helpers as Record<string, unknown>;
  const done = new WeakSet<RuntimeContainer>();
  const shortcut = (container: RuntimeContainer): void => {
    done.add(container);
    const helpers: Record<string, unknown> = {};
    for (const k of Object.keys(container.helpers)) helpers[k] = k !== "lookup" && typeof raw[k] === "function" ? raw[k] : container.helpers[k];
    container.helpers = helpers;
    const fn = container.fn;
    const programs: unknown[] = [];
    container.fn = function (this: unknown, i: number) {
      return (programs[i] ??= fn.call(this, i));
    };
    // `{{name}}` (strict), a helper's argument and the helper itself (lookupProperty): an own data property is what
    // the runtime returns after its prototype-access checks unless it is a prototype's `constructor` (the only own
    // property they refuse); read once, as the runtime reads it. Everything else goes to the runtime's functions.
    const strict = container.strict;
    const lookupProperty = container.lookupProperty;
    container.strict = function (obj: unknown, name: string, loc: unknown) {
      if (obj !== null && typeof obj === "object" && hasOwn.call(obj, name)) {
        const v = (obj as Record<string, unknown>)[name];
        if (typeof v !== "function" || !isPrototypeConstructor(obj, name, v)) return v;
      }
      return strict(obj, name, loc);
    };
    container.lookupProperty = function (parent: unknown, name: string) {
      if (parent !== null && typeof parent === "object" && hasOwn.call(parent, name)) {
        const v = (parent as Record<string, unknown>)[name];
        if (typeof v !== "function" || !isPrototypeConstructor(parent, name, v)) return v;
      }
      return lookupProperty(parent, name);
    };
  };
  return {
    ...s,
    main(this: unknown, container: RuntimeContainer, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown) {
      if (!done.has(container)) shortcut(container);
      return main.call(this, container, a, b, c, d, e, f);
    },
  } as TemplateSpecification;
}

/** Rewrites every `{{path}}` (no params, not a helper) as `{{__yamlWord path}}`, in blocks and inverses too. */
function guardValues(program: hbs.AST.Program, hb: typeof Handlebars): hbs.AST.Program {
  const walk = (node: hbs.AST.Node | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case "Program":
        for (const n of (node as hbs.AST.Program).body) walk(n);
        break;
      case "BlockStatement": {
        const b = node as hbs.AST.BlockStatement;
        walk(b.program);
        walk(b.inverse);
        break;
      }
      case "MustacheStatement": {
        const m = node as hbs.AST.MustacheStatement;
        if (m.path.type !== "PathExpression" || m.params.length || m.hash) break;
        const path = m.path as hbs.AST.PathExpression;
        if (!path.data && path.parts.length === 1 && hb.helpers[path.original]) break;
        m.params = [path];
        m.path = { type: "PathExpression", data: false, depth: 0, parts: [GUARD_HELPER], original: GUARD_HELPER, loc: path.loc } as hbs.AST.PathExpression;
        break;
      }
      default:
        break;
    }
  };
  walk(program);
  return program;
}

/**
 * Whether a text has a `\r`, or a space or tab before a `\n`: the same answer as /\r|[ \t]\n/.test(text), for a
 * third of its CPU (issue #24: the regex, an alternation, stepped through all ~107 MB of a 500-context tree
 * character by character; `indexOf` of one character runs as a memchr, and a blank before a line end is
 * looked for only at the line ends).
 */
function needsNormalizing(text: string): boolean {
  if (text.indexOf("\r") !== -1) return true;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    const c = text.charCodeAt(i - 1);
    if (c === 32 || c === 9) return true;
  }
  return false;
}

/** `\n` endings, no trailing spaces, exactly one final newline: rendered output is byte-stable. */
export function normalizeText(text: string): string {
  // The regexes run only where there is something to change (rendered text rarely has \r or trailing blanks),
  // and the final newline is fixed from the end: `/\n*$/` would scan the whole text. Same result as
  // text.replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").replace(/\n*$/, "\n").
  // One pass finds both (needsNormalizing; three `includes` scans cost ~1.7× the regex it replaced).
  let t = text;
  const endsBlank = (s: string) => s.endsWith(" ") || s.endsWith("\t");
  let strip: boolean;
  if (needsNormalizing(t)) {
    if (t.includes("\r")) t = t.replace(/\r\n?/g, "\n");
    strip = t.includes(" \n") || t.includes("\t\n") || endsBlank(t);
  } else strip = endsBlank(t);
  if (strip) t = t.replace(/[ \t]+$/gm, "");
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 10) end--;
  return end === t.length ? t + "\n" : end === t.length - 1 ? t : t.slice(0, end) + "\n";
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hb.registerHelper("ne", (a: unknown, b: unknown) => a !== b);
  hb.registerHelper("and", (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper("or", (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper("not", (a: unknown) => !a);
  hb.registerHelper("gt", (a: number, b: number) => a > b);
  hb.registerHelper("lt", (a: number, b: number) => a < b);
  hb.registerHelper("add", (a: number, b: number) => a + b);
  hb.registerHelper("mul", (a: number, b: number) => a * b);
  hb.registerHelper("max", (a: number, b: number) => Math.max(a, b));
  hb.registerHelper("includes", (list: unknown, x: unknown) => Array.isArray(list) && list.includes(x));
  hb.registerHelper("length", (list: unknown) => (Array.isArray(list) ? list.length : 0));
  hb.registerHelper("upper", (s: string) => String(s).toUpperCase());
  hb.registerHelper("lower", (s: string) => String(s).toLowerCase());
  hb.registerHelper("envName", (s: string) => toEnvName(String(s)));
  hb.registerHelper("camel", (s: string) => toCamel(String(s)));
  hb.registerHelper("pascal", (s: string) => toPascal(String(s)));
  hb.registerHelper("snake", (s: string) => toSnake(String(s)));
  hb.registerHelper("join", (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === "string" ? sep : ", ") : ""));
  /**
   * Free text inside a double-quoted string literal: {{strBody description}}. The body of a JSON string, which is
   * also a valid body of a double-quoted JS/TS or Python string (quotes, backslashes, newlines and control characters escaped).
   */
  hb.registerHelper("strBody", (s: unknown) => JSON.stringify(String(s ?? "")).slice(1, -1));
  /** Text or an attribute value in HTML: {{h value}} (this renderer escapes nothing by itself). */
  hb.registerHelper("h", (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] as string));
  /** A JSON value as a JavaScript literal that is also safe inside an HTML <script>: `<` and the JS line separators escaped. */
  hb.registerHelper("jsonJs", (v: unknown) => JSON.stringify(v ?? null).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029"));
  /** A JSON literal (also a valid YAML flow scalar): {{json value}} or {{json value 2}} for indented. */
  hb.registerHelper("json", (v: unknown, indent: unknown) => JSON.stringify(v ?? null, null, typeof indent === "number" ? indent : undefined));
  /** Block YAML of a value, indented by n spaces: {{yaml value 4}}. */
  // Memoised per renderer for plain JSON data (labels and selectors repeat in every Kubernetes object):
  // for such values the YAML text is a function of their JSON text.
  // The unindented text is memoised apart: the same value at two indentations (the alert rules in
  // observability/ and in the prod overlay) is stringified once.
  const yamlMemo = new Map<string, string>();
  const yamlTextMemo = new Map<string, string>();
  hb.registerHelper("yaml", (v: unknown, n: unknown) => {
    const indent = typeof n === "number" ? n : 0;
    // collections of one-line scalars: laid out directly, each scalar's text the library's (yaml-block.ts)
    const fast = blockYaml(v, indent);
    if (fast !== undefined) return fast;
    const json = isPlainJson(v) ? JSON.stringify(v) : undefined;
    const key = json === undefined ? undefined : `${indent}:${json}`;
    const hit = key === undefined ? undefined : yamlMemo.get(key);
    if (hit !== undefined) return hit;
    let text = json === undefined ? undefined : yamlTextMemo.get(json);
    if (text === undefined) {
      text = yamlStringify(v, YAML_OPTIONS).replace(/\n$/, "");
      if (json !== undefined) yamlTextMemo.set(json, text);
    }
    const pad = " ".repeat(indent);
    const out = indent === 0 ? text : text.split("\n").map((l) => (l ? pad + l : l)).join("\n");
    if (key !== undefined) yamlMemo.set(key, out);
    return out;
  });
  /** Indent every line but the first by n spaces (for nesting rendered blocks). */
  hb.registerHelper("indent", (s: string, n: number) => String(s).replace(/\n/g, "\n" + " ".repeat(n)));
}

/**
 * Strings, booleans, finite numbers (not -0), and arrays/plain objects of them with no object reached twice (YAML
 * would write an alias there): values whose YAML text JSON.stringify determines.
 */
function isPlainJson(v: unknown, seen = new Set<object>()): boolean {
  if (typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (v === null || typeof v !== "object" || seen.has(v) || seen.size > 200) return false;
  if (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return false;
  seen.add(v);
  return (Array.isArray(v) ? v : Object.values(v)).every((x) => isPlainJson(x, seen));
}
