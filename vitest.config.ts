import { defineConfig } from "vitest/config";

// One PGlite database per test file: files run in separate forks, tests inside a file in order.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "sdk/**/*.test.ts"],
    pool: "forks",
    // vitest defaults to one worker fewer than the cores (1 on this 2-core machine); the main
    // process only collects results, so both cores run test files.
    maxWorkers: 2,
    globalSetup: ["test/support/pglite-template.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
