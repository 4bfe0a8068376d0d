// Identifier conversions used by the model and the templates. One place, so every artifact agrees.

/** "order-history" → "ORDER_HISTORY" (environment variables: ORDER_HISTORY_URL). */
export const toEnvName = (name: string): string => name.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();

/** "order-history" / "order.created" → "orderHistory" / "orderCreated". */
export const toCamel = (name: string): string =>
  name.replace(/[^A-Za-z0-9]+([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase());

/** "order.created" → "OrderCreated". */
export const toPascal = (name: string): string => {
  const c = toCamel(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
};

/** "order-history" → "order_history" (SQL database names, Python identifiers). */
export const toSnake = (name: string): string => name.replace(/[^A-Za-z0-9]+/g, "_").toLowerCase();

/** DNS-1123 label: what Kubernetes accepts as a Service name. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Event type names: lowercase words joined by '.', '-' or '_', e.g. order.created. */
export const EVENT_NAME = /^[a-z][a-z0-9]*([._-][a-z0-9]+)*$/;

/** "2s" | "500ms" | "1m" | "1h" | number (ms) → milliseconds; undefined when malformed. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] as "ms" | "s" | "m" | "h";
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]);
}

export interface RateLimit {
  count: number;
  unit: "second" | "minute" | "hour";
}

/** "100/minute" → { count: 100, unit: "minute" }. */
export function parseRateLimit(value: unknown): RateLimit | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d+)\/(second|minute|hour)$/.exec(value.trim());
  if (!m) return undefined;
  return { count: Number(m[1]), unit: m[2] as RateLimit["unit"] };
}

export const rateLimitWindowMs = (r: RateLimit): number => ({ second: 1000, minute: 60_000, hour: 3_600_000 })[r.unit];
