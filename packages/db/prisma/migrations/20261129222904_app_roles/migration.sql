-- Per-table privileges of the two apps (issue 12): NOLOGIN group roles that the apps' login
-- roles are made members of, by the local stack (packages/local-stack) and in Azure by
-- infra/scripts/database-access.mjs (the apps' Entra identities). Neither may change the
-- schema, the migrations table or the catalogue; each has what it uses and no more.
-- packages/db/src/app-roles.integration.test.ts holds the same table, table by table: a new
-- table gets its grants here (in its own migration) and there.

-- Roles are cluster-wide: another database on the same server may have created them already
-- (several test databases migrate at once), hence the guarded creation.
DO $$
BEGIN
  CREATE ROLE "reports_web" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
  CREATE ROLE "reports_worker" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO "reports_web", "reports_worker";

-- Web: accepts requests (report + outbox row), reads and cancels the caller's reports, counts
-- the request rate limit (rate-limiter-flexible deletes expired rows), lists the genres.
GRANT SELECT, INSERT, UPDATE ON "reports" TO "reports_web";
-- (SELECT of the id alone: Prisma's INSERT ... RETURNING "id" needs it, and the web app reads
-- nothing else of the outbox.)
GRANT INSERT, SELECT ("id") ON "outbox_messages" TO "reports_web";
GRANT SELECT, INSERT, UPDATE, DELETE ON "report_request_limits" TO "reports_web";
GRANT SELECT ON "albums" TO "reports_web";

-- Worker: reads the catalogue for the export, moves reports through their lifecycle, relays
-- the outbox (claims and marks rows) and adds a row when it sets an export aside.
GRANT SELECT ON "artists", "albums", "ratings" TO "reports_worker";
GRANT SELECT, UPDATE ON "reports" TO "reports_worker";
GRANT SELECT, INSERT, UPDATE ON "outbox_messages" TO "reports_worker";
