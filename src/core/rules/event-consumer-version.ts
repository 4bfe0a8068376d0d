import type { Diagnostic } from "../diagnostics.js";
import { checkCompatibility } from "../events/compat.js";
import type { EventVersion } from "../model.js";
import type { RawMap, Rule } from "./types.js";

/**
 * What "no longer emits" means in msa: the owner publishes only the latest version of an event;
 * older versions stay declared so consumers can read messages still queued or replayed. A
 * generated consumer accepts every declared version, so a consumer "consumes" an old version
 * exactly when such messages can reach it. That is harmless when the latest schema accepts the
 * old documents (a handler written for the latest reads them). When it does not, each consumer
 * must handle the old shape separately until those messages are drained: warn, naming them.
 * Consecutive pairs under backward/full are left to event-compatibility (an error already).
 */
export const eventConsumerVersion: Rule = {
  id: "event-consumer-version",
  severity: "warning",
  summary: "consumers of event versions the owner no longer emits, whose shape the latest version does not cover",
  check({ model, data, at }) {
    const out: Diagnostic[] = [];
    for (const e of model.events) {
      if (e.versions.length < 2 || !e.consumers.length) continue;
      const latest = e.latest;
      // Exact (strict) inclusion, whatever the policy: this is about which payloads the latest schema rejects.
      const retired: { v: EventVersion; why: string }[] = [];
      for (const v of e.versions.slice(0, -1)) {
        const coveredByRule = (e.compatibility === "backward" || e.compatibility === "full") && v === e.versions[e.versions.length - 2];
        if (coveredByRule) continue;
        const f = checkCompatibility(v.schema, latest.schema, "backward").find((x) => x.severity === "error");
        if (f) retired.push({ v, why: `v${v.version}: ${f.rule}, ${f.message}` });
      }
      if (!retired.length) continue;
      const list = retired.map((r) => `v${r.v.version}`).join(", ");
      const why = retired.map((r) => r.why).join("; ");
      for (const c of e.consumers) {
        const consumes = ((data.contexts?.[c] as RawMap | undefined)?.consumes as unknown[] | undefined) ?? [];
        const i = consumes.indexOf(e.name);
        out.push(at(i >= 0 ? ["contexts", c, "consumes", i] : ["contexts", c],
          `${c} consumes ${e.name}, whose owner${e.owner ? ` ${e.owner}` : ""} emits only v${latest.version}; ${list} messages may still arrive and v${latest.version}'s schema rejects some of them (${why}) — handle the old shape in ${c} until they are drained, then remove ${list} from events.${e.name}.versions`,
          { severity: "warning" }));
      }
    }
    return out;
  },
};
