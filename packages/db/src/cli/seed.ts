// npm run db:seed -- --albums N --ratings M --seed S [--reset] – loads the sample catalogue.
import { parseArgs } from "node:util";
import { BASE_ENV_FIELDS, createLogger, parseConfig, zPostgresUrl } from "@reports/runtime";
import pg from "pg";
import { z } from "zod";
import { DEFAULT_SEED, DEFAULT_SEED_ALBUMS, DEFAULT_SEED_RATINGS, seedCatalogue } from "../seed.ts";

const ZSeedEnv = z.object({ ...BASE_ENV_FIELDS, DATABASE_URL: zPostgresUrl });
const ZSeedArgs = z.object({
  albums: z.coerce.number().int().positive().default(DEFAULT_SEED_ALBUMS),
  ratings: z.coerce.number().int().nonnegative().default(DEFAULT_SEED_RATINGS),
  seed: z.coerce.number().int().nonnegative().default(DEFAULT_SEED),
  reset: z.boolean().default(false),
});

async function main() {
  const env = parseConfig(ZSeedEnv);
  const { values } = parseArgs({
    options: {
      albums: { type: "string" },
      ratings: { type: "string" },
      seed: { type: "string" },
      reset: { type: "boolean" },
    },
    strict: true,
  });
  const parsed = ZSeedArgs.safeParse(values);
  if (!parsed.success) {
    throw new Error(
      `Invalid arguments: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const args = parsed.data;
  const log = createLogger({ name: "db-seed", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2, application_name: "reports-seed" });
  try {
    log.info(args, "seeding sample catalogue");
    const result = await seedCatalogue({
      pool,
      ...args,
      onProgress: ({ table, rows, total, elapsedMs }) => {
        log.info(
          { table, rows, total, elapsedMs },
          `${table}: ${rows.toLocaleString("en")}/${total.toLocaleString("en")}`,
        );
      },
    });
    log.info(
      result,
      `seeded ${result.artists} artists, ${result.albums} albums, ${result.ratings.toLocaleString("en")} ratings ` +
        `in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.ratingsPerSecond.toLocaleString("en")} ratings/s)`,
    );
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
