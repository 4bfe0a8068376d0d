import { defineConfig } from "vitest/config";

// e2e: generated systems run as real processes against the loopback brokers. Files run one at a time
// (the machine is small and the tests start processes); dependencies are installed once (harness.ts).
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default"],
  },
});
