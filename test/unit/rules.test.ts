// Every rule of the registry: a failing fixture (the rule fires at the right line:column) and a
// passing one (it does not). The last test fails when a rule is registered without a case here.
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { RULES } from "../../src/core/rules/index.js";
import type { Diagnostic } from "../../src/core/diagnostics.js";

function check(text: string): Diagnostic[] {
  return loadSystemAt("/virtual/system.yaml", "system.yaml", text).diagnostics;
}

/** A valid two-context system; cases patch it by text replacement. */
const BASE = `version: 1
name: demo
gateway:
  kind: node
  routes:
    - path: /api/a
      context: alpha
      methods: [GET]
contexts:
  alpha:
    port: 3000
    database: postgres
    api: ["GET /things/{id}"]
    publishes: [thing.created]
    calls:
      beta: { timeout: 1s }
  beta:
    port: 3001
    database: postgres
    api: ["GET /other"]
    consumes: [thing.created]
events:
  thing.created:
    schema: { type: object, properties: { id: { type: string } } }
`;

interface Case {
  rule: string;
  bad: string;
  /** [line, column] of the diagnostic in `bad`. */
  at: [number, number];
  good?: string;
  messageIncludes?: string;
}

const sub = (from: string, to: string, text = BASE): string => {
  if (!text.includes(from)) throw new Error(`fixture: ${from} not found`);
  return text.replace(from, to);
};

/** A BFF appended to BASE (line 25 on): one route /things/{id}/summary composing `compose`. */
const BFF = (name: string, compose = '"beta GET /other"'): string =>
  `bffs:\n  ${name}:\n    port: 4000\n    routes:\n      - path: /things/{id}/summary\n        compose: [${compose}]\n`;

/** gRPC (docs/grpc.md): beta serves GetThing over gRPC; `method`/`schema` replace its parts. */
const grpcBase = (schema = "{ type: object, properties: { id: { type: string } } }", method = "GetThing", port = 50051): string =>
  sub("    api: [\"GET /other\"]\n", `    api: ["GET /other"]\n    grpc:\n      port: ${port}\n      methods:\n        ${method}:\n          request: ${schema}\n`);

const CASES: Case[] = [
  { rule: "grpc-callee", bad: sub("beta: { timeout: 1s }", "beta: { timeout: 1s, protocol: grpc }"), at: [16, 38], messageIncludes: "contexts.beta.grpc", good: sub("beta: { timeout: 1s }", "beta: { timeout: 1s, protocol: grpc }", grpcBase()) },
  { rule: "grpc-name", bad: grpcBase(undefined, "get-thing"), at: [24, 9], messageIncludes: "not a proto identifier", good: grpcBase() },
  { rule: "grpc-schema", bad: grpcBase("{ type: object, properties: { id: { type: [string, 'null'] } } }"), at: [25, 62], messageIncludes: "nullable", good: grpcBase() },
  { rule: "grpc-schema", bad: grpcBase("{ type: object, properties: { id: { oneOf: [{ type: string }, { type: integer }] } } }"), at: [25, 63], messageIncludes: "oneOf" },
  { rule: "grpc-schema", bad: grpcBase("{ type: object, properties: { xy: { type: array, items: [{ type: string }, { type: integer }] } } }"), at: [25, 76], messageIncludes: "tuple" },
  { rule: "grpc-schema", bad: grpcBase("{ type: object, properties: { m: { type: object, additionalProperties: { type: array, items: { type: string } } } } }"), at: [25, 91], messageIncludes: "map of arrays" },
  { rule: "grpc-port", bad: grpcBase(undefined, undefined, 3000), at: [22, 13], messageIncludes: "already the port of alpha", good: grpcBase(undefined, undefined, 50051) },
  { rule: "name-format", bad: sub("  beta:\n", "  be..ta:\n").replace("beta: { timeout", "be..ta: { timeout"), at: [17, 3], messageIncludes: "'..'" },
  { rule: "name-format", bad: sub("  beta:\n", "  beta/x:\n").replace("beta: { timeout", "beta/x: { timeout"), at: [17, 3], messageIncludes: "path separator" },
  { rule: "name-format", bad: sub("  beta:\n", '  "beta x":\n').replace("beta: { timeout", '"beta x": { timeout'), at: [17, 3], messageIncludes: "white space" },
  { rule: "name-format", bad: sub("  beta:\n", '  "beta;rm":\n').replace("beta: { timeout", '"beta;rm": { timeout'), at: [17, 3], messageIncludes: "metacharacter" },
  { rule: "name-format", bad: sub("  beta:\n", "  Beta:\n").replace("beta: { timeout", "Beta: { timeout"), at: [17, 3], messageIncludes: "DNS-1123" },
  { rule: "name-format", bad: sub("  thing.created:\n", "  Thing..Created:\n").replace(/thing\.created\]/g, "Thing..Created]"), at: [23, 3] },
  { rule: "name-reserved", bad: sub("  beta:\n", "  gateway:\n").replace("beta: { timeout", "gateway: { timeout"), at: [17, 3] },
  { rule: "ref-context", bad: sub("      context: alpha", "      context: alpah"), at: [7, 16], messageIncludes: 'did you mean "alpha"' },
  { rule: "ref-context", bad: sub("beta: { timeout: 1s }", "gamma: { timeout: 1s }"), at: [16, 7] },
  { rule: "ref-event", bad: sub("consumes: [thing.created]", "consumes: [thing.creatd]"), at: [21, 16], messageIncludes: 'did you mean "thing.created"' },
  { rule: "event-publisher", bad: sub("    consumes: [thing.created]", "    publishes: [thing.created]"), at: [21, 17], messageIncludes: "published by alpha and beta" },
  { rule: "event-publisher", bad: sub("    publishes: [thing.created]\n", ""), at: [22, 3], messageIncludes: "no context publishes" },
  { rule: "database-shared", bad: sub("    database: postgres\n    api: [\"GET /other\"]", "    database: { engine: postgres, name: alpha }\n    api: [\"GET /other\"]"), at: [19, 15], good: sub("    database: postgres\n    api: [\"GET /other\"]", "    database: { engine: mysql, name: alpha }\n    api: [\"GET /other\"]") },
  { rule: "port-range", bad: sub("port: 3001", "port: 70000"), at: [18, 11] },
  { rule: "port-unique", bad: sub("port: 3001", "port: 3000"), at: [18, 11], messageIncludes: "already used by alpha" },
  { rule: "port-mesh-reserved", bad: sub("name: demo\n", "name: demo\nmesh: istio\n").replace("port: 3001", "port: 15006"), at: [19, 11], messageIncludes: "Envoy inbound", good: sub("port: 3001", "port: 15006") },
  {
    rule: "environment-namespace-unique",
    bad: sub("name: demo\n", "name: demo\nenvironments:\n  staging: { namespace: demo }\n"),
    at: [4, 25],
    messageIncludes: "staging and prod both deploy to namespace demo",
    good: sub("name: demo\n", "name: demo\nenvironments:\n  staging: { namespace: demo-stage }\n"),
  },
  { rule: "route-path", bad: sub("- path: /api/a", "- path: api/a"), at: [6, 13] },
  { rule: "route-duplicate", bad: sub("      methods: [GET]\n", "      methods: [GET]\n    - path: /api/a\n      context: beta\n      methods: [GET, POST]\n"), at: [9, 13] },
  { rule: "calls-cycle", bad: sub("    consumes: [thing.created]", "    consumes: [thing.created]\n    calls:\n      alpha: { timeout: 1s }"), at: [16, 7], messageIncludes: "alpha → beta → alpha" },
  { rule: "event-schema", bad: sub("    schema: { type: object, properties: { id: { type: string } } }\n", "    description: no schema here\n"), at: [23, 3] },
  {
    rule: "event-compatibility",
    bad: sub("    schema: { type: object, properties: { id: { type: string } } }\n", "    versions:\n      1: { type: object, properties: { id: { type: string } } }\n      2: { type: object, required: [id, extra], properties: { id: { type: string }, extra: { type: string } } }\n"),
    at: [26, 92],
    messageIncludes: "extra",
    // closed content model: adding an optional property is backward compatible
    good: sub("    schema: { type: object, properties: { id: { type: string } } }\n", "    versions:\n      1: { type: object, additionalProperties: false, properties: { id: { type: string } } }\n      2: { type: object, additionalProperties: false, properties: { id: { type: string }, extra: { type: string } } }\n"),
  },
  {
    rule: "event-consumer-version",
    bad: sub("    schema: { type: object, properties: { id: { type: string } } }\n", "    compatibility: none\n    versions:\n      1: { type: object, required: [id], properties: { id: { type: string } } }\n      2: { type: object, required: [id], properties: { id: { type: number } } }\n"),
    at: [21, 16],
    good: sub("    schema: { type: object, properties: { id: { type: string } } }\n", "    compatibility: none\n    versions:\n      1: { type: object, required: [id], properties: { id: { type: string } } }\n      2: { type: object, required: [id], properties: { id: { type: string, description: the id } } }\n"),
  },
  { rule: "event-unconsumed", bad: sub("    consumes: [thing.created]\n", ""), at: [22, 3] },
  { rule: "context-isolated", bad: sub("    api: [\"GET /other\"]\n    consumes: [thing.created]\n", "").replace("    calls:\n      beta: { timeout: 1s }\n", "").replace("publishes: [thing.created]", "publishes: []").replace("events:\n  thing.created:\n    schema: { type: object, properties: { id: { type: string } } }\n", ""), at: [15, 3] },
  { rule: "call-timeout", bad: sub("beta: { timeout: 1s }", "beta: { retries: 1 }"), at: [16, 7] },
  { rule: "runtime-support", bad: sub("name: demo\n", "name: demo\nbroker: { kind: kafka }\n").replace("  beta:\n    port: 3001", "  beta:\n    runtime: python-flask\n    port: 3001"), at: [18, 3], good: sub("name: demo\n", "name: demo\nbroker: { kind: nats }\n").replace("  beta:\n    port: 3001", "  beta:\n    runtime: python-flask\n    port: 3001") },
  {
    rule: "saga-orchestrator-store",
    bad:
      sub("  beta:\n    port: 3001\n    database: postgres\n", "  beta:\n    runtime: python-flask\n    port: 3001\n") +
      "sagas:\n  s1:\n    orchestrator: beta\n    steps:\n      - { context: alpha, action: a1, compensation: c1 }\n",
    at: [27, 19],
    good:
      sub("  beta:\n    port: 3001\n    database: postgres\n", "  beta:\n    runtime: python-flask\n    port: 3001\n    database: mysql\n") +
      "sagas:\n  s1:\n    orchestrator: beta\n    steps:\n      - { context: alpha, action: a1, compensation: c1 }\n",
    messageIncludes: "give beta `database: postgres`",
  },
  {
    rule: "saga-orchestrator-local-state",
    bad:
      sub("  beta:\n    port: 3001\n    database: postgres\n", "  beta:\n    port: 3001\n    database: mongodb\n") +
      "sagas:\n  s1:\n    orchestrator: beta\n    steps:\n      - { context: alpha, action: a1, compensation: c1 }\n",
    at: [27, 19],
    messageIncludes: "give beta `database: postgres` (or mysql)",
    good:
      sub("  beta:\n    port: 3001\n    database: postgres\n", "  beta:\n    port: 3001\n    database: mysql\n") +
      "sagas:\n  s1:\n    orchestrator: beta\n    steps:\n      - { context: alpha, action: a1, compensation: c1 }\n",
  },
  // event sourcing and read models (docs/event-sourcing.md); beta's consumes is on line 21
  {
    rule: "es-database",
    bad: sub('    database: postgres\n    api: ["GET /things/{id}"]\n', '    database: mysql\n    persistence: event-sourced\n    api: ["GET /things/{id}"]\n'),
    at: [13, 5],
    messageIncludes: "GET_LOCK",
    good: sub('    database: postgres\n    api: ["GET /things/{id}"]\n', '    database: postgres\n    persistence: event-sourced\n    api: ["GET /things/{id}"]\n'),
  },
  { rule: "es-events", bad: sub("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    persistence: event-sourced\n"), at: [22, 5], good: sub("    publishes: [thing.created]\n", "    publishes: [thing.created]\n    persistence: event-sourced\n") },
  {
    rule: "read-model-name",
    bad: sub("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    readModels:\n      Monthly-X: { from: [thing.created] }\n"),
    at: [23, 7],
    messageIncludes: "monthly_x",
    good: sub("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    readModels:\n      monthly_x: { from: [thing.created] }\n"),
  },
  {
    rule: "read-model-source",
    bad: sub("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    readModels:\n      monthly: { from: [thing.created, other.thing] }\n"),
    at: [23, 40],
    good: sub("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    readModels:\n      monthly: { from: [thing.created] }\n"),
  },
  {
    rule: "es-runtime",
    bad: sub("  beta:\n    port: 3001", "  beta:\n    runtime: python-flask\n    port: 3001").replace("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    readModels:\n      monthly: { from: [thing.created] }\n"),
    at: [23, 5],
    messageIncludes: "not supported on python-flask yet",
    good: sub("  beta:\n    port: 3001", "  beta:\n    runtime: node-express\n    port: 3001").replace("    consumes: [thing.created]\n", "    consumes: [thing.created]\n    readModels:\n      monthly: { from: [thing.created] }\n"),
  },
  { rule: "gateway-none-routes", bad: sub("kind: node", "kind: none"), at: [4, 9] },
  {
    rule: "route-target",
    bad: sub("      context: alpha\n", "      context: alpha\n      upstream: \"http://legacy.internal:8080\"\n"),
    at: [8, 7],
    messageIncludes: "both a context and an upstream",
    good: sub("      context: alpha\n", "      upstream: \"http://legacy.internal:8080\"\n"),
  },
  { rule: "route-target", bad: sub("      context: alpha\n", ""), at: [6, 7], messageIncludes: "names no target" },
  {
    rule: "route-split",
    bad: sub("      context: alpha\n", "      upstream: \"http://legacy.internal:8080\"\n      split: { alpha: 70, beta: 40 }\n"),
    at: [8, 7],
    messageIncludes: "adds up to 110",
    good: sub("      context: alpha\n", "      upstream: \"http://legacy.internal:8080\"\n      split: { alpha: 60, beta: 40 }\n"),
  },
  { rule: "route-split", bad: sub("      context: alpha\n", "      context: alpha\n      split: { beta: 10 }\n"), at: [8, 7], messageIncludes: "has no upstream" },
  { rule: "route-split", bad: sub("      context: alpha\n", "      upstream: \"http://legacy.internal:8080\"\n      split: { betta: 10 }\n"), at: [8, 16], messageIncludes: 'did you mean "beta"' },
  {
    rule: "route-split",
    bad: sub("kind: node", "kind: kong").replace("      context: alpha\n", "      upstream: \"https://legacy.internal/app\"\n      split: { beta: 10 }\n"),
    at: [7, 17],
    messageIncludes: "plain http:// without a path",
    good: sub("      context: alpha\n", "      upstream: \"https://legacy.internal/app\"\n      split: { beta: 10 }\n"),
  },
  {
    rule: "deploy-strategy",
    bad: sub("    port: 3001\n", "    port: 3001\n    deploy: { strategy: canary }\n"),
    at: [19, 25],
    messageIncludes: "controller: argo-rollouts",
    good: sub("name: demo\n", "name: demo\nmesh: istio\n").replace("    port: 3001\n", "    port: 3001\n    deploy: { strategy: canary, steps: [10, 50, 100], pause: 1m, analysis: { maxErrorRate: 1% } }\n"),
  },
  {
    // without a mesh, Argo Rollouts walks the steps by replica ratio: accepted
    rule: "deploy-strategy",
    bad: sub("    port: 3001\n", "    port: 3001\n    deploy: { strategy: blue-green, controller: argo-rollouts }\n"),
    at: [19, 37],
    messageIncludes: "deploy.controller applies to strategy: canary only",
    good: sub("    port: 3001\n", "    port: 3001\n    deploy: { strategy: canary, controller: argo-rollouts, steps: [20, 100], pause: 30s, analysis: { maxErrorRate: 1% } }\n"),
  },
  {
    rule: "deploy-strategy",
    bad: sub("name: demo\n", "name: demo\nmesh: istio\n").replace("    port: 3001\n", "    port: 3001\n    deploy: { strategy: canary, steps: [50, 10] }\n"),
    at: [20, 40],
    messageIncludes: "rise strictly and end at 100",
  },
  { rule: "deploy-strategy", bad: sub("    port: 3001\n", "    port: 3001\n    deploy: { strategy: blue-green, pause: 1m }\n"), at: [19, 37], messageIncludes: "strategy: canary only" },
  { rule: "discovery-support", bad: sub("name: demo\n", "name: demo\nmesh: istio\ndiscovery: consul\n"), at: [4, 12], messageIncludes: "plain HTTP", good: sub("name: demo\n", "name: demo\ndiscovery: consul\n") },
  { rule: "discovery-support", bad: sub("name: demo\n", "name: demo\ndiscovery: consul\nmesh: istio\n"), at: [3, 12], messageIncludes: "set discovery: kubernetes", good: sub("name: demo\n", "name: demo\nmesh: istio\ndiscovery: kubernetes\n") },
  { rule: "gateway-rate-limit-store", bad: sub("  kind: node\n", "  kind: node\n  rateLimit: 100/minute\n"), at: [5, 3], messageIncludes: "rateLimitStore: redis", good: sub("  kind: node\n", "  kind: node\n  rateLimit: 100/minute\n  rateLimitStore: redis\n") },
  { rule: "gateway-rate-limit-store", bad: sub("      methods: [GET]\n", "      methods: [GET]\n      rateLimit: 5/second\n"), at: [9, 7] },
  {
    rule: "broker-retry-delays",
    bad: sub("name: demo\n", "name: demo\nbroker: { kind: rabbitmq, retry: { initialDelay: 5s, maxDelay: 2s } }\n"),
    at: [3, 54],
    messageIncludes: "set maxDelay to 5s or more",
    good: sub("name: demo\n", "name: demo\nbroker: { kind: rabbitmq, retry: { initialDelay: 2s, maxDelay: 2s } }\n"),
  },
  {
    rule: "broker-retry-delays",
    bad: sub("name: demo\n", "name: demo\nbroker: { kind: rabbitmq, retry: { initialDelay: 1m } }\n"),
    at: [3, 36],
    messageIncludes: "the default",
  },
  {
    rule: "call-bulkhead",
    bad: sub("beta: { timeout: 1s }", "beta: { timeout: 1s, bulkhead: { maxConcurrent: 0, maxQueue: 4 } }"),
    at: [16, 55],
    messageIncludes: "positive number",
    good: sub("beta: { timeout: 1s }", "beta: { timeout: 1s, bulkhead: { maxConcurrent: 2, maxQueue: 0 } }"),
  },
  { rule: "call-bulkhead", bad: sub("beta: { timeout: 1s }", "beta: { timeout: 1s, bulkhead: { maxConcurrent: 2, maxQueue: -1 } }"), at: [16, 68], messageIncludes: "negative" },
  {
    rule: "bff-name",
    bad: BASE + BFF("beta"),
    at: [26, 3],
    messageIncludes: "also a context's",
    good: BASE + BFF("web"),
  },
  { rule: "bff-name", bad: BASE + BFF("kong"), at: [26, 3], messageIncludes: "msa for its own" },
  { rule: "port-unique", bad: BASE + BFF("web").replace("port: 4000", "port: 3001"), at: [27, 11], messageIncludes: "already used by beta", good: BASE + BFF("web") },
  { rule: "port-range", bad: BASE + BFF("web").replace("port: 4000", "port: 0"), at: [27, 11], messageIncludes: "BFF web" },
  { rule: "ref-context", bad: sub("      context: alpha", "      context: wbe") + BFF("web"), at: [7, 16], messageIncludes: "did you mean", good: sub("      context: alpha", "      context: web") + BFF("web") },
  { rule: "bff-compose", bad: BASE + BFF("web", '"beta GET /nope"'), at: [30, 19], messageIncludes: "declares no api line", good: BASE + BFF("web", '"alpha GET /things/{id}", "beta GET /other"') },
  { rule: "bff-compose", bad: BASE + BFF("web", '"alpha GET /things/{key}"'), at: [30, 19], messageIncludes: "has no value" },
  { rule: "bff-compose", bad: BASE + BFF("web", '"gamma GET /x"'), at: [30, 19], messageIncludes: "not a declared context" },
  { rule: "bff-compose", bad: BASE + BFF("web", '"beta GET /other", "beta GET /other"'), at: [30, 38], messageIncludes: "as:" },
  {
    rule: "bff-compose",
    bad: BASE + BFF("web", '{ call: "alpha GET /things/{id}", with: { id: beta.body.id } }, "beta GET /other"'),
    at: [30, 19],
    messageIncludes: "not an earlier call",
    good: BASE + BFF("web", '"beta GET /other", { call: "alpha GET /things/{id}", with: { id: beta.body.items.0.id } }'),
  },
  {
    rule: "observability-sampler-ratio",
    bad: BASE + "observability:\n  tracing:\n    sampler: always_on\n    ratio: 0.1\n",
    at: [28, 12],
    messageIncludes: "ignored by sampler always_on",
    good: BASE + "observability:\n  tracing:\n    sampler: traceidratio\n    ratio: 0.1\n",
  },
  {
    rule: "dev-database",
    bad: BASE + "dev:\n  databases:\n    gamma: postgres://postgres@127.0.0.1:5432/g\n",
    at: [27, 5],
    messageIncludes: "name one of alpha, beta",
    good: BASE + "dev:\n  databases:\n    beta: postgres://postgres@127.0.0.1:5432/b\n",
  },
  {
    rule: "broker-kafka-unused",
    bad: sub("name: demo\n", "name: demo\nbroker: { kind: nats, kafka: { partitions: 6 } }\n"),
    at: [3, 23],
    good: sub("name: demo\n", "name: demo\nbroker: { kind: kafka, kafka: { partitions: 6 } }\n"),
  },
  { rule: "gateway-jwks", bad: sub("  kind: node\n", "  kind: node\n  jwksUrl: http://login.example.com/jwks.json\n"), at: [5, 12], messageIncludes: "https", good: sub("  kind: node\n", "  kind: node\n  jwksUrl: https://login.example.com/jwks.json\n") },
  { rule: "gateway-jwks", bad: sub("  kind: node\n", "  kind: kong\n  jwksUrl: https://login.example.com/jwks.json\n"), at: [5, 12], messageIncludes: "Kong OSS cannot fetch a JWKS" },
  // api entries with contracts (docs/rest-contracts.md); beta's api is on line 20
  {
    rule: "api-route",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET other\n"),
    at: [21, 16],
    messageIncludes: "METHOD /path",
    good: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n"),
  },
  {
    rule: "api-duplicate",
    bad: sub('    api: ["GET /other"]\n', '    api:\n      - GET /other/{a}\n      - { route: "GET /other/{b}" }\n'),
    at: [22, 9],
    good: sub('    api: ["GET /other"]\n', '    api:\n      - GET /other/{a}\n      - { route: "PUT /other/{b}" }\n'),
  },
  {
    rule: "api-request-method",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        request: { type: object }\n"),
    at: [22, 9],
    messageIncludes: "use query:",
    good: sub('    api: ["GET /other"]\n', "    api:\n      - route: POST /other\n        request: { type: object }\n"),
  },
  {
    rule: "api-response-status",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        responses:\n          ok: { type: object }\n"),
    at: [23, 11],
    messageIncludes: "100 to 599",
    good: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        responses:\n          200: { type: object }\n          204: null\n"),
  },
  {
    rule: "api-params",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other/{id}\n        params: { key: { type: string } }\n"),
    at: [22, 19],
    messageIncludes: "its parameters: id",
    good: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other/{id}\n        params: { id: { type: string, format: uuid } }\n"),
  },
  {
    rule: "api-query",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        query: { type: object, properties: { filter: { type: object } } }\n"),
    at: [22, 46],
    messageIncludes: "no nested objects",
    good: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        query: { type: object, properties: { limit: { type: integer }, tag: { type: array, items: { type: string } } } }\n"),
  },
  {
    rule: "api-query",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        query: { type: string }\n"),
    at: [22, 9],
    messageIncludes: "type: object",
  },
  {
    rule: "api-schema",
    bad: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        responses: { 200: { type: objekt } }\n"),
    at: [22, 27],
    messageIncludes: "not a valid JSON Schema",
    good: sub('    api: ["GET /other"]\n', "    api:\n      - route: GET /other\n        responses: { 200: { type: object } }\n"),
  },
];

describe("rules", () => {
  it("the base fixture is clean", () => {
    expect(check(BASE)).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.rule}: fires at ${c.at.join(":")} on the failing fixture and not on the passing one`, () => {
      const found = check(c.bad).filter((d) => d.rule === c.rule);
      expect(found.length, JSON.stringify(check(c.bad), null, 1)).toBeGreaterThan(0);
      expect([found[0]?.line, found[0]?.column]).toEqual(c.at);
      if (c.messageIncludes) expect(found[0]?.message).toContain(c.messageIncludes);
      const rule = RULES.find((r) => r.id === c.rule);
      expect(found[0]?.severity).toBe(rule?.severity);
      expect(check(c.good ?? BASE).filter((d) => d.rule === c.rule)).toEqual([]);
    });
  }

  it("api-schema-ref: a $ref to a file that does not exist is an error at the schema, naming the file", () => {
    const bad = sub('    api: ["GET /other"]\n', "    api:\n      - route: POST /other\n        request: { $ref: schemas/api/missing.json }\n");
    const found = check(bad).filter((d) => d.rule === "api-schema-ref");
    expect(found).toHaveLength(1);
    expect([found[0]?.line, found[0]?.column, found[0]?.severity]).toEqual([22, 18, "error"]);
    expect(found[0]?.message).toContain("schemas/api/missing.json");
  });

  it("context-isolated: a context whose only call names an undeclared context gets the ref-context error, not the warning", () => {
    const text = "version: 1\nname: demo\ncontexts:\n  orders:\n    port: 3000\n    calls: { inventroy: { timeout: 1s } }\n  inventory:\n    port: 3001\n    api: [\"GET /x\"]\n";
    const found = check(text);
    expect(found.filter((d) => d.rule === "ref-context")).toHaveLength(1);
    expect(found.filter((d) => d.rule === "context-isolated")).toEqual([]);
  });

  it("every registered rule has a failing and a passing case", () => {
    const covered = new Set(CASES.map((c) => c.rule));
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});
