// The saga steps a context serves as a participant (POST /saga/<saga>/<action>), for every runtime's view.
import type { Context, SystemModel } from "../model.js";

export interface SagaActionRef {
  saga: string;
  action: string;
  kind: "action" | "compensation";
  /** The compensation of an action, the action of a compensation (null: an action without compensation). */
  pair: string | null;
}

/** Each (saga, action) once, in the order of the sagas and their steps; an action's compensation after it. */
export function sagaActionsOf(model: SystemModel, c: Context): SagaActionRef[] {
  const out: SagaActionRef[] = [];
  for (const s of model.sagas)
    for (const st of s.steps) {
      if (st.context !== c.name) continue;
      const add = (action: string, kind: SagaActionRef["kind"], pair: string | null): void => {
        if (!out.some((a) => a.saga === s.name && a.action === action)) out.push({ saga: s.name, action, kind, pair });
      };
      add(st.action, "action", st.compensation);
      if (st.compensation) add(st.compensation, "compensation", st.action);
    }
  return out;
}
