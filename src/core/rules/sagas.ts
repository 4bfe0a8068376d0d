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
