import type { Metadata } from "next";
import { ReportStory } from "../../../../components/admin/report-story.tsx";
import { requireOperator } from "../../operator.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Report story" };

export default async function AdminReportStoryPage({ params }: { params: Promise<{ reportId: string }> }) {
  await requireOperator();
  const { reportId } = await params;
  return <ReportStory reportId={reportId} />;
}
