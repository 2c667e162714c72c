import type { Metadata } from "next";
import { ReportSearch } from "../../../components/admin/report-search.tsx";
import { requireOperator } from "../operator.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reports" };

export default async function AdminReportsPage() {
  await requireOperator();
  return (
    <>
      <h1>Reports of every user</h1>
      <ReportSearch />
    </>
  );
}
