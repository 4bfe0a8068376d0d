// The system.yaml that `msa init` writes from answers. Pure: answers in, text out.
import { isScalar, parseDocument, type Node } from "yaml";
import type { BrokerKind, GatewayKind } from "./model.js";
import { DNS_LABEL } from "./names.js";
import { RESERVED_CONTEXT_NAMES } from "./rules/names.js";
import type { Render } from "./render.js";
import { hasYamlNonStrings, isYamlNonString, resolveMarks } from "./yaml-words.js";

export interface InitAnswers {
  name: string;
  contexts: string[];
  broker: BrokerKind;
  gateway: GatewayKind;
}

export const DEFAULT_CONTEXTS = ["orders", "inventory"];

/** Why `name` cannot be a system name, or undefined (a DNS-1123 label of at most 63 characters). */
export function systemNameProblem(name: string): string | undefined {
  if (DNS_LABEL.test(name) && name.length <= 63) return undefined;
  const suggestion = systemNameFrom(name);
  return `"${name}" is not a valid system name: lowercase letters, digits and '-', starting with a letter, at most 63 characters (e.g. ${suggestion === "my-system" ? "my-shop" : suggestion})`;
}

/** A DNS label from a directory name: "My Shop!" → "my-shop"; fallback "my-system". */
export function systemNameFrom(dirName: string): string {
  const n = dirName.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "").replace(/-{2,}/g, "-").slice(0, 63).replace(/-+$/, "");
  return DNS_LABEL.test(n) ? n : "my-system";
}

/** Problems with a list of context names, or undefined when it is fine (used by prompts and flags). */
export function contextNamesProblem(names: string[]): string | undefined {
  if (!names.length) return "name at least one context";
  for (const n of names) if (!DNS_LABEL.test(n) || n.length > 63) return `"${n}" is not a valid context name (lowercase letters, digits, '-'; e.g. order-history)`;
  for (const n of names) if (RESERVED_CONTEXT_NAMES.has(n)) return `"${n}" is reserved: msa generates its own ${n === "gateway" || n === "kong" ? "gateway" : "infrastructure"} under that name; pick another (e.g. ${n}-service)`;
  if (new Set(names).size !== names.length) return "context names must be unique";
  return undefined;
}

export function renderInitialSystem(a: InitAnswers, render: Render): string {
  const first = a.contexts[0] as string;
  const event = a.contexts.length > 1 ? `${first}.created` : undefined;
  const contexts = a.contexts.map((name, i) => ({
    name,
    port: 3000 + i,
    publishes: event && i === 0 ? [event] : [],
    consumes: event && i > 0 ? [event] : [],
  }));
  const view = { ...a, contexts, events: event ? [{ name: event }] : [] };
  // a name such as `null` or `no` is written quoted, or it would not read back as a name (yaml-words.ts)
  return hasYamlNonStrings(a) && render.guarded ? resolveMarks(render.guarded("init/system.yaml", view), true) : render("init/system.yaml", view);
}

/** Replaces one top-level scalar's text in place, keeping every other byte (used to rename an example). */
export function setTopLevelScalar(text: string, key: string, value: string): string {
  const doc = parseDocument(text);
  const node = doc.get(key, true) as Node | undefined;
  if (!node || !isScalar(node) || !node.range) return text;
  // a name such as `null` or `no` is written quoted, or it would not read back as a name (yaml-words.ts)
  const literal = isYamlNonString(value) ? JSON.stringify(value) : value;
  // Keep a trailing comment in its column: give back (or take) the spaces the new value needs.
  const [start, end] = node.range;
  const spaces = /^ +(?=#)/.exec(text.slice(end))?.[0].length ?? 0;
  const pad = spaces ? " ".repeat(Math.max(1, spaces - (literal.length - (end - start)))) : "";
  return text.slice(0, start) + literal + pad + text.slice(end + spaces);
}
