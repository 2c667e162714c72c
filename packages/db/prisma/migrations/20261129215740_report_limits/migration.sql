-- Per-user limits on report requests (issue 12; README, "Limits").

-- The request rate limit's counters: rate-limiter-flexible's Postgres store, one row per user
-- and window (`points` spent, `expire` in epoch milliseconds). Created here rather than by the
-- library so the web role needs no DDL right; `key` is text (the library's own DDL says
-- varchar(255), too short for a 255-character user id with its prefix).
CREATE TABLE "report_request_limits" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "report_request_limits_pkey" PRIMARY KEY ("key")
);

-- Hand-added (Prisma's schema language has no partial index): the accepting transaction counts
-- a user's Pending and Processing reports; this keeps that count to the few active rows.
CREATE INDEX "reports_owner_id_active_idx" ON "reports" ("owner_id") WHERE "status" IN ('Pending', 'Processing');
