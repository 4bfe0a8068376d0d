import { Option } from "commander";
import { DEFAULT_MAX_CALLEES } from "../../core/vocabulary.js";
import type { Definer } from "../main.js";
import { collect, intOption, withFileOption } from "../options.js";

export interface AnalyzeDepsOptions {
  file?: string;
  servicePrefix: string[];
  /** Folders (globs) that each hold one service, named by the folder: apps/* (without a system.yaml). */
  services: string[];
  exclude: string[];
  /** The old name of --format, kept as a hidden alias (scripts written for the first release). */
  outputFormat?: "text" | "json" | "mermaid" | "dot";
  format: "text" | "json" | "mermaid" | "dot";
  failOn: string;
  maxCallees: number;
  dryRun?: boolean;
  allFiles?: boolean;
  /** Also scan vendored third-party folders (node_modules, vendor, .venv, site-packages, dist…). */
  includeVendored?: boolean;
}

export function defineAnalyzeDeps({ program, ctx, setExit }: Definer): void {
  const formats = ["text", "json", "mermaid", "dot"];
  const cmd = program
    .command("analyze-deps")
    .argument("[paths...]", "files or folders to scan (default: services/ and gateway/ next to system.yaml)")
    .description("the dependency graph: declared in system.yaml and discovered in code; reports undeclared and unused dependencies, cycles, long chains, chatty services")
    .option("--service-prefix <prefix>", "also count references starting with PREFIX, e.g. http://user-service (names the service user-service; repeatable)", collect, [])
    .option("--services <glob>", "without a system.yaml: folders that each hold one service, named by the folder, e.g. 'apps/*' (repeatable; default: detected from docker-compose build contexts and package.json workspaces)", collect, [])
    .option("--exclude <glob>", "leave out matching files or folders (repeatable; .git always)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(formats).default("text"))
    .addOption(new Option("--output-format <format>", "old name of --format").choices(formats).hideHelp())
    .option("--fail-on <rules>", "exit 1 when a finding of these kinds exists: errors, warnings, none, or rules (undeclared,unused,cycle,chain,chatty,no-consumer)", "errors")
    .option("--max-callees <n>", "a context calling more contexts than this synchronously is chatty", intOption("max-callees", 0, 1000), DEFAULT_MAX_CALLEES)
    .option("--all-files", "also scan tests (test/, *.test.*, *.spec.*, test_*.py) and Markdown, skipped by default")
    .option("--include-vendored", "also scan third-party folders (node_modules, vendor, bower_components, .venv, site-packages, dist, and folders holding .package-lock.json or pyvenv.cfg), skipped by default and listed")
    .option("--dry-run", "list the files that would be scanned and stop")
    .addHelpText("after", "\nExamples:\n  msa analyze-deps\n  msa analyze-deps ./services --service-prefix 'http://user-service' --service-prefix 'http://product-service'\n  msa analyze-deps . --exclude 'legacy/*' --format json\n  msa analyze-deps --format mermaid > deps.mmd\n  msa analyze-deps ./src --dry-run\n  msa analyze-deps . --include-vendored   # node_modules, vendor/… too\n  msa analyze-deps . --services 'apps/*' --services 'libs/*'\n");
  withFileOption(cmd);
  cmd.action(async (paths: string[], opts: AnalyzeDepsOptions) => {
    const { runAnalyzeDeps } = await import("./analyze-deps-run.js");
    setExit(await runAnalyzeDeps(paths, opts, ctx));
  });
}
