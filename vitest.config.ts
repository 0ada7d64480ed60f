import { defineConfig } from "vitest/config";

// Inside the repo the SDK package (@credit-sandbox/sdk, an npm workspace) resolves to its
// TypeScript sources through this export condition, so tests need no SDK build; the rest are
// Vite's default server conditions.
const SERVER_CONDITIONS = ["credit-sandbox-source", "module", "node", "development|production"];

// One PGlite database per test file: files run in separate forks, tests inside a file in order.
export default defineConfig({
  ssr: { resolve: { conditions: SERVER_CONDITIONS } },
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
