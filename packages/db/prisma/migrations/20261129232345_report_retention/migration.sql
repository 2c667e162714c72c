-- Retention (the worker's retention loop, apps/worker/src/retention): files whose first report
-- completed long enough ago, and the reports that name a file. Expand-only.

-- CreateIndex
CREATE INDEX "reports_completed_at_idx" ON "reports"("completed_at") WHERE "status" = 'Completed';

-- CreateIndex
CREATE INDEX "reports_blob_name_idx" ON "reports"("blob_name") WHERE "blob_name" IS NOT NULL;
