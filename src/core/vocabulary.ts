// The words of system.yaml and the commands' defaults, in one module with no imports: the model and
// the command definitions (which must stay light for `msa --help`) both read them from here.

export const RUNTIMES = ["node-express", "python-flask"] as const;
export const BROKERS = ["rabbitmq", "nats", "kafka", "memory"] as const;
export const GATEWAYS = ["kong", "node", "none"] as const;
export const DATABASE_ENGINES = ["postgres", "mysql", "mongodb", "redis"] as const;
/** `ci:` of system.yaml: the pipelines generate writes (docs/ci.md). */
export const CI_PROVIDERS = ["github", "gitlab", "none"] as const;

/** Bundled examples under examples/ that `msa init --example` starts from. */
export const EXAMPLES = ["shop", "minimal"] as const;

/** `msa analyze-deps --max-callees`: more synchronous callees than this is "chatty". */
export const DEFAULT_MAX_CALLEES = 5;
/** `msa deploy --timeout`: how long to wait for each rollout. */
export const DEFAULT_ROLLOUT_TIMEOUT = "5m";
