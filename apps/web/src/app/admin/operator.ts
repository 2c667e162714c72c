import type { AuthUser } from "@reports/api";
import { forbidden, redirect } from "next/navigation";
import { getCurrentUser } from "../api/session/current-user.ts";

/**
 * Every console page calls this first: no session, the sign-in page; a session without the
 * admin role, 403 (app/forbidden.tsx). The procedures the page calls check it again.
 */
export async function requireOperator(): Promise<AuthUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/signin");
  if (!user.admin) forbidden();
  return user;
}
