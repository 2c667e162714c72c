import { defineConfig } from "vitest/config";

/**
 * The one Vitest configuration every package extends. Integration tests start real
 * PostgreSQL / Azurite / Service Bus emulator processes, so timeouts are generous and
 * files run one at a time per package on this 2-core budget.
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // The JSON report lets .ci/run print one "N passed, N failed" line for the whole repo.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
