-- Retention (the worker's retention loop, apps/worker/src/retention): the reports that name a
-- file. (Files due for removal are found through reports_completed_at_idx, from
-- 20261129232028_admin_console.) Expand-only; a partial index Prisma's schema cannot express.

-- CreateIndex
CREATE INDEX "reports_blob_name_idx" ON "reports"("blob_name") WHERE "blob_name" IS NOT NULL;
