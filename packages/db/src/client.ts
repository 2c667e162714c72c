import { PrismaPg } from "@prisma/adapter-pg";
import { idempotentClose } from "@reports/runtime";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export interface CreateDbOptions {
  /** postgres:// connection URL. */
  url: string;
  /** Upper bound on connections for each of the two pools (Prisma's and the raw one). */
  maxConnections?: number;
  /** Supplies the password per new connection (e.g. an Entra ID token in Azure). */
  password?: () => Promise<string>;
  /** application_name reported to PostgreSQL, handy in pg_stat_activity. */
  applicationName?: string;
}

export interface Db {
  /** Prisma client on @prisma/adapter-pg (no native query engine). */
  prisma: PrismaClient;
  /**
   * Plain `pg` pool for what Prisma cannot express: FOR UPDATE SKIP LOCKED,
   * LISTEN/NOTIFY, COPY, cursors.
   */
  pool: pg.Pool;
  /** Closes both pools; idempotent. */
  close(): Promise<void>;
}

function poolConfig(options: CreateDbOptions): pg.PoolConfig {
  return {
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName,
    ...(options.password ? { password: options.password } : {}),
  };
}

/** Builds the database handle a process uses for its whole life. */
export function createDb(options: CreateDbOptions): Db {
  const pool = new pg.Pool(poolConfig(options));
  // An idle client erroring (server restart, network blip) must not crash the process;
  // the next query gets a fresh connection.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(poolConfig(options)) });
  return {
    prisma,
    pool,
    close: idempotentClose(async () => {
      await Promise.all([prisma.$disconnect(), pool.end()]);
    }),
  };
}
