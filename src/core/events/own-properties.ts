// A payload property named like an Object.prototype member (toString, constructor, valueOf …) is, to ajv's
// default code, present on every object: `data.toString !== undefined` holds for `{}`. ajv's ownProperties
// option checks own keys instead, but cost the bench's 1,000-file run 18% (92 → 109 ms), so
// it is turned on only for schemas that name such a property.

const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Whether a JSON Schema (anywhere in it) names an Object.prototype member as a property. */
export function schemaNeedsOwnProperties(schema: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [schema];
  while (stack.length) {
    const s = stack.pop();
    if (s === null || typeof s !== "object" || seen.has(s)) continue;
    seen.add(s);
    if (Array.isArray(s)) {
      stack.push(...s);
      continue;
    }
    const o = s as Record<string, unknown>;
    for (const key of ["properties", "dependentRequired", "dependentSchemas", "dependencies"]) {
      const m = o[key];
      if (m && typeof m === "object" && !Array.isArray(m) && Object.keys(m).some((k) => PROTOTYPE_NAMES.has(k))) return true;
    }
    if (Array.isArray(o.required) && o.required.some((k) => typeof k === "string" && PROTOTYPE_NAMES.has(k))) return true;
    stack.push(...Object.values(o));
  }
  return false;
}
