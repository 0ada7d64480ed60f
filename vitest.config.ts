import { defineConfig } from "vitest/config";

// One PGlite database per test file: files run in separate forks, tests inside a file in order.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "sdk/**/*.test.ts"],
    pool: "forks",
    globalSetup: ["test/support/pglite-template.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
