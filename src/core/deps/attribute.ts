// Which service a scanned file belongs to: the folder that holds it.
import { GATEWAY_NODE } from "./declared.js";

export interface AttributionInput {
  /** Directory segments of the file, from the scan root's own shown path down (services, orders, src). */
  dirs: string[];
  /** How many of `dirs` name the scan root itself (0 when the root is "."). */
  rootDepth: number;
  /** Declared context names. */
  contexts: ReadonlySet<string>;
  /** True with a system.yaml: then only context, services/<x> and gateway folders count. */
  strict: boolean;
}

/**
 * services/<context>/… → the context; gateway/… → the gateway; any folder named like a declared
 * context → it. Without a system.yaml, also the first folder under the scan root (the docs'
 * `analyze-deps ./services`), or the scan root's own name for files directly in it.
 */
export function attributeFile({ dirs, rootDepth, contexts, strict }: AttributionInput): string | null {
  // The outermost folder that names a service wins: gateway/src/orders/proxy.ts is the gateway's.
  for (let i = 0; i < dirs.length; i++) {
    const d = dirs[i] as string;
    if (contexts.has(d)) return d;
    if (d === GATEWAY_NODE) return GATEWAY_NODE;
    if (d === "services" && i + 1 < dirs.length) return dirs[i + 1] as string;
  }
  if (strict) return null;
  if (dirs.length > rootDepth) return dirs[rootDepth] as string;
  return rootDepth > 0 ? (dirs[rootDepth - 1] as string) : null;
}
