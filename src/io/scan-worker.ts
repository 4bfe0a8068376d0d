// A worker thread of the analyze-deps scan. Started early (its start-up overlaps the walk), it waits
// for the scan job, scans those files and posts back the references with each file's index in the job;
// then, when asked, the constant definitions in its half of the files (ScanPool.constants).
import { parentPort } from "node:worker_threads";
import { createMatcher, type MatcherSpec } from "../core/deps/scanner.js";
import { constantDefinitions, scanFiles, type WalkedFile } from "./scan.js";

interface Job {
  spec: MatcherSpec;
  files: WalkedFile[];
  maxBytes: number;
}

interface ConstantsJob {
  kind: "constants";
  names: string[];
  files: WalkedFile[];
  maxBytes: number;
}

parentPort?.on("message", (job: Job | ConstantsJob) => {
  if ("kind" in job) {
    parentPort?.postMessage(constantDefinitions(job.files, job.names, job.maxBytes));
    return;
  }
  const index = new Map(job.files.map((f, i) => [f, i]));
  const { results, stats, problems } = scanFiles(job.files, createMatcher(job.spec), job.maxBytes);
  parentPort?.postMessage({ results: results.map((r) => ({ index: index.get(r.file)!, matches: r.matches })), stats, problems: problems.map((p) => ({ index: index.get(p.file)!, reason: p.reason })) });
});
