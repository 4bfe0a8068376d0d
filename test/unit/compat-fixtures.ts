// Schemas shared by the compatibility tests (and mirrored by bench/compat-recursive.mjs).

/**
 * A trade whose product is one of `n` product types that refer to each other (every product has legs
 * that are products again, and an underlying that is a product): a recursive oneOf, discriminated by
 * a required `productType` const. `variant` changes one product type: "same", "widen" (an optional
 * property added to a closed product), "narrow" (a maxLength lowered deep inside).
 */
export function tradeSchema(n: number, variant: "same" | "widen" | "narrow" = "same"): Record<string, unknown> {
  const defs: Record<string, unknown> = {
    product: { oneOf: Array.from({ length: n }, (_, i) => ({ $ref: `#/$defs/p${i}` })) },
    money: { type: "object", properties: { amount: { type: "number" }, currency: { type: "string", maxLength: variant === "narrow" ? 3 : 5 } }, required: ["amount"] },
  };
  for (let i = 0; i < n; i++) {
    const props: Record<string, unknown> = {
      productType: { const: `P${i}` },
      notional: { $ref: "#/$defs/money" },
      legs: { type: "array", items: { $ref: "#/$defs/product" } },
      underlying: { $ref: `#/$defs/p${(i + 1) % n}` },
      alternative: { $ref: "#/$defs/product" },
    };
    if (variant === "widen" && i === 0) props.comment = { type: "string" };
    defs[`p${i}`] = { type: "object", properties: props, required: ["productType"], additionalProperties: i % 2 !== 0 };
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { tradeId: { type: "string" }, product: { $ref: "#/$defs/product" } },
    required: ["tradeId", "product"],
    $defs: defs,
  };
}
