// Planner: node-express services, one directory services/<context>/ per context with runtime node-express.
// Generated wiring lives under src/generated/ (owner "generated"); domain code the user fills in lives in
// src/handlers/, src/consumers/ and src/saga/ (owner "user": written once, never overwritten).
import type { SystemModel } from "../model.js";
import type { Render } from "../render.js";
import { nodeServiceView } from "./service-node-view.js";
import { lazyFile, type PlannedFile, type Planner } from "./types.js";

const T = "services/node-express";

/** Templates rendered once per service with the whole view, and where they go. */
const STATIC_FILES: { template: string; path: string; when?: (v: ReturnType<typeof nodeServiceView>) => boolean }[] = [
  { template: "package.json", path: "package.json" },
  { template: "tsconfig.json", path: "tsconfig.json" },
  { template: "tsconfig.build.json", path: "tsconfig.build.json" },
  { template: "vitest.config.ts", path: "vitest.config.ts" },
  { template: "Dockerfile", path: "Dockerfile" },
  { template: "dockerignore", path: ".dockerignore" },
  { template: "README.md", path: "README.md" },
  { template: "schemas/envelope.json", path: "schemas/envelope.json" },
  { template: "src/main.ts", path: "src/main.ts" },
  { template: "src/generated/app.ts", path: "src/generated/app.ts" },
  { template: "src/generated/config.ts", path: "src/generated/config.ts" },
  { template: "src/generated/context.ts", path: "src/generated/context.ts" },
  { template: "src/generated/logger.ts", path: "src/generated/logger.ts" },
  { template: "src/generated/telemetry.ts", path: "src/generated/telemetry.ts" },
  { template: "src/generated/metrics.ts", path: "src/generated/metrics.ts" },
  { template: "src/generated/events.ts", path: "src/generated/events.ts" },
  { template: "src/generated/inbox.ts", path: "src/generated/inbox.ts" },
  { template: "src/generated/idempotency.ts", path: "src/generated/idempotency.ts" },
  { template: "src/generated/outbox.ts", path: "src/generated/outbox.ts", when: (v) => v.sqlDb },
  { template: "src/generated/outbox-mongo.ts", path: "src/generated/outbox-mongo.ts", when: (v) => v.dbEngine === "mongodb" },
  { template: "test/outbox-mongo.test.ts", path: "test/outbox-mongo.test.ts", when: (v) => v.dbEngine === "mongodb" },
  { template: "src/generated/database.ts", path: "src/generated/database.ts" },
  { template: "src/generated/clients.ts", path: "src/generated/clients.ts" },
  { template: "src/generated/bulkhead.ts", path: "src/generated/bulkhead.ts" },
  { template: "src/generated/discovery.ts", path: "src/generated/discovery.ts", when: (v) => v.consul },
  { template: "src/generated/grpc-server.ts", path: "src/generated/grpc-server.ts", when: (v) => v.grpcServer !== null },
  { template: "src/generated/grpc-clients.ts", path: "src/generated/grpc-clients.ts", when: (v) => v.grpcCalls.length > 0 },
  { template: "src/generated/contracts.ts", path: "src/generated/contracts.ts", when: (v) => v.calleeContracts.length > 0 },
  { template: "src/generated/routes.ts", path: "src/generated/routes.ts" },
  { template: "src/generated/api.ts", path: "src/generated/api.ts", when: (v) => v.api !== null },
  { template: "src/generated/validation.ts", path: "src/generated/validation.ts", when: (v) => v.api !== null },
  { template: "schemas/api.json", path: "schemas/api.json", when: (v) => v.api !== null },
  { template: "test/contract.test.ts", path: "test/contract.test.ts", when: (v) => v.api !== null },
  { template: "src/generated/saga.ts", path: "src/generated/saga.ts", when: (v) => v.sagas.length > 0 },
  { template: "src/generated/broker/types.ts", path: "src/generated/broker/types.ts" },
  { template: "src/generated/broker/index.ts", path: "src/generated/broker/index.ts" },
  { template: "src/generated/broker/memory.ts", path: "src/generated/broker/memory.ts" },
  { template: "src/generated/broker/rabbitmq.ts", path: "src/generated/broker/rabbitmq.ts", when: (v) => v.broker === "rabbitmq" },
  { template: "src/generated/broker/nats.ts", path: "src/generated/broker/nats.ts", when: (v) => v.broker === "nats" },
  { template: "src/generated/broker/kafka.ts", path: "src/generated/broker/kafka.ts", when: (v) => v.broker === "kafka" },
  { template: "test/service.test.ts", path: "test/service.test.ts" },
  { template: "test/resilience.test.ts", path: "test/resilience.test.ts", when: (v) => v.calls.length > 0 },
  { template: "test/saga.test.ts", path: "test/saga.test.ts", when: (v) => v.sagas.length > 0 },
  { template: "test/idempotency.test.ts", path: "test/idempotency.test.ts" },
  { template: "test/discovery.test.ts", path: "test/discovery.test.ts", when: (v) => v.consul },
  { template: "test/broker.test.ts", path: "test/broker.test.ts" },
  // event sourcing and read models (docs/event-sourcing.md)
  { template: "src/generated/eventstore.ts", path: "src/generated/eventstore.ts", when: (v) => v.es !== null },
  { template: "src/generated/aggregate.ts", path: "src/generated/aggregate.ts", when: (v) => v.eventSourced },
  { template: "src/generated/projections.ts", path: "src/generated/projections.ts", when: (v) => v.hasReadModels },
  { template: "src/generated/projections-rebuild.ts", path: "src/generated/projections-rebuild.ts", when: (v) => v.hasReadModels },
];

export function planNodeService(model: SystemModel, render: Render, contextName: string): PlannedFile[] {
  const context = model.contexts.find((c) => c.name === contextName);
  if (!context || context.runtime !== "node-express") return [];
  const view = nodeServiceView(model, context);
  const root = `services/${context.name}`;
  const files: PlannedFile[] = [];
  // rendered when the commit reads it (types.ts, lazyFile)
  const add = (path: string, content: () => string, owner: PlannedFile["owner"]): void => {
    files.push(lazyFile({ path: `${root}/${path}`, owner, context: context.name }, content));
  };
  for (const f of STATIC_FILES) if (!f.when || f.when(view)) add(f.path, () => render(`${T}/${f.template}`, view), "generated");
  for (const e of view.events)
    for (const v of e.versions) add(v.file, () => render(`${T}/schemas/event.json`, { ...view, event: e, version: v }), "generated");
  for (const ep of view.endpoints) add(`src/handlers/${ep.operationId}.ts`, () => render(`${T}/src/handlers/handler.ts`, { ...view, endpoint: ep }), "user");
  for (const e of view.consumed) add(`src/consumers/${e.name}.ts`, () => render(`${T}/src/consumers/consumer.ts`, { ...view, event: e }), "user");
  for (const a of view.sagaActions) add(a.file, () => render(`${T}/src/saga/action.ts`, { ...view, sagaAction: a }), "user");
  if (view.es?.eventSourced) add("src/domain/aggregate.ts", () => render(`${T}/src/domain/aggregate.ts`, view), "user");
  for (const rm of view.es?.readModels ?? []) add(rm.file, () => render(`${T}/src/projections/projection.ts`, { ...view, readModel: rm }), "user");
  for (const u of view.es?.upcasters ?? []) add(u.file, () => render(`${T}/src/upcasters/upcaster.ts`, { ...view, upcaster: u }), "user");
  // gRPC (docs/grpc.md): the .proto files, the health service's, and a handler per method of its server
  for (const p of view.protos) add(p.file, () => render("services/grpc/proto", p), "generated");
  if (view.grpcServer) {
    add("proto/grpc/health/v1/health.proto", () => render("services/grpc/health.proto", {}), "generated");
    for (const m of view.grpcServer.methods) add(`src/grpc/${m.name}.ts`, () => render(`${T}/src/grpc/method.ts`, { ...view, method: m }), "user");
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export const planNodeServices: Planner = (model, render) =>
  model.contexts.filter((c) => c.runtime === "node-express").flatMap((c) => planNodeService(model, render, c.name));
