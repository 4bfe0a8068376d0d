import { Option } from "commander";
import { UsageError } from "../../core/diagnostics.js";
import { DEFAULT_ROLLOUT_TIMEOUT } from "../../core/vocabulary.js";
import type { Definer } from "../main.js";
import { collect, withFileOption } from "../options.js";

interface DeployFlags {
  file?: string;
  env?: "dev" | "staging" | "prod";
  serviceName?: string[];
  imageTag?: string;
  registry?: string;
  namespace?: string;
  k8sManifest?: string;
  skipBuild?: boolean;
  skipPush?: boolean;
  timeout: string;
  dryRun?: boolean;
  rollbackOnFailure?: boolean;
  abort?: boolean;
  rollback?: boolean;
  prometheusUrl?: string;
  format: "text" | "json";
  /** The old name of --format (hidden alias). */
  output?: "text" | "json";
}

export function defineDeploy({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("deploy")
    .description("build and push the images, apply the environment's manifests and wait for the rollout")
    .addOption(new Option("--env <env>", "target environment: renders k8s/overlays/<env> (default dev with --k8s-manifest)").choices(["dev", "staging", "prod"]))
    .option("--service-name <name>", "deploy only this service (repeatable; default: every service)", collect)
    .option("--image-tag <tag>", "image tag (default: the short git commit, with -dirty for uncommitted changes; latest is refused for staging and prod)")
    .option("--registry <registry>", "push to <registry>/<system>/<service> (default: system.yaml's registry)")
    .option("--namespace <namespace>", "Kubernetes namespace (default: the manifests', else system.yaml's)")
    .option("--k8s-manifest <file>", "apply this manifest instead of the overlay (images still set by kustomize)")
    .option("--skip-build", "do not build images")
    .option("--skip-push", "do not push images")
    .option("--timeout <duration>", "how long to wait for each rollout", DEFAULT_ROLLOUT_TIMEOUT)
    .option("--rollback-on-failure", "run kubectl rollout undo on a workload that failed to roll out")
    .option("--abort", "stop a canary: every selected canary's traffic back on stable (100 %); builds and applies nothing")
    .option("--rollback", "go back: blue-green switches the Service to the previous colour, canary and rolling undo the Deployment")
    .option("--prometheus-url <url>", "Prometheus the canary analyses query (default http://prometheus.istio-system:9090)")
    .option("--dry-run", "run nothing that changes anything: print each command and the rendered manifests")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--output <format>", "old name of --format").choices(["text", "json"]).hideHelp())
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  msa deploy --env staging --dry-run",
        "  msa deploy --env prod --image-tag v1.4.2 --registry ghcr.io/acme --rollback-on-failure",
        "  msa deploy --env prod --service-name orders --abort          # canary traffic back on stable",
        "  msa deploy --env prod --service-name users --rollback        # blue-green: switch back",
        "  msa deploy --service-name orders --image-tag v1.0.0 --registry myregistry.com/myorg \\",
        "    --k8s-manifest k8s/orders.yaml --namespace production",
        "",
      ].join("\n"),
    );
  withFileOption(cmd);
  cmd.action(async (flags: DeployFlags) => {
    if (!flags.env && !flags.k8sManifest) throw new UsageError("deploy needs --env dev|staging|prod (or --k8s-manifest FILE, which defaults to dev)");
    if (flags.abort && flags.rollback) throw new UsageError("--abort and --rollback exclude each other: --abort stops a canary, --rollback goes back to the previous version");
    const undo = !!(flags.abort || flags.rollback);
    if (flags.prometheusUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(flags.prometheusUrl)) throw new UsageError(`--prometheus-url must be an http(s) URL, not ${JSON.stringify(flags.prometheusUrl)}`);
    const { runDeploy } = await import("./deploy-run.js");
    const result = await runDeploy(ctx, {
      file: flags.file,
      env: flags.env ?? "dev",
      services: flags.serviceName ?? [],
      // --abort / --rollback build and push nothing; the tag only labels the render they read the VirtualService from
      imageTag: flags.imageTag ?? (undo ? "undo" : undefined),
      registry: flags.registry,
      namespace: flags.namespace,
      k8sManifest: flags.k8sManifest,
      skipBuild: undo || !!flags.skipBuild,
      skipPush: undo || !!flags.skipPush,
      mode: flags.abort ? "abort" : flags.rollback ? "rollback" : "deploy",
      prometheusUrl: flags.prometheusUrl,
      timeout: flags.timeout,
      rollbackOnFailure: !!flags.rollbackOnFailure,
      dryRun: !!flags.dryRun,
      output: flags.output ?? flags.format,
    });
    setExit(result.exitCode);
  });
}
