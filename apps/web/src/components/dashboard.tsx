"use client";

import { TRPCReactProvider } from "../trpc/react.tsx";
import { ReportForm } from "./report-form.tsx";
import { ReportList } from "./report-list.tsx";
import { NewSchedule } from "./schedule-form.tsx";
import { ScheduleList } from "./schedule-list.tsx";

/** The signed-in dashboard: the generate form, the report list, then the schedules. */
export function Dashboard({ pollAfterSeconds }: { pollAfterSeconds: number }) {
  return (
    <TRPCReactProvider>
      <section className="card" aria-labelledby="generate-heading">
        <h2 id="generate-heading">Generate a popularity report</h2>
        <ReportForm />
      </section>
      <section className="reports-section" aria-labelledby="reports-heading">
        <h2 id="reports-heading">Your reports</h2>
        <ReportList pollAfterSeconds={pollAfterSeconds} />
      </section>
      <section className="schedules-section" aria-labelledby="schedules-heading">
        <h2 id="schedules-heading">Scheduled exports</h2>
        <ScheduleList />
        <NewSchedule />
      </section>
    </TRPCReactProvider>
  );
}
