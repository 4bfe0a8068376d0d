// A worker thread of the analyze-deps scan. Started early (its start-up overlaps the walk), it waits
// for a job, takes chunks of its files from the counter it shares with the main thread (ScanPool), and
// posts back what it found by each file's index: the references (a scan), or the constant definitions.
import { parentPort } from "node:worker_threads";
import type { MatcherSpec } from "../core/deps/scanner.js";
import { constantsShared, scanShared, splitPaths } from "./scan.js";

interface Job {
  kind: "scan";
  spec: MatcherSpec;
  /** The files' paths, joined (joinPaths). */
  abs: string;
  maxBytes: number;
  counter: SharedArrayBuffer;
}

interface ConstantsJob {
  kind: "constants";
  names: string[];
  /** The files' paths, joined (joinPaths). */
  abs: string;
  maxBytes: number;
  counter: SharedArrayBuffer;
}

parentPort?.on("message", (job: Job | ConstantsJob) => {
  if (job.kind === "constants") parentPort?.postMessage(constantsShared(splitPaths(job.abs), job.names, job.maxBytes, job.counter));
  else parentPort?.postMessage(scanShared(splitPaths(job.abs), job.spec, job.maxBytes, job.counter));
});
