-- A Failed report's reason is written for its owner (`error`, shown by the API); what actually
-- went wrong (driver and SDK messages, for operators) goes to `error_detail`, never shown to users.
ALTER TABLE "reports" ADD COLUMN "error_detail" TEXT;

-- Reasons written before this column held raw error text: keep it for operators and give the
-- owner a reason of the new kind.
UPDATE "reports"
   SET "error_detail" = "error",
       "error" = 'The report could not be generated. Try again; if it fails again, ask an operator to look up this report''s id.'
 WHERE "status" = 'Failed' AND "error" IS NOT NULL;
