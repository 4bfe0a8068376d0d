// The version of msa-cli that is running: generated root package.json files pin it as a devDependency.
import { createRequire } from "node:module";

export const MSA_VERSION: string = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
