import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REPORT_REQUESTS_QUEUE, REPORTS_CONTAINER } from "@reports/contracts";
import { describe, expect, it } from "vitest";
import { ZWebEnv } from "./env.ts";

// Keeps infra/ (Bicep, which nothing here can compile) in step with the code: names the
// code and the infrastructure share, and the web app's environment contract.

const INFRA_DIR = fileURLToPath(new URL("../../../../infra/", import.meta.url));
const WEB_BICEP = path.join(INFRA_DIR, "app", "web.bicep");

/**
 * Variables the web app reads that are deliberately NOT set in Azure:
 * - AUTH_DEV_SECRET: development tokens only; production runs AUTH_MODE=oidc and refuses
 *   development auth.
 * - BLOB_CONNECTION_STRING: the Azurite shape; in Azure the app uses BLOB_ACCOUNT_URL with
 *   its managed identity (user delegation SAS), and setting both is a configuration error.
 */
const NOT_SET_IN_AZURE = new Set(["AUTH_DEV_SECRET", "BLOB_CONNECTION_STRING"]);

/** Set in Bicep but read by Next.js or a library rather than the app's schema. */
const READ_BY_PLATFORM = new Set([
  // Next.js standalone server: listen port and address.
  "PORT",
  "HOSTNAME",
  // DefaultAzureCredential: selects the web app's user-assigned identity.
  "AZURE_CLIENT_ID",
]);

function readBicepFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(INFRA_DIR, { recursive: true, encoding: "utf8" })) {
    if (entry.endsWith(".bicep")) files.set(entry, readFileSync(path.join(INFRA_DIR, entry), "utf8"));
  }
  return files;
}

/** Environment variable names in a Container App definition (`name: 'UPPER_CASE'` entries). */
function readEnvNames(bicep: string): Set<string> {
  return new Set([...bicep.matchAll(/\bname:\s*'([A-Z][A-Z0-9_]*)'/g)].map((match) => match[1]!));
}

describe("infra/ agrees with the web app", () => {
  const bicepFiles = readBicepFiles();
  const allBicep = [...bicepFiles.values()].join("\n");
  const webBicep = readFileSync(WEB_BICEP, "utf8");
  const webEnvNames = readEnvNames(webBicep);

  it("finds the Bicep files", () => {
    expect([...bicepFiles.keys()]).toEqual(
      expect.arrayContaining(["main.bicep", path.join("app", "web.bicep")]),
    );
  });

  it("declares the report-requests queue and the reports container by the names the code uses", () => {
    expect(allBicep).toContain(`'${REPORT_REQUESTS_QUEUE}'`);
    expect(allBicep).toContain(`'${REPORTS_CONTAINER}'`);
  });

  it("sets every variable the web app reads in the web Container App, except the development-only ones", () => {
    const missing = Object.keys(ZWebEnv.shape).filter(
      (name) => !webEnvNames.has(name) && !NOT_SET_IN_AZURE.has(name),
    );
    expect(missing).toEqual([]);
  });

  it("sets no variable the web app does not read (a typo would silently fall back to a default)", () => {
    const schemaNames = new Set(Object.keys(ZWebEnv.shape));
    const unknown = [...webEnvNames].filter((name) => !schemaNames.has(name) && !READ_BY_PLATFORM.has(name));
    expect(unknown).toEqual([]);
  });

  it("keeps the development-only allow-list honest: those variables exist in the schema and are absent from Bicep", () => {
    for (const name of NOT_SET_IN_AZURE) {
      expect(Object.keys(ZWebEnv.shape)).toContain(name);
      expect(webEnvNames.has(name)).toBe(false);
    }
  });

  it("runs production auth and managed identity, with no connection strings or keys anywhere in infra/", () => {
    expect(webBicep).toMatch(/name: 'AUTH_MODE', value: 'oidc'/);
    expect(webBicep).toMatch(/name: 'NODE_ENV', value: 'production'/);
    expect(webBicep).toMatch(/name: 'DATABASE_AUTH', value: 'entra'/);
    expect(webBicep).toMatch(/name: 'BLOB_ACCOUNT_URL'/);
    expect(allBicep).not.toMatch(/listKeys\(|listConnectionStrings\(|AccountKey=|SharedAccessKey|secretRef/i);
  });

  it("gives the web app no Service Bus variable: it only writes the outbox row", () => {
    expect([...webEnvNames].filter((name) => name.startsWith("SERVICEBUS_"))).toEqual([]);
  });

  it("probes readiness on /healthz at the port the server listens on", () => {
    expect(webBicep).toMatch(/path: '\/healthz'/);
    expect(webBicep).toMatch(/name: 'PORT', value: string\(port\)/);
    expect(webBicep).toMatch(/targetPort: port/);
  });
});
