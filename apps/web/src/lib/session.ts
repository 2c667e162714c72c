/** Name of the dashboard's session cookie (httpOnly; holds the bearer token the API verifies). */
export const SESSION_COOKIE = "reports_session";

/** The session lasts as long as a development token (12 h). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** The session token from a `Cookie` request header, or null. */
export function readSessionToken(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const index = part.indexOf("=");
    if (index === -1) continue;
    if (part.slice(0, index).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(index + 1).trim();
    try {
      return value ? decodeURIComponent(value) : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** A `Set-Cookie` value for the session (or, with `token` null, one that clears it). */
export function serializeSessionCookie(token: string | null, options: { secure: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${token ? encodeURIComponent(token) : ""}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${token ? SESSION_MAX_AGE_SECONDS : 0}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
