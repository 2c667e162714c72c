import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REPORT_REQUESTS_QUEUE, REPORTS_CONTAINER } from "@reports/contracts";
import { describe, expect, it } from "vitest";
import { ZWorkerEnv } from "./config.ts";

// Keeps infra/ (Bicep, which nothing here can compile) in step with the code: names the
// code and the infrastructure share, and the worker's environment contract.

const INFRA_DIR = fileURLToPath(new URL("../../../infra/", import.meta.url));
const WORKER_BICEP = path.join(INFRA_DIR, "app", "worker.bicep");

/**
 * Variables the worker reads that are deliberately NOT set in Azure:
 * - SERVICEBUS_CONNECTION_STRING / BLOB_CONNECTION_STRING: the emulator/Azurite shape; in
 *   Azure the worker uses SERVICEBUS_NAMESPACE / BLOB_ACCOUNT_URL with its managed identity,
 *   and setting both shapes is a configuration error.
 */
const NOT_SET_IN_AZURE = new Set(["SERVICEBUS_CONNECTION_STRING", "BLOB_CONNECTION_STRING"]);

/** Set in Bicep but read by a library rather than the worker's schema. */
const READ_BY_LIBRARIES = new Set([
  // DefaultAzureCredential: selects the worker's user-assigned identity.
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

describe("infra/ agrees with the worker", () => {
  const bicepFiles = readBicepFiles();
  const allBicep = [...bicepFiles.values()].join("\n");
  const workerBicep = readFileSync(WORKER_BICEP, "utf8");
  const workerEnvNames = readEnvNames(workerBicep);

  it("finds the Bicep files", () => {
    expect([...bicepFiles.keys()]).toEqual(
      expect.arrayContaining(["main.bicep", path.join("app", "worker.bicep")]),
    );
  });

  it("declares the report-requests queue and the reports container by the names the code uses", () => {
    expect(allBicep).toContain(`'${REPORT_REQUESTS_QUEUE}'`);
    expect(allBicep).toContain(`'${REPORTS_CONTAINER}'`);
  });

  it("sets every variable the worker reads in the worker Container App, except the local-only ones", () => {
    const missing = Object.keys(ZWorkerEnv.shape).filter(
      (name) => !workerEnvNames.has(name) && !NOT_SET_IN_AZURE.has(name),
    );
    expect(missing).toEqual([]);
  });

  it("sets no variable the worker does not read (a typo would silently fall back to a default)", () => {
    const schemaNames = new Set(Object.keys(ZWorkerEnv.shape));
    const unknown = [...workerEnvNames].filter(
      (name) => !schemaNames.has(name) && !READ_BY_LIBRARIES.has(name),
    );
    expect(unknown).toEqual([]);
  });

  it("keeps the local-only allow-list honest: those variables exist in the schema and are absent from Bicep", () => {
    for (const name of NOT_SET_IN_AZURE) {
      expect(Object.keys(ZWorkerEnv.shape)).toContain(name);
      expect(workerEnvNames.has(name)).toBe(false);
    }
  });

  it("uses managed identity endpoints, with no connection strings or keys anywhere in infra/", () => {
    expect(workerBicep).toMatch(/name: 'SERVICEBUS_NAMESPACE'/);
    expect(workerBicep).toMatch(/name: 'BLOB_ACCOUNT_URL'/);
    expect(workerBicep).toMatch(/name: 'DATABASE_AUTH', value: 'entra'/);
    expect(allBicep).not.toMatch(/listKeys\(|listConnectionStrings\(|AccountKey=|SharedAccessKey|secretRef/i);
  });

  it("feeds EXPORT_MAX_DELIVERIES and the queue's maxDeliveryCount from one parameter", () => {
    const main = bicepFiles.get("main.bicep")!;
    expect(main).toMatch(/maxDeliveryCount: exportMaxDeliveries/);
    expect(main).toMatch(/exportMaxDeliveries: exportMaxDeliveries/);
    expect(workerBicep).toMatch(/name: 'EXPORT_MAX_DELIVERIES', value: string\(exportMaxDeliveries\)/);
  });

  it("scales the worker on the queue length with a managed identity KEDA rule", () => {
    expect(workerBicep).toMatch(/type: 'azure-servicebus'/);
    expect(workerBicep).toMatch(/queueName: queueName/);
    expect(workerBicep).toMatch(/identity: scalerIdentityId/);
  });
});
