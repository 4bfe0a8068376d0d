import type { Runtime, SystemModel } from "../model.js";
import type { Rule } from "./types.js";

/** The sagas whose orchestrator, of this runtime, has no SQL database to keep msa_sagas in. */
function withoutSqlStore(model: SystemModel, runtime: Runtime): { saga: string; orch: string; engine: string | undefined }[] {
  return model.sagas.flatMap((s) => {
    const orch = model.contexts.find((c) => c.name === s.orchestrator);
    const engine = orch?.database?.engine;
    if (!orch || orch.runtime !== runtime || engine === "postgres" || engine === "mysql") return [];
    return [{ saga: s.name, orch: orch.name, engine }];
  });
}

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
    return withoutSqlStore(model, "python-flask").map(({ saga, orch, engine }) =>
      at(
        ["sagas", saga, "orchestrator"],
        `saga ${saga} is orchestrated by ${orch}, a python-flask context ${engine ? `with a ${engine} database` : "without a database"}; its saga state is kept in postgres or mysql (shared by the gunicorn workers and replicas that resume interrupted sagas): give ${orch} \`database: postgres\` (or mysql), or orchestrate ${saga} from a node-express context`,
      ),
    );
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
    return withoutSqlStore(model, "node-express").map(({ saga, orch, engine }) =>
      at(
        ["sagas", saga, "orchestrator"],
        `saga ${saga} is orchestrated by ${orch} ${engine ? `(a ${engine} database)` : "(no database)"}, so its state is a JSON file per pod in SAGA_DATA_DIR: replicas do not share or resume each other's sagas, and the state goes with the pod unless SAGA_DATA_DIR is a volume; give ${orch} \`database: postgres\` (or mysql) to keep it in msa_sagas`,
        { severity: "warning" },
      ),
    );
  },
};
