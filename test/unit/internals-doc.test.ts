// docs/internals.md states names that two generated artifacts must agree on; these checks keep the
// document and the templates/planners from drifting apart on the ones recorded there.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GATEWAY_JWT_DEV_SECRET } from "../../src/core/plan/compose.js";
import { stripPrefixOf } from "../../src/core/plan/gateway-node.js";
import { KONG_PROXY_PORT, KONG_STATUS_PORT, NODE_GATEWAY_PORT, RUN_AS_ID } from "../../src/core/plan/k8s-view.js";
import { upstreamPath } from "../../src/core/plan/kong.js";
import { repoRoot } from "../helpers/engine-model.js";

const read = (p: string): string => fs.readFileSync(path.join(repoRoot, p), "utf8");
const doc = read("docs/internals.md");

describe("docs/internals.md agrees with the generators", () => {
  it("gateway path mapping: /api/v1/orders/42 reaches orders as /orders/42 on both gateway kinds", () => {
    expect(doc).toContain("`/api/v1/orders/42?x=1` reaches `orders` as `/orders/42?x=1`");
    // node gateway strips everything before the last segment
    const strip = stripPrefixOf("/api/v1/orders");
    expect("/api/v1/orders/42?x=1".slice(strip.length)).toBe("/orders/42?x=1");
    expect("/api/notes".slice(stripPrefixOf("/api/notes").length)).toBe("/notes");
    // Kong: service url ends in the last segment, strip_path removes the whole route path
    expect(upstreamPath("/api/v1/orders") + "/42").toBe("/orders/42");
    expect(upstreamPath("/api/notes")).toBe("/notes");
    expect(read("templates/kong/kong.yml.hbs")).toContain("strip_path: true");
  });

  it("idempotency store names of node-express", () => {
    const node = read("templates/services/node-express/src/generated/inbox.ts.hbs");
    const messaging = read("docs/messaging.md");
    // node follows docs/messaging.md: the same tables, key and columns
    for (const name of ["CREATE TABLE IF NOT EXISTS msa_inbox (", "CREATE TABLE IF NOT EXISTS msa_outbox (", "event_id     varchar(64)  PRIMARY KEY", "next_attempt_at timestamptz  NOT NULL DEFAULT now()"]) {
      expect(node).toContain(name);
      expect(messaging).toContain(name);
    }
    expect(node).toContain("`msa:inbox:${eventId}`");
    expect(messaging).toContain("`msa:inbox:<eventId>`");
    expect(node).not.toContain("msa_processed_events");
    expect(doc).toContain("messaging.md");
  });

  it("python-flask inbox and outbox are the tables and keys of docs/messaging.md", () => {
    const py = read("templates/services/python-flask/app/db.py.hbs");
    const messaging = read("docs/messaging.md");
    for (const table of ["msa_inbox (", "msa_outbox ("]) {
      expect(py).toContain(`CREATE TABLE IF NOT EXISTS ${table}`);
      expect(messaging).toContain(`CREATE TABLE IF NOT EXISTS ${table}`);
    }
    expect(py).toContain("CREATE INDEX IF NOT EXISTS msa_outbox_pending ON msa_outbox (aggregate_id, id) WHERE sent_at IS NULL");
    // the relay's claim in id order over unsent rows: node, python and the doc alike
    const unsent = "CREATE INDEX IF NOT EXISTS msa_outbox_unsent ON msa_outbox (id) WHERE sent_at IS NULL";
    expect(py).toContain(unsent);
    expect(read("templates/services/node-express/src/generated/inbox.ts.hbs")).toContain(unsent);
    expect(messaging).toContain(unsent);
    expect(py).toContain('f"msa:inbox:{event_id}"');
    expect(messaging).toContain("`msa:inbox:<eventId>`");
    expect(py).not.toContain("msa_processed_events");
  });

  it("JWT, ports, users", () => {
    expect(doc).toContain(`\`\${JWT_SECRET:-${GATEWAY_JWT_DEV_SECRET}}\``);
    expect(doc).toContain("| `JWT_ISSUER` |");
    expect(doc).toContain(`node gateway listens on ${NODE_GATEWAY_PORT}`);
    expect(doc).toContain(`Kong proxy ${KONG_PROXY_PORT} and status ${KONG_STATUS_PORT}`);
    expect(doc).toContain(`uid/gid ${RUN_AS_ID}`);
    for (const f of ["templates/services/node-express/Dockerfile.hbs", "templates/services/python-flask/Dockerfile.hbs", "templates/gateway/node/Dockerfile.hbs"])
      expect(read(f)).toContain(`USER ${RUN_AS_ID}:${RUN_AS_ID}`);
  });
});
