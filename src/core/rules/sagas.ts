import type { Diagnostic } from "../diagnostics.js";
import type { Rule } from "./types.js";

/**
 * A python-flask orchestrator keeps its saga state in its context's SQL database (msa_sagas): gunicorn's workers and
 * the replicas share it, claim interrupted instances from it and fence their saves on it. Without postgres or mysql
 * there is nothing they could share, so msa refuses rather than generate an orchestrator that loses sagas.
 */
export const sagaOrchestratorStore: Rule = {
  id: "saga-orchestrator-store",
  severity: "error",
  summary: "a python-flask saga orchestrator needs a postgres or mysql database for its saga state",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const s of model.sagas) {
      const orch = model.contexts.find((c) => c.name === s.orchestrator);
      if (orch?.runtime !== "python-flask") continue;
      const engine = orch.database?.engine;
      if (engine === "postgres" || engine === "mysql") continue;
      out.push(
        at(
          ["sagas", s.name, "orchestrator"],
          `saga ${s.name} is orchestrated by ${orch.name}, a python-flask context ${engine ? `with a ${engine} database` : "without a database"}; its saga state is kept in postgres or mysql (shared by the gunicorn workers and replicas that resume interrupted sagas): give ${orch.name} \`database: postgres\` (or mysql), or orchestrate ${s.name} from a node-express context`,
        ),
      );
    }
    return out;
  },
};

/**
 * A node-express orchestrator keeps its saga state in msa_sagas when its context has postgres or mysql (replicas
 * share it, claim and resume each other's instances). Otherwise it falls back to a JSON file per instance in
 * SAGA_DATA_DIR: per process, so a second replica neither sees nor resumes the first one's sagas, and in the generated
 * image (/tmp/sagas) the state goes with the pod. Allowed for one replica with a volume; said out loud.
 */
export const sagaOrchestratorLocalState: Rule = {
  id: "saga-orchestrator-local-state",
  severity: "warning",
  summary: "a node-express saga orchestrator without postgres or mysql keeps saga state in a file per pod",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const s of model.sagas) {
      const orch = model.contexts.find((c) => c.name === s.orchestrator);
      if (!orch || orch.runtime === "python-flask") continue;
      const engine = orch.database?.engine;
      if (engine === "postgres" || engine === "mysql") continue;
      out.push(
        at(
          ["sagas", s.name, "orchestrator"],
          `saga ${s.name} is orchestrated by ${orch.name} ${engine ? `(a ${engine} database)` : "(no database)"}, so its state is a JSON file per pod in SAGA_DATA_DIR: replicas do not share or resume each other's sagas, and the state goes with the pod unless SAGA_DATA_DIR is a volume; give ${orch.name} \`database: postgres\` (or mysql) to keep it in msa_sagas`,
          { severity: "warning" },
        ),
      );
    }
    return out;
  },
};
