/** A cross-site form post must not be able to sign someone in (login CSRF). */
export function isCrossSite(request: Request): boolean {
  return request.headers.get("sec-fetch-site") === "cross-site";
}

/** Secure in production (always https); on the local stack only when the request came over https. */
export function wantsSecureCookie(request: Request, production: boolean): boolean {
  return (
    production ||
    new URL(request.url).protocol === "https:" ||
    request.headers.get("x-forwarded-proto") === "https"
  );
}
