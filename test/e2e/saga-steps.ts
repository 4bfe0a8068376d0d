// What the saga e2e tests share: a node participant's step module that records itself in a shared file, and a
// MariaDB connection for reading msa_sagas.
import { sharedRequire } from "./harness.js";

export const MYSQL_URL_BASE = process.env.MSA_E2E_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

/**
 * A node participant's step (src/saga/<saga>.<step>.ts): appends "start:<step> <sagaId>" to $STEP_LOG when it begins
 * and "<step> <sagaId>" once applied; waits `slowMs` when `data.slow` names it, refuses (422) when `data.refuse` does.
 */
export const nodeSagaStep = (step: string, fn: string): string => `import fs from "node:fs";
import { SagaStepRefused, type HandlerContext, type SagaStepInput } from "../generated/routes.js";

export async function ${fn}(input: SagaStepInput, _ctx: HandlerContext): Promise<Record<string, unknown>> {
  const log = process.env.STEP_LOG ?? "";
  fs.appendFileSync(log, "start:${step} " + input.sagaId + "\\n");
  if (input.data.slow === "${step}") await new Promise((r) => setTimeout(r, Number(input.data.slowMs ?? 0)));
  if (input.data.refuse === "${step}") throw new SagaStepRefused("refused: ${step}");
  fs.appendFileSync(log, "${step} " + input.sagaId + "\\n");
  return { ${step}: true };
}
`;

export type MyConn = { query(s: string, v?: unknown[]): Promise<[unknown, unknown]>; end(): Promise<void> };
export const mysqlConnect = async (url: string): Promise<MyConn> =>
  (await sharedRequire<{ createConnection(u: string): Promise<MyConn> }>("mysql2/promise")).createConnection(url);
