import type { AuthUser } from "@reports/api";
import { cookies } from "next/headers";
import { SESSION_COOKIE } from "../../../lib/session.ts";
import { getDeps } from "../../../server/deps.ts";

/**
 * The signed-in user of a server component, from the session cookie, or null when there
 * is none or its token no longer verifies (expired, secret rotated).
 */
export async function getCurrentUser(): Promise<AuthUser | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return null;
  try {
    return await getDeps().auth.verifyToken(token);
  } catch {
    return null;
  }
}
