// npm run token -- --user alice [--ttl 12h]
// Prints a development bearer token for the local stack on its last line.
import { parseArgs } from "node:util";
import { DEVELOPMENT_TOKEN_TTL, signDevelopmentToken } from "@reports/api";
import { ConfigError, parseConfig } from "@reports/runtime";
import { z } from "zod";
import { localStackEnvFile, readScriptEnv } from "./local-env.ts";

const ZTokenEnv = z
  .object({
    APP_ENV: z.enum(["development", "production"]).default("production"),
    AUTH_MODE: z.enum(["development", "oidc"]).default("development"),
    AUTH_DEV_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  })
  .superRefine((env, ctx) => {
    if (env.APP_ENV === "production" || env.AUTH_MODE !== "development") {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_MODE"],
        message:
          "development tokens exist only in development mode (APP_ENV=development and AUTH_MODE=development, as in the local stack's stack.env)",
      });
    }
    if (!env.AUTH_DEV_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_DEV_SECRET"],
        message: `not set and not found in ${localStackEnvFile()}; start the local stack (npm start) first`,
      });
    }
  });

async function main() {
  const { values } = parseArgs({
    options: {
      user: { type: "string", short: "u" },
      ttl: { type: "string", default: DEVELOPMENT_TOKEN_TTL },
    },
  });
  if (!values.user || values.user.trim() === "") {
    process.stderr.write("usage: npm run token -- --user <id> [--ttl 12h]\n");
    process.exit(2);
  }
  const env = parseConfig(ZTokenEnv, readScriptEnv());
  const token = await signDevelopmentToken(env.AUTH_DEV_SECRET!, values.user.trim(), values.ttl);
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
});
