import { ACTIVE_REPORT_STATUSES } from "@reports/contracts";
import type { Db, Prisma } from "@reports/db";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";

/** The per-user limits on report requests (web configuration; README, "Limits"). */
export interface ReportLimitsConfig {
  /** Reports one user may have Pending or Processing at once; one more is a 429. */
  maxActivePerUser: number;
  /** Report requests one user may make per minute (idempotent replays are not counted). */
  requestsPerMinute: number;
}

/** The table the request rate limit counts in (created by a migration, not by the library). */
export const REPORT_REQUEST_LIMITS_TABLE = "report_request_limits";

/**
 * How long a user at their active-report limit is asked to wait: about one export of the
 * sample catalogue. A client watching its own reports learns sooner when one finishes.
 */
export const ACTIVE_LIMIT_RETRY_AFTER_SECONDS = 10;

export interface ReportLimiter {
  readonly config: ReportLimitsConfig;
  /** Spends one of the user's report requests of the current minute; 429 once they are spent. */
  consumeRequest(userId: string): Promise<void>;
}

/**
 * The request rate limit, counted in PostgreSQL so that every web instance shares it:
 * rate-limiter-flexible's Postgres store, one atomic `INSERT ... ON CONFLICT DO UPDATE` per
 * request (a fixed one-minute window per user). Its table comes from a migration
 * (`tableCreated`), so the web role needs no DDL right; expired rows are deleted by the
 * library every few minutes.
 */
export function createReportLimiter(db: Db, config: ReportLimitsConfig): ReportLimiter {
  const limiter = new RateLimiterPostgres({
    storeClient: db.pool,
    storeType: "pool",
    tableName: REPORT_REQUEST_LIMITS_TABLE,
    tableCreated: true,
    keyPrefix: "report-requests",
    points: config.requestsPerMinute,
    duration: 60,
  });
  return {
    config,
    async consumeRequest(userId) {
      try {
        await limiter.consume(userId);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new AppError(
          "TOO_MANY_REQUESTS",
          `You have requested ${config.requestsPerMinute} reports in the last minute; try again in ${retryAfterSeconds} s.`,
          { retryAfterSeconds },
        );
      }
    },
  };
}

/**
 * Refuses a new report while the user has `maxActive` reports Pending or Processing. Runs in
 * the accepting transaction, after a per-user advisory lock: two requests of the same user,
 * on any web instances, are counted one after the other, so the limit holds exactly. (A
 * partial index on the active reports keeps the count cheap.)
 */
export async function ensureActiveCapacity(
  tx: Prisma.TransactionClient,
  ownerId: string,
  maxActive: number,
): Promise<void> {
  // pg_advisory_xact_lock returns void, which Prisma's $queryRaw cannot read: $executeRaw.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`reports.accept:${ownerId}`}, 0))`;
  const active = await tx.report.count({
    where: { ownerId, status: { in: [...ACTIVE_REPORT_STATUSES] } },
  });
  if (active >= maxActive) {
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `You have ${active} reports running; try again when one finishes.`,
      { retryAfterSeconds: ACTIVE_LIMIT_RETRY_AFTER_SECONDS },
    );
  }
}
