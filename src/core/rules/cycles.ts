import type { Diagnostic } from "../diagnostics.js";
import type { SystemModel } from "../model.js";
import type { Rule } from "./types.js";

/** Every elementary cycle of the calls graph, each once, starting at its smallest name (deterministic). */
export function findCallCycles(model: SystemModel): string[][] {
  const graph = new Map(model.contexts.map((c) => [c.name, c.calls.map((k) => k.target)]));
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const names = [...graph.keys()].sort();
  for (const start of names) {
    // DFS restricted to nodes >= start, so each cycle is found from its smallest node only.
    const stack: string[] = [start];
    const onPath = new Set([start]);
    const dfs = (node: string): void => {
      for (const next of graph.get(node) ?? []) {
        if (next === start) {
          const cyc = [...stack, start];
          const key = cyc.join(">");
          if (!seen.has(key)) {
            seen.add(key);
            cycles.push(cyc);
          }
        } else if (next > start && !onPath.has(next) && cycles.length < 100) {
          onPath.add(next);
          stack.push(next);
          dfs(next);
          stack.pop();
          onPath.delete(next);
        }
      }
    };
    dfs(start);
  }
  return cycles;
}

export const callsCycle: Rule = {
  id: "calls-cycle",
  severity: "error",
  summary: "synchronous calls have no cycle (reported with the cycle path)",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const cycle of findCallCycles(model)) {
      const [from, to] = cycle as [string, string];
      out.push(at(["contexts", from, "calls", to], `synchronous call cycle ${cycle.join(" → ")}; break it by replacing one call with an event (publish/consume) or by moving the logic`, { key: true }));
    }
    return out;
  },
};
