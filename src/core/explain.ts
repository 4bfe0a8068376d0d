// `msa explain <rule>`: the longer text behind each diagnostic id, with a failing and a passing example.
// Data only; src/cli/commands/explain.ts prints it. Every rule of the registry (rules/index.ts) has an entry
// (test/unit/explain.test.ts checks), and so do the load and schema findings a user meets first.

export interface Explanation {
  /** What the rule protects and how to fix a finding. */
  text: string;
  /** system.yaml that triggers it. */
  bad?: string;
  /** The same, fixed. */
  good?: string;
}

export const EXPLANATIONS: Readonly<Record<string, Explanation>> = {
  "yaml-syntax": {
    text: "system.yaml is not valid YAML. Only the first syntax error is reported: the ones after it usually follow from it. A tab in the indentation is the most common cause: YAML indents with spaces only.",
    bad: "contexts:\n\torders:\n    port: 3000",
    good: "contexts:\n  orders:\n    port: 3000",
  },
  "yaml-duplicate-key": {
    text: "A key appears twice in one mapping. YAML would keep only one of the values silently; msa refuses the file instead. Remove or rename one of them.",
    bad: "orders:\n  port: 3000\n  port: 3001",
    good: "orders:\n  port: 3000",
  },
  "file-empty": {
    text: "system.yaml has no content. Start from `msa init` (it asks a few questions, or takes defaults with --yes) or from a bundled example: `msa init --example shop`.",
    good: "version: 1\nname: shop\ncontexts:\n  orders:\n    port: 3000",
  },
  "schema-unknown-key": {
    text: "A key the schema does not know, usually a typo: the message suggests the closest known key. The schema (schemas/system.schema.json) lists every key; an editor with the yaml-language-server header at the top of system.yaml completes them.",
    bad: "contexts:\n  orders:\n    prot: 3000",
    good: "contexts:\n  orders:\n    port: 3000",
  },
  "schema-type": {
    text: "A value of the wrong type, e.g. a quoted number or a list where a mapping is expected.",
    bad: "contexts:\n  orders:\n    port: '3000'",
    good: "contexts:\n  orders:\n    port: 3000",
  },
  "schema-required": {
    text: "A required key is missing. The top level needs version, name and contexts.",
    bad: "name: shop\ncontexts: {}",
    good: "version: 1\nname: shop\ncontexts: {}",
  },
  "lint-rule-unknown": {
    text: "lint.rules names a rule msa does not have. `msa validate --list-rules` lists them.",
    bad: "lint:\n  rules:\n    context-isolate: off",
    good: "lint:\n  rules:\n    context-isolated: off",
  },
  "lint-rule-not-adjustable": {
    text: "An error rule cannot be turned off or lowered to a warning: it guards something the generated system needs to work. Only warnings can be turned off (off) or raised (error).",
    bad: "lint:\n  rules:\n    port-unique: off",
    good: "lint:\n  rules:\n    call-timeout: error",
  },
  "name-format": {
    text: "Context, saga and event names become folder names, DNS names (Kubernetes Services, compose hosts) and routing keys, so they must be lowercase DNS labels (contexts) or lowercase dotted words (events).",
    bad: "contexts:\n  Orders:\n    port: 3000",
    good: "contexts:\n  orders:\n    port: 3000",
  },
  "name-reserved": {
    text: "msa generates objects of its own under a few names (gateway, kong, the broker's name, msa, <context>-db). A context with one of those names would collide with them in compose and Kubernetes. Rename the context.",
    bad: "contexts:\n  gateway:\n    port: 3000",
    good: "contexts:\n  gateway-service:\n    port: 3000",
  },
  "ref-context": {
    text: "A route, call, saga step or event owner names a context that is not declared under contexts:. Fix the name or declare the context.",
    bad: "contexts:\n  orders:\n    calls: [inventry]\n  inventory: {}",
    good: "contexts:\n  orders:\n    calls: [inventory]\n  inventory: {}",
  },
  "ref-event": {
    text: "publishes and consumes name event types; each must be declared under events: with its schema.",
    bad: "contexts:\n  orders:\n    publishes: [order.created]\nevents: {}",
    good: "contexts:\n  orders:\n    publishes: [order.created]\nevents:\n  order.created:\n    schema: { type: object }",
  },
  "event-publisher": {
    text: "Every event has exactly one publishing context, its owner: two publishers of one event type make its schema nobody's to evolve. Split the event or choose one owner.",
    bad: "contexts:\n  a: { publishes: [x.happened] }\n  b: { publishes: [x.happened] }",
    good: "contexts:\n  a: { publishes: [x.happened] }\n  b: { consumes: [x.happened] }",
  },
  "database-shared": {
    text: "Two contexts that share a database are one context: each bounded context owns its data and exposes it through its API or events.",
    bad: "contexts:\n  a: { database: { engine: postgres, name: app } }\n  b: { database: { engine: postgres, name: app } }",
    good: "contexts:\n  a: { database: postgres }\n  b: { database: postgres }",
  },
  "port-range": { text: "A port is a whole number from 1 to 65535.", bad: "port: 70000", good: "port: 3000" },
  "port-unique": {
    text: "Each context listens on its own port: compose publishes them side by side on one host.",
    bad: "contexts:\n  a: { port: 3000 }\n  b: { port: 3000 }",
    good: "contexts:\n  a: { port: 3000 }\n  b: { port: 3001 }",
  },
  "port-mesh-reserved": {
    text: "With mesh: istio, the sidecar uses ports 15000-15090 in every pod; a context listening there would not start.",
    bad: "mesh: istio\ncontexts:\n  a: { port: 15001 }",
    good: "mesh: istio\ncontexts:\n  a: { port: 3000 }",
  },
  "route-path": { text: "A gateway route's path starts with '/' and is a clean prefix (no '..', no '//', no trailing '/').", bad: "path: api/orders/", good: "path: /api/orders" },
  "route-duplicate": {
    text: "Two routes that claim the same path prefix for the same method make the gateway's choice arbitrary. Merge them or give them distinct prefixes.",
    bad: "routes:\n  - { path: /api/orders, context: orders }\n  - { path: /api/orders, context: billing }",
    good: "routes:\n  - { path: /api/orders, context: orders }\n  - { path: /api/billing, context: billing }",
  },
  "calls-cycle": {
    text: "Synchronous calls that form a cycle (a → b → a) couple the services so that neither can be deployed, scaled or fail alone. Replace one direction by an event.",
    bad: "contexts:\n  a: { calls: [b] }\n  b: { calls: [a] }",
    good: "contexts:\n  a: { calls: [b] }\n  b: { publishes: [b.changed] }",
  },
  "event-schema": { text: "Every event declares its payload: `schema:` (one version) or `versions:` (several), not both.", bad: "order.created: {}", good: "order.created:\n  schema: { type: object }" },
  "event-compatibility": {
    text: "Consecutive versions of an event must keep the compatibility the event declares (backward: new consumers read old events; forward: old consumers read new events; full: both). The message names the field that breaks it.",
  },
  "event-consumer-version": {
    text: "A consumer pins an event version the owner no longer emits, and the latest version does not cover its shape: that consumer will stop receiving what it expects.",
  },
  "event-unconsumed": {
    text: "An event is published but no context consumes it. It may be on purpose (an integration event for later), or a missing consumes: entry. Add the consumer, drop the event, or turn the rule off in lint:. analyze-deps reports the same finding under the same id.",
    bad: "contexts:\n  orders: { publishes: [order.created] }",
    good: "contexts:\n  orders: { publishes: [order.created] }\n  billing: { consumes: [order.created] }",
  },
  "context-isolated": {
    text: "A context with no api, no events and no calls cannot be reached by anything. Large systems that grow contexts step by step can turn this off: lint: { rules: { context-isolated: off } }.",
    bad: "contexts:\n  audit: { port: 3000 }",
    good: 'contexts:\n  audit: { port: 3000, api: ["GET /audit/{id}"] }',
  },
  "call-timeout": {
    text: "A synchronous call without a timeout waits as long as the callee hangs. Declare one per call.",
    bad: "calls: [inventory]",
    good: "calls:\n  - { context: inventory, timeout: 2s }",
  },
  "call-bulkhead": {
    text: "A bulkhead bounds the calls to one callee: at most maxConcurrent in flight, maxQueue waiting; beyond that a call fails at once (503 with Retry-After), so a slow callee cannot take every worker or socket of the caller. maxConcurrent must be at least 1 and maxQueue 0 or more (docs/bulkheads.md).",
    bad: "calls:\n  inventory: { timeout: 1s, bulkhead: { maxConcurrent: 0, maxQueue: 16 } }",
    good: "calls:\n  inventory: { timeout: 1s, bulkhead: { maxConcurrent: 8, maxQueue: 16 } }",
  },
  "bff-name": {
    text: "A BFF is a workload beside the contexts: its name becomes a Service, an image, a folder under services/ and a name a gateway route can point at, so it must be a DNS label and must not be a context's or msa's own (gateway, the broker) (docs/bff.md).",
    bad: "contexts:\n  web: { port: 3000 }\nbffs:\n  web: { port: 4000, routes: [...] }",
    good: "contexts:\n  web: { port: 3000 }\nbffs:\n  web-bff: { port: 4000, routes: [...] }",
  },
  "bff-compose": {
    text: "Each compose entry of a BFF route is \"<context> GET <path>\", an api line that context declares; every path parameter of it is bound: to the route's parameter of the same name, or with `with:` to path.<param> or <earlier call>.body.<field> (docs/bff.md). Only GET: a BFF composes reads.",
    bad: "bffs:\n  web:\n    port: 4000\n    routes:\n      - path: /orders/{id}/summary\n        compose: [\"orders GET /orders/{id}\", \"inventory GET /stock/{sku}\"]",
    good: "bffs:\n  web:\n    port: 4000\n    routes:\n      - path: /orders/{id}/summary\n        compose:\n          - orders GET /orders/{id}\n          - { call: \"inventory GET /stock/{sku}\", with: { sku: orders.body.sku } }",
  },
  "api-route": {
    text: "An api entry's route is \"METHOD /path\": an HTTP method, one space, a path of plain segments and {param} segments (docs/rest-contracts.md).",
    bad: "api:\n  - route: GET orders",
    good: "api:\n  - route: GET /orders/{id}",
  },
  "api-duplicate": { text: "A context declares the same method and path shape twice (/a/{x} and /a/{y} match the same requests): only one handler can serve it. Keep one entry." },
  "api-request-method": {
    text: "Only POST, PUT and PATCH requests carry a body msa validates; a GET or DELETE with a request schema would never be checked. Describe its inputs under query:, or change the method.",
    bad: "- route: GET /orders\n  request: { type: object }",
    good: "- route: GET /orders\n  query: { type: object, properties: { limit: { type: integer } } }",
  },
  "api-response-status": {
    text: "responses: is keyed by HTTP status codes (100-599); OpenAPI and the generated response checks read the keys as statuses.",
    bad: "responses: { ok: { type: object } }",
    good: "responses: { 200: { type: object }, 204: null }",
  },
  "api-params": { text: "params: describes the route's {path} parameters by name; a name the route does not have describes nothing. Query string inputs go under query:." },
  "api-query": { text: "A query string is flat: query: is { type: object, properties } whose properties are strings, numbers, integers, booleans or arrays of them (repeated parameters)." },
  "api-schema": { text: "Every request, query, params and response schema must be a valid JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1): the generated services compile them at startup." },
  "api-schema-ref": { text: "A $ref in an api schema names a file relative to system.yaml (or to the schema file it is in) that msa could not read, or a remote URL (not fetched). Create the file or fix the path." },
  "api-compatibility": {
    text: "msa validate compares each endpoint's request and response schemas with the previous contract (services/<context>/openapi.yaml at HEAD, on disk outside git, or --against REF) using the events' compatibility engine. compatibility: backward (default) means clients of the previous contract keep working: the new request schema accepts all the old one did, and old clients accept every new response. Make the change compatible, serve it at a new endpoint, or set compatibility: none on the endpoint (docs/rest-contracts.md).",
  },
  "route-target": {
    text: "A gateway route is served either by a context of the system (`context`) or, during a strangler-fig migration, by an external legacy system (`upstream`, its URL). Naming both is ambiguous and naming neither routes nowhere. To move part of a legacy route's traffic to a context, keep `upstream` and add `split` (docs/progressive-delivery.md).",
    bad: "routes:\n  - { path: /api/legacy, context: orders, upstream: \"http://legacy.internal:8080\" }",
    good: "routes:\n  - { path: /api/legacy, upstream: \"http://legacy.internal:8080\", split: { orders: 20 } }",
  },
  "route-split": {
    text: "`split` shares a strangler route's requests between its legacy `upstream` and contexts: each declared context gets its percent, the upstream the rest, so the shares total at most 100. It needs an `upstream`. With Kong the split is a Kong upstream of weighted targets (host:port), which share one protocol and path, so the legacy URL must be plain http without a path (the node gateway has no such limit).",
    bad: "routes:\n  - { path: /api/legacy, upstream: \"http://legacy.internal:8080\", split: { orders: 70, payment: 40 } }",
    good: "routes:\n  - { path: /api/legacy, upstream: \"http://legacy.internal:8080\", split: { orders: 60, payment: 40 } }",
  },
  "deploy-strategy": {
    text: "`contexts.<c>.deploy` chooses how msa deploy rolls a new version out. A canary shifts traffic step by step, which needs one of two things. With `mesh: istio` (controller msa, the default) msa deploy itself walks the weights of a VirtualService between the DestinationRule subsets stable and canary. With `controller: argo-rollouts` the context gets an Argo Rollouts Rollout that walks the steps (setWeight and pause, with an AnalysisTemplate for `analysis`): through Istio when `mesh: istio`, else by replica ratio (weights then approximate). Without either, use `strategy: blue-green` (two Deployments and a Service selector switch). The steps rise strictly to 100; steps, pause, analysis and controller mean something for a canary only.",
    bad: "contexts:\n  orders:\n    deploy: { strategy: canary, steps: [50, 10] }",
    good: "contexts:\n  orders:\n    deploy: { strategy: canary, controller: argo-rollouts, steps: [10, 50, 100], pause: 5m, analysis: { maxErrorRate: 1% } }",
  },
  "discovery-support": {
    text: "`discovery: consul` makes every node and python service register with the node-local Consul agent (CONSUL_HTTP_ADDR) with an HTTP health check on its /ready, deregister on SIGTERM, and resolve its callees (and the node gateway its routed contexts) through Consul's health API, with a short cache and the DNS URL as fallback (docs/progressive-delivery.md). The agent checks each service over plain HTTP; under `mesh: istio` every pod accepts mTLS only (PeerAuthentication STRICT), so no check would ever pass and every lookup would fall back to DNS. Istio already discovers every Kubernetes Service: keep `discovery: kubernetes` with Istio, or drop the mesh to use Consul.",
    bad: "mesh: istio\ndiscovery: consul",
    good: "mesh: none\ndiscovery: consul",
  },
  "gateway-none-routes": { text: "Routes are declared but gateway.kind is none: nothing serves them. Choose a gateway kind or drop the routes." },
  "es-database": {
    text: "persistence: event-sourced and readModels keep an append-only event store (msa_events), snapshots, projection checkpoints and the read model tables (rm_<name>) in the context's own database, generated for PostgreSQL (docs/event-sourcing.md). Set database: postgres. MySQL is not generated yet: it would need JSON columns instead of jsonb, GET_LOCK instead of pg_advisory_xact_lock (which keeps the global position in commit order) and polling instead of LISTEN/NOTIFY.",
    bad: "contexts:\n  accounts:\n    database: mongodb\n    persistence: event-sourced\n    publishes: [account.opened]",
    good: "contexts:\n  accounts:\n    database: postgres\n    persistence: event-sourced\n    publishes: [account.opened]",
  },
  "es-events": {
    text: "An event-sourced context stores its state as the events it publishes: its aggregates decide events of those types and the store appends them (and the outbox publishes them). One with no publishes would have nothing to store; list its events under publishes.",
    bad: "contexts:\n  accounts:\n    database: postgres\n    persistence: event-sourced",
    good: "contexts:\n  accounts:\n    database: postgres\n    persistence: event-sourced\n    publishes: [account.opened]",
  },
  "read-model-name": {
    text: "A read model's name becomes the table rm_<name> in the context's database and the argument of `npm run projections:rebuild -- <name>`: lowercase letters, digits and _, starting with a letter, at most 40 characters.",
    bad: "readModels:\n  Monthly-Totals: { from: [money.deposited] }",
    good: "readModels:\n  monthly_totals: { from: [money.deposited] }",
  },
  "read-model-source": {
    text: "A read model is projected from events the context has: the ones it publishes (read from its own event store) or the ones it consumes (recorded by the inbox in the consumer's transaction). An event it neither publishes nor consumes would never arrive; add it to consumes (or publishes, if the context owns it).",
    bad: "contexts:\n  statements:\n    database: postgres\n    readModels:\n      monthly: { from: [money.deposited] }",
    good: "contexts:\n  statements:\n    database: postgres\n    consumes: [money.deposited]\n    readModels:\n      monthly: { from: [money.deposited] }",
  },
  "es-runtime": {
    text: "msa generates the event store, aggregates, projectors and the rebuild command for node-express only; on python-flask, persistence: event-sourced and readModels are not supported yet. Use runtime: node-express for that context (the other contexts may stay python-flask: the events on the wire are the same).",
    bad: "contexts:\n  accounts:\n    runtime: python-flask\n    database: postgres\n    persistence: event-sourced\n    publishes: [account.opened]",
    good: "contexts:\n  accounts:\n    runtime: node-express\n    database: postgres\n    persistence: event-sourced\n    publishes: [account.opened]",
  },
  "runtime-support": { text: "python-flask contexts get no Kafka event adapter yet; use node-express for those contexts or another broker (rabbitmq or nats)." },
  "saga-orchestrator-store": {
    text: "A python-flask saga orchestrator keeps every saga instance in the table msa_sagas of its context's postgres or mysql database: gunicorn's workers and the replicas share it, each instance is owned for a lease that its driver renews, and instances whose owner died are claimed (SELECT … FOR UPDATE SKIP LOCKED) and resumed. Without a SQL database there is nothing to share, so msa refuses: give the orchestrating context `database: postgres` (or mysql), or orchestrate the saga from a node-express context.",
    bad: "contexts:\n  orders:\n    runtime: python-flask\nsagas:\n  checkout:\n    orchestrator: orders\n    steps:\n      - { context: payments, action: charge, compensation: refund }",
    good: "contexts:\n  orders:\n    runtime: python-flask\n    database: postgres\nsagas:\n  checkout:\n    orchestrator: orders\n    steps:\n      - { context: payments, action: charge, compensation: refund }",
  },
  "observability-sampler-ratio": {
    text: "observability.tracing.ratio is the share of traces a ratio sampler keeps (OTEL_TRACES_SAMPLER_ARG, and Kong's KONG_TRACING_SAMPLING_RATE). Only traceidratio and parentbased_traceidratio read it, so a ratio beside another sampler would be silently ignored. Use a ratio sampler, or leave sampler out (a ratio alone chooses parentbased_traceidratio: a caller's sampled trace stays sampled), or remove ratio.",
    bad: "observability:\n  tracing:\n    sampler: always_on\n    ratio: 0.1",
    good: "observability:\n  tracing:\n    ratio: 0.1",
  },
  "saga-orchestrator-local-state": {
    text: "A node-express saga orchestrator keeps every saga instance in the table msa_sagas when its context has postgres or mysql: replicas share it, each instance is owned for a lease its driver renews, and a dead replica's instances are claimed and resumed by another. Without one it saves each instance as a JSON file in SAGA_DATA_DIR (/tmp/sagas in the generated image): a second replica neither sees nor resumes the first one's sagas, GET /sagas/<saga>/<id> finds an instance only on the pod that ran it, and the state is lost with the pod unless SAGA_DATA_DIR is a persistent volume. Give the orchestrating context `database: postgres` (or mysql); keep the file store only for one replica with a volume.",
    bad: "contexts:\n  orders:\n    port: 3000\nsagas:\n  checkout:\n    orchestrator: orders\n    steps:\n      - { context: payments, action: charge, compensation: refund }",
    good: "contexts:\n  orders:\n    port: 3000\n    database: mysql\nsagas:\n  checkout:\n    orchestrator: orders\n    steps:\n      - { context: payments, action: charge, compensation: refund }",
  },
  "environment-namespace-unique": {
    text: "Each environment (dev, staging, prod) deploys into its own namespace, so a dev deploy can never land in prod's. Two environments that resolve to the same namespace (set explicitly under `environments`, or by the defaults `<ns>-dev`, `<ns>-staging`, `<ns>`) are refused: give each its own.",
    bad: "environments:\n  dev: { namespace: shop }\n  prod: { namespace: shop }",
    good: "environments:\n  dev: { namespace: shop-dev }\n  prod: { namespace: shop }",
  },
  "gateway-rate-limit-store": {
    text: "A rate-limited gateway counts in each replica's memory unless `gateway.rateLimitStore: redis`; the generated gateway runs at least two replicas under its HPA, so every replica multiplies the limit. Share the counters in Redis (Kong `policy: redis`; the node gateway's REDIS_URL) or accept per-replica limits knowingly.",
    bad: "gateway:\n  kind: node\n  rateLimit: 100/minute",
    good: "gateway:\n  kind: node\n  rateLimit: 100/minute\n  rateLimitStore: redis",
  },
  "grpc-callee": {
    text: "A call with `protocol: grpc` goes to the callee's gRPC server, so the callee must declare one under `grpc` (its port and methods, or its own .proto). Add it, or call over HTTP (protocol: http, the default). docs/grpc.md.",
    bad: "contexts:\n  orders:\n    calls:\n      inventory: { protocol: grpc, timeout: 1s }\n  inventory:\n    port: 3001",
    good: "contexts:\n  orders:\n    calls:\n      inventory: { protocol: grpc, timeout: 1s }\n  inventory:\n    port: 3001\n    grpc:\n      port: 50051\n      methods:\n        GetStock:\n          request: { type: object, properties: { sku: { type: string } } }\n          response: { type: object, properties: { quantity: { type: integer } } }",
  },
  "grpc-name": {
    text: "gRPC method names, property names and enum values become proto identifiers (letters, digits and _, starting with a letter; not a proto keyword). Rename the node the message points at. docs/grpc.md.",
    bad: "grpc:\n  port: 50051\n  methods:\n    get-stock:\n      request: { type: object, properties: { sku: { type: string } } }",
    good: "grpc:\n  port: 50051\n  methods:\n    GetStock:\n      request: { type: object, properties: { sku: { type: string } } }",
  },
  "grpc-schema": {
    text: "A gRPC request or response is a proto3 message. JSON Schema constructs without a faithful proto3 form (nullable types, oneOf/anyOf/allOf, $ref, tuple arrays, arrays of arrays, maps of arrays, free-form objects) are refused at their node rather than lost silently. A property left out of `required` becomes an `optional` field; docs/grpc.md has the whole table. Write your own .proto (grpc.proto) when you need more.",
    bad: "GetStock:\n  request: { type: object, properties: { sku: { type: [string, 'null'] } } }",
    good: "GetStock:\n  request: { type: object, properties: { sku: { type: string } } }",
  },
  "grpc-port": {
    text: "The gRPC server listens on its own port: from 1 to 65535 and different from every context's HTTP port and every other gRPC port (Services and NetworkPolicies name them).",
    bad: "inventory:\n  port: 3001\n  grpc: { port: 3001, proto: inventory.proto }",
    good: "inventory:\n  port: 3001\n  grpc: { port: 50051, proto: inventory.proto }",
  },
  "grpc-proto": {
    text: "grpc.proto names a proto3 file msa reads for the service's methods: it must exist, say syntax = \"proto3\", define one service with unary methods, and import nothing but google/protobuf/*. Mark a method `option idempotency_level = IDEMPOTENT;` to let callers retry it.",
    bad: "grpc: { port: 50051, proto: missing.proto }",
    good: "grpc: { port: 50051, proto: protos/inventory.proto }",
  },
  "gateway-jwks": {
    text: "`gateway.jwksUrl` names where the gateway fetches the keys that sign tokens. Over plain http the keys can be swapped in transit, so use https; Kong OSS cannot fetch a JWKS at all (its jwt plugin takes an rsa_public_key per consumer), so with kind: kong the key does nothing.",
    bad: "gateway:\n  kind: node\n  jwksUrl: http://login.example.com/jwks.json",
    good: "gateway:\n  kind: node\n  jwksUrl: https://login.example.com/jwks.json",
  },
  "broker-retry-delays": {
    text: "A failing event handler is retried with a delay that doubles from `broker.retry.initialDelay` up to `maxDelay` (docs/messaging.md). A maxDelay below initialDelay would cap every delay under the first one; raise maxDelay or lower initialDelay.",
    bad: "broker:\n  kind: rabbitmq\n  retry: { initialDelay: 5s, maxDelay: 2s }",
    good: "broker:\n  kind: rabbitmq\n  retry: { initialDelay: 1s, maxDelay: 30s }",
  },
  "broker-kafka-unused": {
    text: "`broker.kafka` (partitions, replication, where new groups start) only applies when `broker.kind` is kafka. Drop it, or switch the broker to kafka.",
    bad: "broker:\n  kind: nats\n  kafka: { partitions: 6 }",
    good: "broker:\n  kind: kafka\n  kafka: { partitions: 6 }",
  },
  "dev-database": {
    text: "`dev.databases` gives `msa dev` a database URL per context (docs/dev.md). An entry for a name that is not a context, or for a context without a database, is never used — usually a typo or a context that was renamed.",
    bad: "contexts:\n  orders: { port: 3000, database: postgres }\ndev:\n  databases:\n    order: postgres://postgres@127.0.0.1:5432/orders_dev",
    good: "contexts:\n  orders: { port: 3000, database: postgres }\ndev:\n  databases:\n    orders: postgres://postgres@127.0.0.1:5432/orders_dev",
  },
};

export function explainable(rule: string): boolean {
  return Object.hasOwn(EXPLANATIONS, rule) || /^schema-/.test(rule);
}

export function explanation(rule: string): Explanation | undefined {
  if (Object.hasOwn(EXPLANATIONS, rule)) return EXPLANATIONS[rule];
  if (/^schema-/.test(rule))
    return { text: "system.yaml does not match its schema (schemas/system.schema.json) at the node the finding points to. The message says what is expected there; an editor with the yaml-language-server header completes and checks keys as you type." };
  return undefined;
}
