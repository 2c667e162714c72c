-- Scheduled exports: a schedule creates one report per occurrence of its recurrence.
-- Expand-only: the previous release neither reads nor writes these, and the two report columns
-- are nullable.

-- CreateEnum
CREATE TYPE "ScheduleStatus" AS ENUM ('Active', 'Paused');

-- CreateTable
CREATE TABLE "report_schedules" (
    "id" UUID NOT NULL,
    "owner_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ReportKind" NOT NULL,
    "parameters" JSONB NOT NULL,
    "recurrence" JSONB NOT NULL,
    "cron" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "status" "ScheduleStatus" NOT NULL DEFAULT 'Active',
    "next_run_at" TIMESTAMPTZ(3),
    "last_run_at" TIMESTAMPTZ(3),
    "last_report_id" UUID,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_schedules_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "reports" ADD COLUMN "schedule_id" UUID,
ADD COLUMN "scheduled_for" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "report_schedules_owner_id_created_at_idx" ON "report_schedules"("owner_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "report_schedules_status_next_run_at_idx" ON "report_schedules"("status", "next_run_at");

-- CreateIndex: one report per schedule and occurrence, however many schedulers run.
CREATE UNIQUE INDEX "reports_schedule_id_scheduled_for_key" ON "reports"("schedule_id", "scheduled_for");

-- AddForeignKey: deleting a schedule keeps the reports it created.
ALTER TABLE "reports" ADD CONSTRAINT "reports_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "report_schedules"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Grants (the apps' roles, migration 20261129222904_app_roles; packages/db/src/app-roles.integration.test.ts
-- holds the same decisions). The web app creates, lists, changes and deletes its users' schedules;
-- the worker's scheduler claims due schedules, moves them on, and inserts each occurrence's report.
GRANT SELECT, INSERT, UPDATE, DELETE ON "report_schedules" TO "reports_web";
GRANT SELECT, UPDATE ON "report_schedules" TO "reports_worker";
GRANT INSERT ON "reports" TO "reports_worker";
