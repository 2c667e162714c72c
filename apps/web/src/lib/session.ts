/**
 * The dashboard's session cookie (httpOnly; holds the bearer token the API verifies) over
 * plain http, i.e. the local stack; wherever it is Secure its name is `__Host-reports_session`.
 */
export const SESSION_COOKIE = "reports_session";

/** The session lasts as long as a development token (12 h). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/**
 * `__Host-<name>` whenever the cookie is Secure: browsers accept that prefix only on a Secure,
 * Path=/ cookie set without Domain by this very host, so no other site, not even a sibling
 * on a shared parent domain (`*.azurecontainerapps.io` is not on the Public Suffix List), can
 * plant or overwrite it. Browsers refuse the prefix on a cookie that is not Secure, so plain
 * http (APP_ENV=development on the local stack) keeps the bare name.
 */
export function hostCookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}

/** The session cookie's name, by whether it is Secure. */
export function sessionCookieName(secure: boolean): string {
  return hostCookieName(SESSION_COOKIE, secure);
}

/**
 * The session token from a `Cookie` request header, or null. Only the `__Host-` cookie
 * counts, except in development (`acceptInsecure`), whose http sessions have the bare name:
 * in production a bare `reports_session` can only be a cookie some other site planted.
 */
export function readSessionToken(
  cookieHeader: string | null | undefined,
  options: { acceptInsecure: boolean },
): string | null {
  const secure = readCookie(cookieHeader, sessionCookieName(true));
  if (secure !== null || !options.acceptInsecure) return secure;
  return readCookie(cookieHeader, SESSION_COOKIE);
}

/** A cookie's (URI-decoded) value from a `Cookie` request header, or null. */
export function readCookie(cookieHeader: string | null | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const index = part.indexOf("=");
    if (index === -1) continue;
    if (part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    try {
      return value ? decodeURIComponent(value) : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * A `Set-Cookie` value for the session (or, with `token` null, one that clears it). The
 * session lasts `maxAgeSeconds` (an identity provider's token: its remaining lifetime),
 * by default as long as a development token.
 */
export function serializeSessionCookie(
  token: string | null,
  options: { secure: boolean; maxAgeSeconds?: number },
): string {
  return serializeCookie(sessionCookieName(options.secure), token, {
    secure: options.secure,
    maxAgeSeconds: options.maxAgeSeconds ?? SESSION_MAX_AGE_SECONDS,
  });
}

/**
 * An httpOnly, SameSite=Lax, whole-site `Set-Cookie` value; `value` null clears the cookie.
 * Lax, not Strict: the identity provider sends the browser back with a cross-site top-level
 * GET, and Lax cookies travel with those.
 */
export function serializeCookie(
  name: string,
  value: string | null,
  options: { secure: boolean; maxAgeSeconds: number },
): string {
  const parts = [
    `${name}=${value ? encodeURIComponent(value) : ""}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${value ? Math.max(0, Math.floor(options.maxAgeSeconds)) : 0}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
