// A saga as a sequence diagram: the geometry (lifelines, arrows, labels) computed here, drawn as SVG by
// templates/site/_sequence.html.hbs. Steps go orchestrator → participant; compensations come back in reverse
// order, dashed. Pure; the same saga gives the same numbers.
import type { Saga } from "../model.js";

export interface SequenceDiagram {
  width: number;
  height: number;
  participants: { name: string; x: number; boxX: number }[];
  boxWidth: number;
  lifelineTop: number;
  lifelineBottom: number;
  messages: { y: number; x1: number; x2: number; labelX: number; label: string; kind: "step" | "compensation"; arrow: string }[];
  /** A band telling where compensation starts (y), when there are compensations. */
  compensationY: number | null;
  title: string;
}

const COLUMN = 190;
const BOX_WIDTH = 150;
const TOP = 20;
const BOX_HEIGHT = 34;
const ROW = 38;

/** Characters that fit a label between two lifelines of the narrowest gap (about 7 px a character at 13 px). */
const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);

export function sequenceDiagram(saga: Saga): SequenceDiagram {
  const names = [...new Set([saga.orchestrator, ...saga.steps.map((s) => s.context)])];
  const participants = names.map((name, i) => ({ name, x: 20 + i * COLUMN + BOX_WIDTH / 2, boxX: 20 + i * COLUMN }));
  const xOf = new Map(participants.map((p) => [p.name, p.x]));
  const orchestratorX = xOf.get(saga.orchestrator) as number;
  const messages: SequenceDiagram["messages"] = [];
  let y = TOP + BOX_HEIGHT + 30;
  const arrow = (x1: number, x2: number, yy: number): string => {
    const d = x2 >= x1 ? -8 : 8;
    return `${x2},${yy} ${x2 + d},${yy - 5} ${x2 + d},${yy + 5}`;
  };
  const push = (from: number, to: number, label: string, kind: "step" | "compensation") => {
    const width = Math.max(Math.abs(to - from), COLUMN);
    messages.push({ y, x1: from, x2: to, labelX: (from + to) / 2, label: clip(label, Math.floor(width / 7.5)), kind, arrow: arrow(from, to, y) });
    y += ROW;
  };
  saga.steps.forEach((st, i) => {
    const to = xOf.get(st.context) as number;
    // a step the orchestrator takes itself is drawn as a self-call: a short arrow out and back
    push(orchestratorX, to === orchestratorX ? to + 40 : to, `${i + 1}. ${st.action}`, "step");
  });
  const comps = saga.steps.map((st, i) => ({ st, i })).filter((x) => x.st.compensation !== null).reverse();
  let compensationY: number | null = null;
  if (comps.length) {
    compensationY = y - ROW / 2 + 4;
    y += 14;
    for (const { st, i } of comps) {
      const to = xOf.get(st.context) as number;
      push(orchestratorX, to === orchestratorX ? to + 40 : to, `undo ${i + 1}. ${st.compensation}`, "compensation");
    }
  }
  const lifelineBottom = y;
  return {
    width: 40 + (names.length - 1) * COLUMN + BOX_WIDTH,
    height: lifelineBottom + 20,
    participants,
    boxWidth: BOX_WIDTH,
    lifelineTop: TOP + BOX_HEIGHT,
    lifelineBottom,
    messages,
    compensationY,
    title: `Saga ${saga.name}: ${saga.steps.length} steps orchestrated by ${saga.orchestrator}${comps.length ? `, ${comps.length} compensations on failure` : ""}`,
  };
}
