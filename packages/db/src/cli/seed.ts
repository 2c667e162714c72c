// npm run db:seed -- --albums N --ratings M --seed S [--reset] – loads the sample catalogue.
import { parseArgs } from "node:util";
import { createLogger } from "@reports/runtime";
import pg from "pg";
import { z } from "zod";
import { DEFAULT_SEED, DEFAULT_SEED_ALBUMS, DEFAULT_SEED_RATINGS, seedCatalogue } from "../seed.ts";
import { loadDatabaseScriptEnv } from "./script-env.ts";

const USAGE = `usage: npm run db:seed -- [--albums N] [--ratings M] [--seed S] [--reset]

Loads a deterministic sample catalogue (the same options give the same rows) into
DATABASE_URL, else into the database of the local stack in LOCAL_STATE_DIR (default .local).

  --albums N    albums (default ${DEFAULT_SEED_ALBUMS.toLocaleString("en")})
  --ratings M   ratings (default ${DEFAULT_SEED_RATINGS.toLocaleString("en")})
  --seed S      random seed (default ${DEFAULT_SEED})
  --reset       replace a catalogue that is already there (npm start seeds one on first start)
  -h, --help    this text
`;
const ZSeedArgs = z.object({
  albums: z.coerce.number().int().positive().default(DEFAULT_SEED_ALBUMS),
  ratings: z.coerce.number().int().nonnegative().default(DEFAULT_SEED_RATINGS),
  seed: z.coerce.number().int().nonnegative().default(DEFAULT_SEED),
  reset: z.boolean().default(false),
});

async function main() {
  const { values } = parseArgs({
    options: {
      albums: { type: "string" },
      ratings: { type: "string" },
      seed: { type: "string" },
      reset: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { help: _help, ...options } = values;
  const parsed = ZSeedArgs.safeParse(options);
  if (!parsed.success) {
    throw new Error(
      `Invalid arguments: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const args = parsed.data;
  const env = await loadDatabaseScriptEnv();
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
  const code = (error as { code?: string }).code;
  if (code?.startsWith("ERR_PARSE_ARGS") || (error as Error).message?.startsWith("Invalid arguments")) {
    console.error(`\n${USAGE}`);
  }
  process.exitCode = 1;
});
