import { parseConfig } from "@reports/runtime";
import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { proxy } from "./proxy.ts";
import { setWebEnv, ZWebEnv } from "./server/env.ts";
import { ENTRA_PRODUCTION_ENV } from "./test/web-env.ts";

// Next.js sets NODE_ENV=production in every built app (`next dev` has development).
const DEVELOPMENT = {
  NODE_ENV: "production",
  APP_ENV: "development",
  DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/reports",
  BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
  AUTH_DEV_SECRET: "d".repeat(32),
};
const PRODUCTION = ENTRA_PRODUCTION_ENV;

function respond(env: Record<string, string>, path = "/") {
  setWebEnv(parseConfig(ZWebEnv, env));
  return proxy(new NextRequest(`http://localhost:3000${path}`));
}

/** The CSP's directives by name. */
function directives(csp: string | null): Map<string, string> {
  return new Map(
    (csp ?? "").split(";").map((part) => {
      const [name = "", ...values] = part.trim().split(/\s+/);
      return [name, values.join(" ")];
    }),
  );
}

afterEach(() => setWebEnv(undefined));

describe("the security headers on every response", () => {
  it("forbid framing, sniffing and cross-site referrers, with a nonce-based script policy", () => {
    for (const path of ["/", "/reports/popularity", "/_next/static/chunks/main.js", "/healthz"]) {
      const headers = respond(DEVELOPMENT, path).headers;
      expect(headers.get("x-content-type-options")).toBe("nosniff");
      expect(headers.get("x-frame-options")).toBe("DENY");
      expect(headers.get("referrer-policy")).toBe("same-origin");
      const csp = directives(headers.get("content-security-policy"));
      expect(csp.get("frame-ancestors")).toBe("'none'");
      expect(csp.get("default-src")).toBe("'self'");
      expect(csp.get("object-src")).toBe("'none'");
      expect(csp.get("script-src")).toMatch(/^'self' 'nonce-[\w+/=]{24}' 'strict-dynamic'$/);
      expect(headers.get("content-security-policy")).not.toContain("unsafe-inline");
      // Over http in development: no HSTS, no upgrade of the page's requests to https.
      expect(headers.get("strict-transport-security")).toBeNull();
      expect(csp.has("upgrade-insecure-requests")).toBe(false);
    }
  });

  it("hands Next.js the policy with a fresh nonce per request, so that it stamps its own scripts", () => {
    const first = respond(DEVELOPMENT).headers;
    const second = respond(DEVELOPMENT).headers;
    expect(first.get("content-security-policy")).not.toBe(second.get("content-security-policy"));
    // NextResponse.next({ request: { headers } }) passes request headers on this way.
    expect(first.get("x-middleware-request-content-security-policy")).toBe(
      first.get("content-security-policy"),
    );
  });

  it("adds HSTS in production, and lets the sign-in forms lead to the identity provider", () => {
    const headers = respond(PRODUCTION).headers;
    expect(headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    const csp = directives(headers.get("content-security-policy"));
    expect(csp.has("upgrade-insecure-requests")).toBe(true);
    expect(csp.get("form-action")).toBe("'self' https://login.microsoftonline.com");
    expect(directives(respond(DEVELOPMENT).headers.get("content-security-policy")).get("form-action")).toBe(
      "'self'",
    );
  });

  it("allows eval only under `next dev`, where React rebuilds server error stacks with it", () => {
    const csp = (env: Record<string, string>) =>
      directives(respond(env).headers.get("content-security-policy")).get("script-src");
    expect(csp({ ...DEVELOPMENT, NODE_ENV: "development" })).toMatch(/'strict-dynamic' 'unsafe-eval'$/);
    expect(csp(DEVELOPMENT)).not.toContain("unsafe-eval");
  });

  it("still sets the strictest headers when the configuration is invalid", () => {
    setWebEnv(undefined);
    const headers = proxy(new NextRequest("http://localhost:3000/healthz")).headers;
    expect(headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
  });
});
