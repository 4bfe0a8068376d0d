import type { Diagnostic } from "../diagnostics.js";
import type { Rule } from "./types.js";

/** What the python-flask templates do not generate yet; say so at validate time, not at run time. */
export const runtimeSupport: Rule = {
  id: "runtime-support",
  severity: "warning",
  summary: "python-flask contexts: no Kafka event adapter is generated yet",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts) {
      if (c.runtime !== "python-flask") continue;
      if (model.broker.kind === "kafka" && (c.publishes.length || c.consumes.length))
        out.push(at(["contexts", c.name], `${c.name} is python-flask and uses events, but msa generates no Kafka adapter for python-flask yet (it raises NotImplementedError); use node-express for ${c.name}, or broker rabbitmq or nats`, { key: true, severity: "warning" }));
    }
    return out;
  },
};
