import type { AuthUser } from "@reports/api";
import { headers } from "next/headers";
import { readSessionToken } from "../../../lib/session.ts";
import { getDeps } from "../../../server/deps.ts";
import { getWebEnv } from "../../../server/env.ts";

/** The session token a request carries (see readSessionToken: the bare name in development only). */
export function sessionTokenOf(cookieHeader: string | null): string | null {
  return readSessionToken(cookieHeader, { acceptInsecure: getWebEnv().APP_ENV === "development" });
}

/**
 * The signed-in user of a server component, from the session cookie, or null when there
 * is none or its token no longer verifies (expired, secret rotated).
 */
export async function getCurrentUser(): Promise<AuthUser | null> {
  const token = sessionTokenOf((await headers()).get("cookie"));
  if (!token) return null;
  try {
    return await getDeps().auth.verifyToken(token);
  } catch {
    return null;
  }
}
