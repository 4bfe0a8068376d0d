// Planner: backends-for-frontends (bffs of system.yaml, docs/bff.md), one node service per BFF under
// services/<bff>/ — all of it generated (the composition is declared in system.yaml, there is no user code).
import type { Bff } from "../bff.js";
import type { SystemModel } from "../model.js";
import { toEnvName } from "../names.js";
import type { Render } from "../render.js";
import { NODE_DEPENDENCIES, NODE_DEV_DEPENDENCIES } from "./service-node-view.js";
import { lazyFile, type PlannedFile, type Planner } from "./types.js";

const T = "bff/node";
const FILES: readonly [template: string, path: string][] = [
  ["package.json", "package.json"],
  ["tsconfig.json", "tsconfig.json"],
  ["tsconfig.build.json", "tsconfig.build.json"],
  ["Dockerfile", "Dockerfile"],
  ["dockerignore", ".dockerignore"],
  ["README.md", "README.md"],
  ["src/main.ts", "src/main.ts"],
  ["src/generated/compose.ts", "src/generated/compose.ts"],
  ["src/generated/routes.ts", "src/generated/routes.ts"],
  ["src/generated/server.ts", "src/generated/server.ts"],
];

/** What a BFF depends on: the services' pins of the same libraries (cockatiel, pino, prom-client). */
const pick = <K extends string>(from: Record<K, string>, names: K[]) => names.map((name) => ({ name, version: from[name] })).sort((a, b) => (a.name < b.name ? -1 : 1));

export function bffView(model: SystemModel, b: Bff) {
  const portOf = new Map(model.contexts.map((c) => [c.name, c.port]));
  const targets = b.targets.map((t) => ({ context: t, envVar: `${toEnvName(t)}_URL`, defaultUrl: `http://${t}:${portOf.get(t) ?? 80}` }));
  const routes = b.routes.map((r) => ({
    path: r.path,
    calls: r.calls.map((c) => ({ name: c.name, context: c.context, method: c.method, path: c.path, timeoutMs: c.timeoutMs, after: c.after, bindings: c.bindings })),
  }));
  return {
    system: model.name,
    name: b.name,
    port: b.port,
    targets,
    routes,
    timeoutNote: "per call, 2 s unless its compose entry says `timeout:`",
    urlsJson: JSON.stringify(targets.map((t) => ({ context: t.context, env: t.envVar, fallback: t.defaultUrl })), null, 2),
    routesJson: JSON.stringify(routes, null, 2),
    dependencies: pick(NODE_DEPENDENCIES, ["cockatiel", "pino", "prom-client"]),
    devDependencies: pick(NODE_DEV_DEPENDENCIES, ["@types/node", "typescript"]),
  };
}

export function planBff(model: SystemModel, render: Render, b: Bff): PlannedFile[] {
  const view = bffView(model, b);
  return FILES.map(([template, path]) => lazyFile({ path: `services/${b.name}/${path}`, owner: "generated", context: b.name }, () => render(`${T}/${template}`, view)));
}

export const planBffs: Planner = (model, render) => model.bffs.flatMap((b) => planBff(model, render, b));
