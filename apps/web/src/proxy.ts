import { randomBytes } from "node:crypto";
import { type NextRequest, NextResponse } from "next/server";
import { getWebEnv, type TWebEnv } from "./server/env.ts";
import { type SecurityHeaderOptions, securityHeaders } from "./server/security-headers.ts";

// Next.js 16's request proxy (formerly middleware), without a matcher: it runs for every
// request, pages, route handlers and static files alike, so every response carries the
// security headers.

/** Sets the security headers, with a fresh CSP nonce, on the response to `request`. */
export function proxy(request: NextRequest): NextResponse {
  const headers = securityHeaders(headerOptions(randomBytes(16).toString("base64")));
  // Next.js takes the nonce from the request's CSP and stamps its own scripts and styles
  // with it while rendering (which is why every page renders per request: app/layout.tsx).
  const upstream = new Headers(request.headers);
  upstream.set("content-security-policy", headers["content-security-policy"]!);
  const response = NextResponse.next({ request: { headers: upstream } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function headerOptions(nonce: string): SecurityHeaderOptions {
  let env: TWebEnv | undefined;
  try {
    env = getWebEnv();
  } catch {
    // An invalid configuration (which /healthz reports): the strictest headers.
    env = undefined;
  }
  const issuer = env?.AUTH_MODE === "oidc" && env.AUTH_ISSUER ? URL.parse(env.AUTH_ISSUER) : null;
  return {
    production: env?.APP_ENV !== "development",
    devServer: env?.NODE_ENV === "development",
    nonce,
    formTargets: issuer ? [issuer.origin] : [],
  };
}
