import type { Metadata } from "next";
import { HistoryCharts } from "../../components/admin/history-charts.tsx";
import { PipelineNow } from "../../components/admin/pipeline-now.tsx";
import { requireOperator } from "./operator.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Pipeline" };

export default async function AdminPipelinePage() {
  await requireOperator();
  return (
    <>
      <h1>Pipeline</h1>
      <PipelineNow />
      <HistoryCharts />
    </>
  );
}
