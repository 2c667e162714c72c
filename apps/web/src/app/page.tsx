import { REPORT_POLL_AFTER_SECONDS } from "@reports/api";
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AppHeader } from "../components/app-header.tsx";
import { Dashboard } from "../components/dashboard.tsx";
import { getCurrentUser } from "./api/session/current-user.ts";
import "../components/dashboard.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/signin");
  return (
    <>
      <AppHeader userId={user.userId} admin={user.admin} />
      <main className="dashboard">
        <h1 className="visually-hidden">Report exports dashboard</h1>
        {/* The client polls at the pace the REST API advertises in Retry-After. */}
        <Dashboard pollAfterSeconds={REPORT_POLL_AFTER_SECONDS} />
        <footer className="page-footer muted">
          <Link href="/docs">API documentation</Link> · <a href="/openapi.json">OpenAPI 3.1</a> ·{" "}
          <a href="/healthz">Health</a>
        </footer>
      </main>
    </>
  );
}
