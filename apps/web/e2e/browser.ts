import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium: browser downloads are impossible here, so Playwright drives the system one. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

export const ARTIFACTS_DIR = fileURLToPath(new URL("./artifacts/", import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--headless=new",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };

/** A fresh browser profile (no cookies) at the given size. */
export function newContext(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport,
    acceptDownloads: true,
    colorScheme: "light",
    locale: "en-GB",
  });
}

/**
 * Records each Content-Security-Policy violation of the page (the browser reports every
 * blocked script, style, form target or frame on the console) into `violations`.
 */
export function recordCspViolations(page: Page, violations: string[]): void {
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
  });
}

/** Saves a full-page screenshot to e2e/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png`, fullPage: true, animations: "disabled" });
}

/** Signs in through the development sign-in form and waits for the dashboard. */
export async function signIn(page: Page, userName: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("User name").fill(userName);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Your reports" }).waitFor();
  // The heading is server-rendered; the form takes input once React has hydrated it.
  await page.locator("form.report-form button[type=submit]:enabled").waitFor();
}
