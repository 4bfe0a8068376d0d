import type { Definer } from "../main.js";
import { intOption, withFileOption } from "../options.js";

export interface DevOptionsCli {
  file?: string;
  only?: string;
  gateway: boolean;
  portOffset?: number;
  python?: string;
  waitInfra: number;
  readyTimeout: number;
}

export function defineDev({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("dev")
    .description(
      "run the whole system on this machine: checks the broker and databases (prints the docker compose command for what is missing), creates databases, installs dependencies, starts every context and the node gateway with watch-and-reload, and serves a dashboard — Ctrl-C stops everything",
    )
    .option("--only <contexts>", "run only these contexts (comma-separated)")
    .option("--no-gateway", "do not start the node gateway")
    .option("--port-offset <n>", "add N to every port msa dev listens on (services, gateway, dashboard; default dev.portOffset or 0)", intOption("port-offset", 0, 50000))
    .option("--python <path>", "the python interpreter for python-flask contexts (default $MSA_DEV_PYTHON or python3)")
    .option("--wait-infra <seconds>", "how long to wait for missing infrastructure before giving up (exit 1)", intOption("wait-infra", 0, 86400), 300)
    .option("--ready-timeout <seconds>", "how long to wait for every /ready before printing what is not ready", intOption("ready-timeout", 1, 3600), 180)
    .addHelpText(
      "after",
      "\nExamples:\n  msa dev                                   # everything; dashboard on http://127.0.0.1:4190\n  msa dev --only orders,payments --no-gateway\n  msa dev --port-offset 100                 # a second copy beside the first\n  msa dev --python /usr/bin/python3\n\nBroker and database URLs: the local defaults (the compose infrastructure on 127.0.0.1), `dev:` in system.yaml, or a .env beside it\n(BROKER_URL, <CONTEXT>_DATABASE_URL, OTEL_EXPORTER_OTLP_ENDPOINT, JWT_SECRET). docs/dev.md tells more.\n",
    );
  withFileOption(cmd);
  cmd.action(async (opts: DevOptionsCli) => {
    const { runDev } = await import("./dev-run.js");
    setExit(await runDev(opts, ctx));
  });
}
