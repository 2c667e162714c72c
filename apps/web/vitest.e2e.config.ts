import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

/**
 * Browser tests: Debian's Chromium driven by playwright-core against the real local stack
 * (PostgreSQL, Azurite, Service Bus emulator, the built web app and the worker), which the
 * global setup starts once per run in a temporary folder and stops afterwards. Spread
 * rather than mergeConfig, which would concatenate the unit tests' `include`.
 */
export default defineConfig({
  test: {
    ...sharedTestConfig.test,
    include: ["e2e/**/*.e2e.test.ts"],
    globalSetup: ["e2e/global-setup.ts"],
    testTimeout: 120_000,
    // Building the web app on a cold cache is part of the stack's start.
    hookTimeout: 600_000,
    outputFile: { json: "test-results/vitest-e2e.json" },
  },
});
