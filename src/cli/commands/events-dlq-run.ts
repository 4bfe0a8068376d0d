// The run of `msa events dlq`: system.yaml gives the topology, BROKER_URL (or --broker-url) the broker.
// Exit codes (cli.md): 0 done, 1 nothing matched (show/replay of an unknown id), 2 usage errors, an invalid
// system.yaml or an unreachable broker.
import { CannotRunError, hasErrors, UsageError } from "../../core/diagnostics.js";
import { BrokerUnreachableError, dlqContexts, dlqTopology, DlqUsageError, type DeadLetterRecord, type DlqBroker } from "../../core/dlq/types.js";
import type { CliContext } from "../context.js";
import { formatDiagnostics, painter } from "../report.js";
import { loadSystem } from "../../io/system.js";
import type { DlqOptions } from "./events.js";

export async function runDlq(action: "list" | "show" | "replay", ids: string[], opts: DlqOptions, ctx: CliContext): Promise<0 | 1 | 2> {
  const loaded = loadSystem(ctx.cwd, opts.file);
  if (!loaded.model || hasErrors(loaded.diagnostics)) {
    ctx.stderr(formatDiagnostics(loaded.diagnostics, opts.format === "json" ? "json" : "text", await painter(false)));
    throw new CannotRunError("system.yaml is invalid: fix it first (msa validate)");
  }
  const model = loaded.model;
  if (action === "replay" && !opts.all && !ids.length) throw new UsageError("replay needs dead-letter ids or --all (msa events dlq list shows the ids)");
  if (action === "replay" && opts.all && ids.length) throw new UsageError("replay takes ids or --all, not both");
  let contexts: string[];
  try {
    contexts = dlqContexts(model, opts.context);
  } catch (e) {
    if (e instanceof DlqUsageError) throw new UsageError(e.message);
    throw e;
  }
  const kind = model.broker.kind;
  if (kind === "memory") throw new UsageError("this system declares the memory broker: its dead letters live in the service process (MemoryBroker.deadLetters), not in a broker");
  const url = opts.brokerUrl ?? ctx.env.BROKER_URL;
  if (!url) throw new UsageError(`no broker: set BROKER_URL or pass --broker-url (the ${kind} broker the services use)`);
  const topology = (context: string) => dlqTopology(model.name, context, kind);

  let broker: DlqBroker;
  try {
    broker =
      kind === "rabbitmq"
        ? await (await import("../../io/dlq/rabbitmq.js")).openRabbitDlq(url, topology)
        : kind === "nats"
          ? await (await import("../../io/dlq/nats.js")).openNatsDlq(url, topology)
          : await (await import("../../io/dlq/kafka.js")).openKafkaDlq(url, topology, ctx.env);
  } catch (e) {
    if (e instanceof BrokerUnreachableError) throw new CannotRunError(e.message);
    throw e;
  }
  try {
    if (action === "list") {
      const records = await broker.list(contexts);
      ctx.stdout(opts.format === "json" ? JSON.stringify(records.map(summary), null, 2) + "\n" : listText(records, contexts));
      return 0;
    }
    if (action === "show") {
      const r = (await broker.list(contexts)).find((x) => x.id === ids[0]);
      if (!r) {
        ctx.stderr(`msa: no dead letter ${ids[0]} for ${contexts[0]} (msa events dlq list --context ${contexts[0]} shows the ids)\n`);
        return 1;
      }
      ctx.stdout(opts.format === "json" ? JSON.stringify(r, null, 2) + "\n" : showText(r));
      return 0;
    }
    const context = contexts[0]!;
    const wanted = new Set(ids);
    const replayed = await broker.replay(context, (r) => opts.all === true || wanted.has(r.id), opts.dryRun === true);
    const missing = [...wanted].filter((id) => !replayed.some((r) => r.id === id));
    const verb = opts.dryRun ? "would replay" : "replayed";
    if (opts.format === "json") ctx.stdout(JSON.stringify({ [opts.dryRun ? "wouldReplay" : "replayed"]: replayed.map(summary), missing }, null, 2) + "\n");
    else {
      for (const r of replayed) ctx.stdout(`${verb} ${r.id}  ${r.eventType}  (${r.reason}) → ${context}\n`);
      ctx.stdout(`${verb} ${replayed.length} dead letter${replayed.length === 1 ? "" : "s"} to ${context}\n`);
      for (const id of missing) ctx.stderr(`msa: no dead letter ${id} for ${context}\n`);
    }
    return missing.length ? 1 : 0;
  } finally {
    await broker.close();
  }
}

const summary = (r: DeadLetterRecord) => ({
  id: r.id,
  context: r.context,
  eventType: r.eventType,
  eventId: r.eventId,
  reason: r.reason,
  error: r.error,
  attempts: r.attempts,
  failedAt: r.failedAt,
  replayed: r.replayed,
});

function listText(records: DeadLetterRecord[], contexts: string[]): string {
  if (!records.length) return `no dead letters (${contexts.join(", ") || "no consuming contexts"})\n`;
  const rows = records.map((r) => [r.id, r.context, r.eventType, r.reason, r.attempts === null ? "-" : String(r.attempts), r.failedAt ?? "-", r.error.slice(0, 80)]);
  const head = ["ID", "CONTEXT", "EVENT", "REASON", "ATTEMPTS", "FAILED AT", "ERROR"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd() + "\n";
  return line(head) + rows.map(line).join("") + `${records.length} dead letter${records.length === 1 ? "" : "s"}\n`;
}

function showText(r: DeadLetterRecord): string {
  const lines = [
    `id          ${r.id}`,
    `context     ${r.context}`,
    `event       ${r.eventType}${r.eventId ? ` (eventId ${r.eventId})` : ""}`,
    `reason      ${r.reason}`,
    `attempts    ${r.attempts ?? "-"}`,
    `failed at   ${r.failedAt ?? "-"}`,
    `replayed    ${r.replayed}`,
    `error       ${r.error || "-"}`,
    "headers",
    ...Object.entries(r.headers).map(([k, v]) => `  ${k}: ${v}`),
    "body",
    r.body,
  ];
  return lines.join("\n") + "\n";
}
