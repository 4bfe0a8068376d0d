import type { Definer } from "../main.js";
import { intOption, withFileOption, withFormatOption } from "../options.js";

export interface DocsOptions {
  file?: string;
  out?: string;
  deps?: string;
  check?: boolean;
  serve?: boolean;
  port: number;
  open?: boolean;
  format: "text" | "json";
}

export const DEFAULT_DOCS_PORT = 4180;

export function defineDocs({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("docs")
    .description("a browsable architecture site: the context map, every context and event (schemas, versions, compatibility), sagas and gateway routes — static, offline, from system.yaml")
    .option("--out <dir>", "where to write the site (default: docs/site beside system.yaml)")
    .option("--deps <file>", "an `msa analyze-deps --format json` report: undeclared and unused dependencies are marked on the map and the pages")
    .option("--check", "write nothing; exit 1 when the site on disk is not what msa docs would write (for CI)")
    .option("--serve", "then serve the system's folder on http://127.0.0.1:PORT until Ctrl-C (the site's links to generated files work there too)")
    .option("--port <n>", "the port for --serve", intOption("port", 1, 65535), DEFAULT_DOCS_PORT)
    .option("--open", "open the site in the default browser")
    .addHelpText(
      "after",
      "\nExamples:\n  msa docs                                   # writes docs/site/; open docs/site/index.html\n  msa analyze-deps --format json > deps.json && msa docs --deps deps.json\n  msa docs --serve --open                    # http://127.0.0.1:4180/docs/site/\n  msa docs --out public/architecture\n  msa docs --check                           # CI: is the committed site up to date?\n",
    );
  withFileOption(cmd);
  withFormatOption(cmd);
  cmd.action(async (opts: DocsOptions) => {
    const { runDocs } = await import("./docs-run.js");
    setExit(await runDocs(opts, ctx));
  });
}
