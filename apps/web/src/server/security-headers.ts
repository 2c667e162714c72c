/** What the security headers depend on. */
export interface SecurityHeaderOptions {
  /** APP_ENV=production: https only (HSTS, upgrade-insecure-requests). */
  production: boolean;
  /** `next dev`: React rebuilds server error stacks with eval there (never in a build). */
  devServer: boolean;
  /** Fresh per response: the only inline scripts and styles that run are the ones Next.js stamps with it. */
  nonce: string;
  /**
   * Origins a form may lead to besides this one: the sign-in button and sign-out are forms
   * whose answer redirects to the identity provider, and browsers check those redirects
   * against form-action.
   */
  formTargets: string[];
}

/**
 * The Content-Security-Policy of every response: Next.js's strict policy (a nonce per
 * request, 'strict-dynamic' for the chunks its scripts load), nothing from other origins
 * (the dashboard talks only to its own API; download links are navigations, which CSP does
 * not govern), and no framing at all.
 */
export function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const nonce = `'nonce-${options.nonce}'`;
  return [
    "default-src 'self'",
    `script-src 'self' ${nonce} 'strict-dynamic'${options.devServer ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${nonce}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    ["form-action 'self'", ...options.formTargets].join(" "),
    "frame-ancestors 'none'",
    ...(options.production ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** The headers every response carries (src/proxy.ts sets them). */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(options),
    // For browsers that predate frame-ancestors.
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    // Nothing leaves the site in a Referer (the identity provider, the storage account):
    // the callback's URL carries the authorization code until its 303.
    "referrer-policy": "same-origin",
    // Browsers ignore HSTS over http, but a development instance behind https would stick.
    ...(options.production ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {}),
  };
}
