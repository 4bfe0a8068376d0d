// e2e (issue #13, the mongodb outbox; no MongoDB runs here and none is installable): a node-express context on
// mongodb whose handler writes its document and its event in ctx.db.transaction (tx.events → msa_outbox in the
// session) is generated, typechecked under strict TS (sources and tests) and built, and its own tests run — among
// them test/outbox-mongo.test.ts, the relay's claim/lease/order/backoff logic against an in-memory stand-in of the
// driver's Collection. Nothing here talks to a MongoDB server: see docs/messaging.md.
import { describe, expect, it } from "vitest";
import { buildService, generateSystem, runServiceTests, writeUserFile } from "./harness.js";

const yaml = `
version: 1
name: mongo-outbox${process.env.MSA_E2E_SUFFIX ?? ""}
broker: { kind: rabbitmq }
contexts:
  catalog:
    port: 3000
    database: mongodb
    api: ["POST /products"]
    publishes: [product.created]
    consumes: [price.changed]
  pricing:
    port: 3001
    publishes: [price.changed]
events:
  product.created:
    schema: { type: object, required: [productId], properties: { productId: { type: string } } }
  price.changed:
    schema: { type: object, required: [productId], properties: { productId: { type: string } } }
`;

// the documented use: the document and its event in one transaction
const HANDLER = `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postProducts(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const productId = String((req.body as { productId?: unknown }).productId);
  const event = await ctx.db.transaction(async (tx) => {
    await tx.db.collection("products").insertOne({ _id: productId as never, createdAt: new Date() }, { session: tx.session });
    return tx.events.publishProductCreated({ productId }, { aggregateId: productId });
  });
  res.status(201).json({ eventId: event.eventId });
}
`;

describe("node-express on mongodb: the transactional outbox compiles and its relay logic passes its tests (no server)", () => {
  it("generates, typechecks, builds and runs the service's tests", async () => {
    const sys = await generateSystem(yaml, "mongo-outbox");
    expect(sys.files).toContain("services/catalog/src/generated/outbox-mongo.ts");
    expect(sys.files).toContain("services/catalog/test/outbox-mongo.test.ts");
    expect(sys.files).not.toContain("services/pricing/src/generated/outbox-mongo.ts");
    const dir = `${sys.dir}/services/catalog`;
    writeUserFile(dir, "src/handlers/postProducts.ts", HANDLER);
    await buildService(dir);
    const out = await runServiceTests(dir);
    expect(out).toMatch(/outbox-mongo|passed/);
    expect(out).not.toMatch(/failed/i);
  }, 300_000);
});
