"use client";

import { TRPCReactProvider } from "../trpc/react.tsx";
import { ReportForm } from "./report-form.tsx";
import { ReportList } from "./report-list.tsx";

/** The signed-in dashboard: the generate form above the report list. */
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
    </TRPCReactProvider>
  );
}
