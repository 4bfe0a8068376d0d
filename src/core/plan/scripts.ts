// Planner: scripts/ — the four scripts of the docs, as thin entry points that call the msa command absorbing each.
import type { Planner } from "./types.js";

export const SCRIPT_NAMES = [
  "deploy-to-k8s",
  "event-schema-validator",
  "microservice-scaffold",
  "service-dependency-analyzer",
] as const;

export const planScripts: Planner = (model, render) =>
  SCRIPT_NAMES.map((name) => ({
    path: `scripts/${name}.sh`,
    owner: "generated" as const,
    executable: true,
    content: render(`scripts/${name}.sh`, { system: model.name }),
  }));
