// npm run token -- --user alice [--ttl 12h]
// Prints a development bearer token for the local stack on its last line.
import { parseArgs } from "node:util";
import { DEVELOPMENT_TOKEN_TTL, signDevelopmentToken } from "@reports/api";
import { USER_NAME_RULE, ZDevelopmentUserName } from "@reports/contracts";
import { ConfigError, parseConfig } from "@reports/runtime";
import { readScriptEnv } from "@reports/runtime/local-stack";
import { z } from "zod";

const USAGE = `usage: npm run -s token -- --user <name> [--ttl <span>]

Prints a development bearer token for the local stack on its last line, signed with the
secret of the stack in LOCAL_STATE_DIR (default .local), as the sign-in form would.

  -u, --user <name>  the user the token is for (${USER_NAME_RULE})
      --ttl <span>   lifetime, e.g. 30m, 12h, 7d (default ${DEVELOPMENT_TOKEN_TTL})
  -h, --help         this text

Example: TOKEN=$(npm run -s token -- --user alice | tail -n 1)
`;

function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        user: { type: "string", short: "u" },
        ttl: { type: "string", default: DEVELOPMENT_TOKEN_TTL },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    // An unknown option, a missing value: say so in words, with the usage.
    return usageError((err as Error).message);
  }
}

function buildTokenEnv(file: string) {
  return z
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
          message: `not set and not found in ${file}; start the local stack (npm start) first`,
        });
      }
    });
}

async function main() {
  const values = readArgs();
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.user === undefined) usageError("--user is required");
  const user = ZDevelopmentUserName.safeParse(values.user);
  if (!user.success) usageError(`--user ${JSON.stringify(values.user)}: ${user.error.issues[0]?.message}`);
  const { env, file } = await readScriptEnv();
  const config = parseConfig(buildTokenEnv(file), env);
  const token = await signDevelopmentToken(config.AUTH_DEV_SECRET!, user.data, values.ttl);
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
});
