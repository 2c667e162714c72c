import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { AppHeader } from "../../components/app-header.tsx";
import { TRPCReactProvider } from "../../trpc/react.tsx";
import { getCurrentUser } from "../api/session/current-user.ts";
import "../../components/dashboard.css";
import "../../components/admin/admin.css";

export const metadata: Metadata = {
  title: { default: "Operator console", template: "%s · Operator console" },
};

/** The console's frame; each page checks the admin role itself (requireOperator). */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  return (
    <>
      <AppHeader userId={user?.userId} admin={user?.admin} />
      <main className="admin">
        <nav className="admin-nav" aria-label="Operator console">
          <Link href="/admin">Pipeline</Link>
          <Link href="/admin/reports">Reports</Link>
          <Link href="/admin/dead-letters">Dead letters</Link>
          <Link href="/">My reports</Link>
        </nav>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </main>
    </>
  );
}
