import { defineConfig, mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    // tsconfig keeps JSX for Next ("preserve"); tests render components with React's runtime.
    oxc: { jsx: { runtime: "automatic" } },
    test: {
      include: ["src/**/*.test.ts", "src/**/*.test.tsx", "scripts/**/*.test.ts"],
      globalSetup: ["../../packages/db/src/testing/global-setup.ts"],
    },
  }),
);
