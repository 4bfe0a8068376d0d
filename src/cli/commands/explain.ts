import type { Definer } from "../main.js";
import { withFormatOption, type CommonOptions } from "../options.js";

export function defineExplain({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("explain")
    .argument("<rule>", "a rule id, as diagnostics print it (e.g. event-unconsumed)")
    .description("what a diagnostic's rule checks, why, and how to fix or silence it, with an example")
    .addHelpText("after", "\nExamples:\n  msa explain event-unconsumed\n  msa validate --list-rules     # every rule id\n");
  withFormatOption(cmd);
  cmd.action(async (rule: string, opts: Pick<CommonOptions, "format">) => {
    const { UsageError } = await import("../../core/diagnostics.js");
    const { explanation, EXPLANATIONS } = await import("../../core/explain.js");
    const { RULES } = await import("../../core/rules/index.js");
    const { didYouMean } = await import("../../core/suggest.js");
    const e = explanation(rule);
    if (!e) {
      const known = [...new Set([...Object.keys(EXPLANATIONS), ...RULES.map((r) => r.id)])].sort();
      const guess = didYouMean(rule, known);
      throw new UsageError(`no rule "${rule}"${guess ? `; did you mean "${guess}"?` : ""} (msa validate --list-rules lists them)`);
    }
    const reg = RULES.find((r) => r.id === rule);
    if (opts.format === "json") {
      ctx.stdout(JSON.stringify({ rule, severity: reg?.severity ?? "error", summary: reg?.summary ?? null, ...e }, null, 2) + "\n");
      return setExit(0);
    }
    const out = [`${rule}${reg ? ` (${reg.severity}): ${reg.summary}` : ""}`, "", e.text, ""];
    if (e.bad) out.push("Fails:", ...e.bad.split("\n").map((l) => `    ${l}`), "");
    if (e.good) out.push("Passes:", ...e.good.split("\n").map((l) => `    ${l}`), "");
    if (reg?.severity === "warning") out.push(`Silence or raise it in system.yaml:`, `    lint:`, `      rules:`, `        ${rule}: off      # or: error`, "");
    ctx.stdout(out.join("\n"));
    setExit(0);
  });
}
