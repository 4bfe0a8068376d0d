import { checkEventHistory } from "../events/history.js";
import type { Rule } from "./types.js";

/** Consecutive event versions satisfy the declared compatibility (errors at the property's line:col). */
export const eventCompatibility: Rule = {
  id: "event-compatibility",
  severity: "error",
  summary: "consecutive event versions satisfy the declared compatibility (backward, forward, full)",
  check({ model }) {
    return model.events.flatMap((e) => checkEventHistory(e));
  },
};
