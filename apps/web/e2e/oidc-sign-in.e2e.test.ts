import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getFreePort } from "@reports/runtime";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestOidcProvider, type TestOidcProvider } from "../src/test/oidc-provider.ts";
import { launchChromium, newContext, recordCspViolations, screenshot } from "./browser.ts";

// The production sign-in in a real browser: a second instance of the built web app, in oidc
// mode, on the local stack's database, signing in at the tests' tiny OpenID provider.

const stackEnv = inject("stackEnv");
const WEB_DIR = fileURLToPath(new URL("../", import.meta.url));

let provider: TestOidcProvider;
let server: ChildProcess | undefined;
let browser: Browser;
let webUrl: string;
const cspViolations: string[] = [];

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`the oidc-mode web app at ${url} is not healthy (${status})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  const port = await getFreePort();
  webUrl = `http://127.0.0.1:${port}`;
  provider = await startTestOidcProvider({
    clientId: "reports-dashboard",
    audience: "api://report-exports",
    redirectUris: [`${webUrl}/api/session/callback`],
    postLogoutRedirectUris: [`${webUrl}/signin/signed-out`],
  });
  const { AUTH_DEV_SECRET: _development, ...env } = stackEnv;
  server = spawn(process.execPath, [".next/standalone/apps/web/start.mjs"], {
    cwd: WEB_DIR,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_ENV: "development",
      LOG_LEVEL: "warn",
      AUTH_MODE: "oidc",
      AUTH_ISSUER: provider.issuer,
      AUTH_AUDIENCE: provider.audience,
      AUTH_JWKS_URL: provider.jwksUrl,
      AUTH_OIDC_CLIENT_ID: provider.clientId,
      AUTH_OIDC_PROVIDER_NAME: "Test IdP",
      PUBLIC_URL: webUrl,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForHealthy(webUrl, 60_000);
  browser = await launchChromium();
});

// Sign-in and sign-out are forms whose answers redirect to the provider: form-action allows it.
afterEach(() => {
  expect(cspViolations.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  await provider?.close();
});

describe("sign-in through an OpenID Connect provider", () => {
  it("signs in with the provider's button, shows the dashboard, and signs out at the provider", async () => {
    const context = await newContext(browser, webUrl);
    const page = await context.newPage();
    recordCspViolations(page, cspViolations);
    await page.goto("/");
    await page.waitForURL(/\/signin$/);
    // No development sign-in in this mode: only the provider's button.
    expect(await page.getByLabel("User name").count()).toBe(0);
    await screenshot(page, "08-oidc-sign-in");

    // Where a real provider would show its login page, this one signs in quirks.userId.
    provider.quirks.userId = "dora";
    await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
    await page.getByRole("heading", { name: "Your reports" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await expect.poll(() => page.locator(".topbar-user .user-name").textContent()).toBe("dora");
    const cookies = await context.cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(["reports_session"]);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin\?signedOut=1$/);
    await page.getByText("You are signed out.").waitFor();
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});
