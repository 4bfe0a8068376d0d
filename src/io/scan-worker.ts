// A worker thread of the analyze-deps scan: scans the files it is given and posts back the references.
import { parentPort, workerData } from "node:worker_threads";
import { createMatcher, type MatcherSpec } from "../core/deps/scanner.js";
import { scanFiles, type WalkedFile } from "./scan.js";

interface Job {
  spec: MatcherSpec;
  files: WalkedFile[];
  maxBytes: number;
}

const job = workerData as Job;
const { results, stats } = scanFiles(job.files, createMatcher(job.spec), job.maxBytes);
parentPort?.postMessage({ results: results.map((r) => ({ rel: r.file.rel, root: r.file.root, matches: r.matches })), stats });
