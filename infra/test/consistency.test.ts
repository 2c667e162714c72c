// Keeps infra/ (Bicep, azure.yaml, the deployment hook, CI's infrastructure jobs), which
// nothing on the development machines can compile or deploy, in step with the code: the names
// the code and the infrastructure share, each app's environment contract, and the properties
// that decide whether a real deployment survives its second run (docs/deploy.md).
//
// This workspace is test-only and reads the apps' configuration schemas straight from their
// source (apps/web, apps/worker), which a package must never do: nothing imports it.
import { existsSync } from "node:fs";
import path from "node:path";
import {
  DEFAULT_FILE_RETENTION_DAYS,
  FILE_RETENTION_BACKSTOP_DAYS,
  REPORT_REQUESTS_QUEUE,
  REPORT_REQUESTS_QUEUE_SETTINGS,
  REPORTS_CONTAINER,
} from "@reports/contracts";
import { parseConfig } from "@reports/runtime";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ZWebEnv } from "../../apps/web/src/server/env.ts";
import { ZWorkerEnv } from "../../apps/worker/src/config.ts";
import { APP_API_VERSION, MIGRATE_CONTAINER } from "../scripts/run-migrations.mjs";
import {
  allowedValues,
  apiVersions,
  type BicepParam,
  decoratorNumber,
  type EnvEntry,
  INFRA_DIR,
  REPO_ROOT,
  readBicepFiles,
  readEnvEntries,
  readParams,
  readRepoFile,
  readRepoYaml,
  stringLiteral,
} from "./infra-source.ts";

const bicepFiles = readBicepFiles();
const allBicep = [...bicepFiles.values()].join("\n");
const bicep = (file: string): string => {
  const source = bicepFiles.get(file);
  if (source === undefined) throw new Error(`infra/${file} not found`);
  return source;
};
const mainParams = readParams(bicep("main.bicep"));
const mainParam = (name: string): BicepParam => {
  const param = mainParams.get(name);
  if (param === undefined) throw new Error(`main.bicep has no param ${name}`);
  return param;
};

/** Milliseconds of a Bicep ISO 8601 duration literal such as 'PT5M', 'PT1H' or 'P1D'. */
function isoDurationMs(text: string | undefined): number {
  const value = stringLiteral(text) ?? "";
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!match || value === "P" || value.endsWith("T")) throw new Error(`not an ISO 8601 duration: ${text}`);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return (((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000;
}

/** Representative values for what a Bicep module passes in at deployment time. */
const GUID = "00000000-0000-4000-8000-000000000001";
const RUNTIME_SAMPLES: Record<string, string> = {
  databaseUrl: "postgresql://id-app-abc@psql-abc.postgres.database.azure.com:5432/reports?sslmode=require",
  blobAccountUrl: "https://stabc.blob.core.windows.net/",
  blobContainer: REPORTS_CONTAINER,
  identityClientId: GUID,
  authIssuer: `https://login.microsoftonline.com/${GUID}/v2.0`,
  authAudience: GUID,
  authJwksUrl: `https://login.microsoftonline.com/${GUID}/discovery/v2.0/keys`,
  publicUrl: "https://ca-web-abc.westeurope.azurecontainerapps.io",
  authOidcClientId: GUID,
  serviceBusFullyQualifiedNamespace: "sb-abc.servicebus.windows.net",
  queueName: REPORT_REQUESTS_QUEUE,
  "string(port)": "3000",
  imageName: "crabc.azurecr.io/report-exports/worker-dev:azd-deploy-1764460000",
};

interface AppContract {
  app: "web" | "worker";
  file: string;
  schema: z.ZodObject;
  /** Read by the app, deliberately not set in Azure (and why). */
  notSetInAzure: Record<string, string>;
  /** Set in Bicep, read by the platform or a library rather than the app's schema (and why). */
  readByPlatform: Record<string, string>;
}

const APPS: AppContract[] = [
  {
    app: "web",
    file: "app/web.bicep",
    schema: ZWebEnv,
    notSetInAzure: {
      AUTH_DEV_SECRET: "development tokens only: production runs AUTH_MODE=oidc and refuses development auth",
      AUTH_DEV_ADMINS: "development tokens only: in Azure the admin app role (AUTH_ADMIN_ROLE) decides",
      SERVICEBUS_CONNECTION_STRING: "the emulator shape; in Azure the console uses SERVICEBUS_NAMESPACE",
      OTEL_EXPORTER_OTLP_ENDPOINT:
        'tracing is off in Azure until an OTLP destination is chosen (docs/deploy.md, "Tracing")',
      OTEL_TRACES_EXPORTER: "tracing is off in Azure until an OTLP destination is chosen",
      OTEL_METRIC_EXPORT_INTERVAL: "the default (60 s) applies once an OTLP destination is set",

      BLOB_CONNECTION_STRING:
        "the Azurite shape; in Azure the app uses BLOB_ACCOUNT_URL with its managed identity, and both is an error",
    },
    readByPlatform: {
      PORT: "the Next.js standalone server's listen port",
      HOSTNAME: "the Next.js standalone server's listen address",
      AZURE_CLIENT_ID: "DefaultAzureCredential: selects the app's user-assigned identity",
      ASPNETCORE_HTTP_PORTS: "the placeholder image's listen port, set only while it runs (placeholderEnv)",
    },
  },
  {
    app: "worker",
    file: "app/worker.bicep",
    schema: ZWorkerEnv,
    notSetInAzure: {
      SERVICEBUS_CONNECTION_STRING:
        "the emulator shape; in Azure the worker uses SERVICEBUS_NAMESPACE with its managed identity",
      OTEL_EXPORTER_OTLP_ENDPOINT:
        'tracing is off in Azure until an OTLP destination is chosen (docs/deploy.md, "Tracing")',
      OTEL_TRACES_EXPORTER: "tracing is off in Azure until an OTLP destination is chosen",
      OTEL_METRIC_EXPORT_INTERVAL: "the default (60 s) applies once an OTLP destination is set",

      BLOB_CONNECTION_STRING:
        "the Azurite shape; in Azure the worker uses BLOB_ACCOUNT_URL with its managed identity",
    },
    readByPlatform: {
      AZURE_CLIENT_ID: "DefaultAzureCredential: selects the worker's user-assigned identity",
    },
  },
];

/** The value a Bicep env entry has in a default deployment (main.bicep's defaults). */
function sampleValue(entry: EnvEntry, override?: { param: string; value: number }): string {
  const literal = stringLiteral(entry.value);
  if (literal !== undefined) return literal;
  const converted = /^string\((\w+)\)$/.exec(entry.value)?.[1];
  const paramName = converted ?? entry.value;
  if (override && override.param === paramName) return String(override.value);
  if (RUNTIME_SAMPLES[entry.value] !== undefined) return RUNTIME_SAMPLES[entry.value]!;
  const fromMain = mainParams.get(paramName)?.defaultText;
  if (fromMain !== undefined) return stringLiteral(fromMain) ?? fromMain;
  throw new Error(`no sample for ${entry.name} = ${entry.value}: add one to RUNTIME_SAMPLES`);
}

function deployedEnv(contract: AppContract, override?: { param: string; value: number }) {
  const env: Record<string, string> = {};
  for (const entry of readEnvEntries(bicep(contract.file))) {
    if (entry.name in contract.readByPlatform) continue;
    env[entry.name] = sampleValue(entry, override);
  }
  return env;
}

function configErrors(schema: z.ZodObject, env: Record<string, string>): string {
  try {
    parseConfig(schema, env);
    return "";
  } catch (err) {
    return String(err instanceof Error ? err.message : err);
  }
}

describe("the Bicep files", () => {
  it("are all found", () => {
    expect([...bicepFiles.keys()]).toEqual(
      expect.arrayContaining([
        "main.bicep",
        "app/web.bicep",
        "app/worker.bicep",
        "app/migrate-job.bicep",
        "app/access.bicep",
        "core/database/postgresql-flexible.bicep",
        "core/host/container-app-image.bicep",
      ]),
    );
  });

  it("create, read and output no key, connection string or secret anywhere", () => {
    expect(allBicep).not.toMatch(/listKeys\(|listConnectionStrings\(|AccountKey=|SharedAccessKey|secretRef/i);
    expect(allBicep).not.toMatch(/@secure\(\)/);
  });
});

describe("names and numbers the code and the infrastructure share", () => {
  const main = bicep("main.bicep");

  it("names the queue and the blob container as @reports/contracts does, and passes those names on", () => {
    expect(main).toContain(`var reportRequestsQueue = '${REPORT_REQUESTS_QUEUE}'`);
    expect(main).toContain(`var reportsContainer = '${REPORTS_CONTAINER}'`);
    expect(main).toMatch(/queueName: reportRequestsQueue/);
    expect(main).toMatch(/containerName: reportsContainer/);
    expect(main).toMatch(/queueName: serviceBus\.outputs\.queueName/);
    expect(main).toMatch(/blobContainer: storage\.outputs\.containerName/);
    expect(bicep("app/worker.bicep")).toMatch(/name: 'SERVICEBUS_QUEUE', value: queueName/);
    expect(bicep("app/worker.bicep")).toMatch(/name: 'BLOB_CONTAINER', value: blobContainer/);
    expect(bicep("app/web.bicep")).toMatch(/name: 'BLOB_CONTAINER', value: blobContainer/);
  });

  it("feeds the queue's maxDeliveryCount and the worker's EXPORT_MAX_DELIVERIES from one parameter whose default is the contracts' count", () => {
    expect(main).toMatch(/maxDeliveryCount: exportMaxDeliveries/);
    expect(main).toMatch(/exportMaxDeliveries: exportMaxDeliveries/);
    expect(bicep("app/worker.bicep")).toMatch(
      /name: 'EXPORT_MAX_DELIVERIES', value: string\(exportMaxDeliveries\)/,
    );
    const count = REPORT_REQUESTS_QUEUE_SETTINGS.maxDeliveryCount;
    expect(Number(mainParam("exportMaxDeliveries").defaultText)).toBe(count);
    // and the worker's own default is that count too
    expect(ZWorkerEnv.shape.EXPORT_MAX_DELIVERIES.parse(undefined)).toBe(count);
  });

  it("keeps report files as long as the worker's retention does, and lets the lifecycle rule delete only a backstop later", () => {
    // One parameter feeds the worker's FILE_RETENTION_DAYS and the storage lifecycle rule; its
    // default, the worker's own default and the contracts' constant are the same number.
    expect(Number(mainParam("reportRetentionDays").defaultText)).toBe(DEFAULT_FILE_RETENTION_DAYS);
    expect(ZWorkerEnv.shape.FILE_RETENTION_DAYS.parse(undefined)).toBe(DEFAULT_FILE_RETENTION_DAYS);
    // Passed on to both modules: the worker's and the storage account's.
    expect(main.match(/^ {4}reportRetentionDays: reportRetentionDays$/gm)).toHaveLength(2);
    expect(bicep("app/worker.bicep")).toMatch(
      /name: 'FILE_RETENTION_DAYS', value: string\(reportRetentionDays\)/,
    );
    expect(main).toMatch(
      /reportRetentionDays: reportRetentionDays\n\s+backstopDays: fileRetentionBackstopDays\n/,
    );
    expect(main).toContain(`var fileRetentionBackstopDays = ${FILE_RETENTION_BACKSTOP_DAYS}\n`);
    expect(FILE_RETENTION_BACKSTOP_DAYS).toBeGreaterThanOrEqual(1);
    // The rule deletes after (retention + backstop) days, never earlier than the worker.
    const storage = bicep("core/storage/storage-account.bicep");
    expect(storage).toMatch(/daysAfterModificationGreaterThan: reportRetentionDays \+ backstopDays\n/);
    expect(storage).toMatch(/prefixMatch: \['\$\{containerName\}\/\$\{reportPrefix\}'\]/);
    expect(main).toMatch(/reportPrefix: 'popularity\/'\n/);
  });

  it("declares the queue with the contracts' settings (durations as ISO 8601 defaults)", () => {
    const settings = REPORT_REQUESTS_QUEUE_SETTINGS;
    expect(isoDurationMs(mainParam("queueLockDuration").defaultText)).toBe(settings.lockDurationMs);
    expect(isoDurationMs(mainParam("duplicateDetectionWindow").defaultText)).toBe(
      settings.duplicateDetectionHistoryTimeWindowMs,
    );
    expect(isoDurationMs(mainParam("queueMessageTimeToLive").defaultText)).toBe(
      settings.defaultMessageTimeToLiveMs,
    );
    const queue = bicep("core/messaging/servicebus.bicep");
    expect(queue).toMatch(/lockDuration: lockDuration\n/);
    expect(queue).toMatch(/duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow\n/);
    expect(queue).toMatch(/defaultMessageTimeToLive: messageTimeToLive\n/);
    expect(queue).toMatch(/maxDeliveryCount: maxDeliveryCount\n/);
    expect(queue).toContain(`requiresDuplicateDetection: ${settings.requiresDuplicateDetection}\n`);
    expect(queue).toContain(
      `deadLetteringOnMessageExpiration: ${settings.deadLetteringOnMessageExpiration}\n`,
    );
    expect(main).toMatch(/lockDuration: queueLockDuration/);
    expect(main).toMatch(/duplicateDetectionWindow: duplicateDetectionWindow/);
    expect(main).toMatch(/messageTimeToLive: queueMessageTimeToLive/);
  });
});

describe.each(APPS)("the $app Container App's environment", (contract) => {
  const source = bicep(contract.file);
  const entries = readEnvEntries(source);
  const setNames = new Set(entries.map((entry) => entry.name));
  const schemaNames = Object.keys(contract.schema.shape);

  it("is found", () => {
    expect(entries.length).toBeGreaterThan(5);
    expect(source).toContain(`'azd-service-name': '${contract.app}'`);
  });

  it("sets every variable the app reads, except the local-only ones", () => {
    const missing = schemaNames.filter((name) => !setNames.has(name) && !(name in contract.notSetInAzure));
    expect(missing).toEqual([]);
  });

  it("sets no variable the app does not read (a typo would silently fall back to a default)", () => {
    const unknown = [...setNames].filter(
      (name) => !schemaNames.includes(name) && !(name in contract.readByPlatform),
    );
    expect(unknown).toEqual([]);
  });

  it("keeps its allow-lists honest: local-only names exist in the schema and are absent from Bicep", () => {
    for (const name of Object.keys(contract.notSetInAzure)) {
      expect(schemaNames).toContain(name);
      expect(setNames.has(name)).toBe(false);
    }
    for (const name of Object.keys(contract.readByPlatform)) {
      expect(setNames.has(name), `${name} is allow-listed but not set`).toBe(true);
      expect(schemaNames).not.toContain(name);
    }
  });

  it("sets each variable once", () => {
    expect(entries.length).toBe(setNames.size);
  });

  it("passes the app's own configuration check with main.bicep's defaults", () => {
    expect(configErrors(contract.schema, deployedEnv(contract))).toBe("");
  });

  it("passes it at every bound main.bicep allows for a numeric setting", () => {
    for (const entry of entries) {
      const param = /^string\((\w+)\)$/.exec(entry.value)?.[1];
      if (param === undefined || !mainParams.has(param) || entry.name in contract.readByPlatform) continue;
      const declared = mainParam(param);
      const bounds = [decoratorNumber(declared, "minValue"), decoratorNumber(declared, "maxValue") ?? 1e9];
      for (const value of bounds) {
        if (value === undefined) continue;
        const errors = configErrors(contract.schema, deployedEnv(contract, { param, value }));
        expect(errors, `main.bicep allows ${param}=${value}, which ${entry.name} refuses`).toBe("");
      }
    }
  });

  it("accepts every log level main.bicep allows", () => {
    for (const level of allowedValues(mainParam("logLevel"))) {
      const env = { ...deployedEnv(contract), LOG_LEVEL: String(level) };
      expect(configErrors(contract.schema, env), `LOG_LEVEL=${level}`).toBe("");
    }
  });

  it("runs in production with managed identities and endpoints, not connection strings", () => {
    expect(source).toMatch(/name: 'NODE_ENV', value: 'production'/);
    expect(source).toMatch(/name: 'DATABASE_AUTH', value: 'entra'/);
    expect(source).toMatch(/name: 'BLOB_ACCOUNT_URL'/);
    expect(source).toMatch(/name: 'AZURE_CLIENT_ID', value: identityClientId/);
  });
});

describe("the web app", () => {
  const web = bicep("app/web.bicep");
  const names = readEnvEntries(web).map((entry) => entry.name);

  it("runs production auth", () => {
    expect(web).toMatch(/name: 'APP_ENV', value: 'production'/);
    expect(web).toMatch(/name: 'AUTH_MODE', value: 'oidc'/);
  });

  it("gets only the namespace and queue from Service Bus: the console reads the queue's counts, a re-drive goes through the outbox", () => {
    expect(names.filter((name) => name.startsWith("SERVICEBUS_")).sort()).toEqual([
      "SERVICEBUS_NAMESPACE",
      "SERVICEBUS_QUEUE",
    ]);
  });

  it("probes readiness on /healthz at the port the server listens on, which ingress targets", () => {
    expect(web).toMatch(/path: '\/healthz'/);
    expect(web).toMatch(/name: 'PORT', value: string\(port\)/);
    expect(web).toMatch(/targetPort: port/);
    expect(web).toMatch(/var port = 3000/);
  });

  it("has its first revision's placeholder listen on that port too (issue: placeholder on 80, ingress on 3000)", () => {
    const main = bicep("main.bicep");
    expect(main).toContain("var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'");
    expect(main).not.toContain("containerapps-helloworld");
    expect(main).toMatch(/placeholder: webImage == placeholderImage/);
    expect(web).toContain(
      "var placeholderEnv = placeholder ? [{ name: 'ASPNETCORE_HTTP_PORTS', value: string(port) }] : []",
    );
    expect(web).toMatch(/env: concat\(placeholderEnv, \[/);
  });
});

describe("the worker", () => {
  const worker = bicep("app/worker.bicep");

  it("reaches Service Bus by namespace with its managed identity", () => {
    expect(worker).toMatch(/name: 'SERVICEBUS_NAMESPACE', value: serviceBusFullyQualifiedNamespace/);
  });

  it("scales on the queue length with a KEDA rule that authenticates as the scaler identity", () => {
    expect(worker).toMatch(/type: 'azure-servicebus'/);
    expect(worker).toMatch(/queueName: queueName/);
    expect(worker).toMatch(/identity: scalerIdentityId/);
    // A single named queue: KEDA reads only that queue, which the queue-scoped role allows
    // (app/access.bicep says why); `useRegex` would list the namespace's queues.
    expect(worker).not.toMatch(/useRegex\s*:/);
    expect(bicep("app/access.bicep")).toMatch(/resource scalerQueueOwner[\s\S]*?scope: queue\n/);
  });

  it("keeps the scaler identity out of the container and the worker identity in it", () => {
    expect(worker).toMatch(/identity: scalerIdentityId\s+lifecycle: 'None'/);
    expect(worker).toMatch(/identity: identityId\s+lifecycle: 'All'/);
  });

  it("bounds the termination grace period by Container Apps' 600 s maximum", () => {
    expect(worker).toMatch(/var maxTerminationGracePeriodSeconds = 600\n/);
    expect(worker).toMatch(
      /terminationGracePeriodSeconds: min\(\(shutdownTimeoutMs \/ 1000\) \+ 15, maxTerminationGracePeriodSeconds\)/,
    );
    // and refuses a shutdown deadline whose grace period would have to be cut
    for (const [file, params] of [
      ["main.bicep", mainParams],
      ["app/worker.bicep", readParams(worker)],
    ] as const) {
      const max = decoratorNumber(params.get("shutdownTimeoutMs"), "maxValue");
      expect(max, `${file} bounds shutdownTimeoutMs`).toBeDefined();
      expect(max! / 1000 + 15).toBeLessThanOrEqual(600);
    }
    const workerDefault = ZWorkerEnv.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined);
    expect(workerDefault / 1000 + 15).toBeLessThanOrEqual(600);
  });
});

describe("PostgreSQL", () => {
  const postgres = bicep("core/database/postgresql-flexible.bicep");

  it("has a fixed storage size and no auto-grow, so a second provision never asks to shrink the disk", () => {
    expect(postgres).toMatch(/storageSizeGB: storageSizeGB\s+autoGrow: 'Disabled'/);
    expect(postgres).not.toMatch(/autoGrow: 'Enabled'/);
    expect(allBicep).not.toMatch(/autoGrow: 'Enabled'/);
  });

  it("offers only the storage sizes Azure has, the same in main.bicep and the module", () => {
    const sizes = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];
    expect(allowedValues(mainParam("postgresStorageSizeGB"))).toEqual(sizes);
    expect(allowedValues(readParams(postgres).get("storageSizeGB"))).toEqual(sizes);
  });

  it("alerts on the used storage, the signal to raise the size", () => {
    expect(postgres).toMatch(/resource storageAlert 'Microsoft\.Insights\/metricAlerts@/);
    expect(postgres).toMatch(/metricName: 'storage_percent'/);
    expect(postgres).toMatch(/scopes: \[server\.id\]/);
  });
});

describe("azure.yaml", () => {
  const azureYaml = readRepoYaml("azure.yaml") as {
    requiredVersions?: { azd?: string };
    hooks?: Record<string, unknown>;
    services: Record<
      string,
      {
        project: string;
        host: string;
        apiVersion?: unknown;
        uses?: string[];
        hooks?: Record<string, Record<string, { shell?: string; run?: string; continueOnError?: boolean }>>;
      }
    >;
  };

  it("requires the azd version whose ordering and hooks the deployment relies on (1.20.0)", () => {
    const range = azureYaml.requiredVersions?.azd ?? "";
    const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range);
    expect(minimum, `requiredVersions.azd is "${range}"`).not.toBeNull();
    const [major, minor] = [Number(minimum![1]), Number(minimum![2])];
    expect(major > 1 || (major === 1 && minor >= 20)).toBe(true);
  });

  it("pins each Container App service's apiVersion to the one its Bicep declares (azd deploy keeps identitySettings and the scale rule's identity)", () => {
    for (const [name, file] of [
      ["web", "app/web.bicep"],
      ["worker", "app/worker.bicep"],
    ] as const) {
      const service = azureYaml.services[name];
      expect(service?.host).toBe("containerapp");
      expect(typeof service?.apiVersion, `${name}.apiVersion must be a quoted string`).toBe("string");
      expect(apiVersions(bicep(file), "Microsoft.App/containerApps")).toEqual([service?.apiVersion]);
    }
    // the hook and the module that reads the running image use the same version
    expect(apiVersions(bicep("app/migrate-job.bicep"), "Microsoft.App/jobs")).toEqual([APP_API_VERSION]);
    expect(apiVersions(bicep("core/host/container-app-image.bicep"), "Microsoft.App/containerApps")).toEqual([
      APP_API_VERSION,
    ]);
    expect(azureYaml.services.web?.apiVersion).toBe(APP_API_VERSION);
  });

  it("names exactly the services the Bicep tags", () => {
    expect(Object.keys(azureYaml.services).sort()).toEqual(["web", "worker"]);
  });

  it("migrates before any app is updated: a worker predeploy hook, and the web app deployed after the worker", () => {
    expect(azureYaml.services.web?.uses).toEqual(["worker"]);
    expect(azureYaml.hooks ?? {}).toEqual({});
    const predeploy = azureYaml.services.worker?.hooks?.predeploy;
    expect(Object.keys(predeploy ?? {}).sort()).toEqual(["posix", "windows"]);
    expect(predeploy?.posix?.continueOnError).toBe(false);
    expect(predeploy?.windows?.continueOnError).toBe(false);
  });

  it("runs the same hook on Windows (PowerShell) and on Linux/macOS (sh), with no shell-specific syntax", () => {
    const predeploy = azureYaml.services.worker?.hooks?.predeploy ?? {};
    expect(predeploy.posix?.shell).toBe("sh");
    expect(predeploy.windows?.shell).toBe("pwsh");
    expect(predeploy.windows?.run).toBe(predeploy.posix?.run);
    const run = predeploy.posix?.run ?? "";
    expect(run).toMatch(/^node [\w./-]+$/);
    // Service hooks run in the service's folder.
    const script = path.resolve(REPO_ROOT, azureYaml.services.worker!.project, run.slice("node ".length));
    expect(script).toBe(path.join(INFRA_DIR, "scripts", "run-migrations.mjs"));
    expect(existsSync(script)).toBe(true);
  });

  it("uses azd's own sign-in in the hook, not the Azure CLI", () => {
    const script = readRepoFile("infra/scripts/run-migrations.mjs");
    expect(script).toMatch(/execFile\("azd", args/);
    expect(script).toMatch(/\["auth", "token", "--output", "json", "--scope", scope\]/);
    expect(script).not.toMatch(/["'`]az["'`\s]/);
  });

  it("runs the migrator container of the job the Bicep declares", () => {
    expect(bicep("app/migrate-job.bicep")).toMatch(new RegExp(`name: '${MIGRATE_CONTAINER}'`));
  });
});

describe("the migration job", () => {
  const job = bicep("app/migrate-job.bicep");
  const setNames = new Set(readEnvEntries(job).map((entry) => entry.name));

  it("sets every variable infra/scripts/database-access.mjs requires", () => {
    const script = readRepoFile("infra/scripts/database-access.mjs");
    const required = [...script.matchAll(/requireEnv\("([A-Z_]+)"\)/g)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(3);
    expect(required.filter((name) => !setNames.has(name))).toEqual([]);
  });

  it("connects as the migration identity with an Entra token, and is started by hand only", () => {
    expect(job).toMatch(/name: 'DATABASE_AUTH', value: 'entra'/);
    expect(job).toMatch(/name: 'AZURE_CLIENT_ID', value: identityClientId/);
    expect(job).toMatch(/triggerType: 'Manual'/);
    // the hook waits at most 30 minutes (MIGRATION_TIMEOUT_MINUTES): the job's own bound
    expect(job).toMatch(/replicaTimeout: 1800\n/);
    expect(bicep("main.bicep")).toMatch(
      /imageName: workerImage\n\s+identityId: migrateIdentity\.outputs\.id/,
    );
  });
});

/** How main.parameters.json refers to an azd environment variable: `${NAME}` or `${NAME=default}`. */
const azdReference = (expression: string) => `\${${expression}}`;

describe("main.parameters.json", () => {
  const parameters = (
    JSON.parse(readRepoFile("infra/main.parameters.json")) as {
      parameters: Record<string, { value: string }>;
    }
  ).parameters;

  it("maps only parameters main.bicep declares", () => {
    const unknown = Object.keys(parameters).filter((name) => !mainParams.has(name));
    expect(unknown).toEqual([]);
  });

  it("maps every parameter that has no default", () => {
    const unmapped = [...mainParams.values()]
      .filter((param) => param.defaultText === undefined && !(param.name in parameters))
      .map((param) => param.name);
    expect(unmapped).toEqual([]);
  });

  it("lets azd set what docs/deploy.md offers: the admin's type and id, the storage size, the file retention, the alert address", () => {
    expect(parameters.databaseAdminPrincipalType?.value).toBe(
      azdReference("DATABASE_ADMIN_PRINCIPAL_TYPE=User"),
    );
    expect(parameters.databaseAdminPrincipalId?.value).toBe(azdReference("DATABASE_ADMIN_PRINCIPAL_ID="));
    expect(parameters.postgresStorageSizeGB?.value).toBe(azdReference("POSTGRES_STORAGE_SIZE_GB=32"));
    expect(parameters.reportRetentionDays?.value).toBe(
      azdReference(`REPORT_RETENTION_DAYS=${DEFAULT_FILE_RETENTION_DAYS}`),
    );
    expect(parameters.alertEmail?.value).toBe(azdReference("ALERT_EMAIL="));
    const docs = readRepoFile("docs/deploy.md");
    for (const variable of [
      "DATABASE_ADMIN_PRINCIPAL_TYPE",
      "DATABASE_ADMIN_PRINCIPAL_ID",
      "POSTGRES_STORAGE_SIZE_GB",
      "ALERT_EMAIL",
    ]) {
      expect(docs).toContain(variable);
    }
  });

  it("keeps a live app's image on a re-provision: the azd image name, else the running image", () => {
    expect(parameters.webImageName?.value).toBe(azdReference("SERVICE_WEB_IMAGE_NAME="));
    expect(parameters.workerImageName?.value).toBe(azdReference("SERVICE_WORKER_IMAGE_NAME="));
    expect(parameters.webAppExists?.value).toBe(azdReference("SERVICE_WEB_RESOURCE_EXISTS=false"));
    expect(parameters.workerAppExists?.value).toBe(azdReference("SERVICE_WORKER_RESOURCE_EXISTS=false"));
  });

  it("gives the hook the outputs it reads", () => {
    for (const output of [
      "AZURE_RESOURCE_GROUP",
      "MIGRATION_JOB_NAME",
      "AZURE_TENANT_ID",
      "AZURE_RESOURCE_MANAGER_ENDPOINT",
    ]) {
      expect(bicep("main.bicep")).toMatch(new RegExp(`^output ${output} string = `, "m"));
    }
  });
});

describe("CI for the infrastructure (.github/workflows/ci.yml)", () => {
  const workflow = readRepoYaml(".github/workflows/ci.yml") as {
    jobs: Record<string, { steps: Array<{ id?: string; if?: string; run?: string; uses?: string }> }>;
  };
  const runs = (job: string) => (workflow.jobs[job]?.steps ?? []).map((step) => step.run ?? "").join("\n");

  it("lints with infra/bicepconfig.json, whose rules are all errors, and fails on every compiler warning", () => {
    const config = JSON.parse(readRepoFile("infra/bicepconfig.json")) as {
      analyzers: { core: { rules: Record<string, { level: string }> } };
    };
    const rules = config.analyzers.core.rules;
    expect(Object.keys(rules)).toEqual(
      expect.arrayContaining([
        "no-unused-params",
        "no-unused-vars",
        "no-hardcoded-env-urls",
        "outputs-should-not-contain-secrets",
        "use-secure-value-for-secure-inputs",
      ]),
    );
    expect(Object.values(rules).every((rule) => rule.level === "error")).toBe(true);
    expect(runs("bicep")).toMatch(/bicep lint infra\/main\.bicep --diagnostics-format sarif/);
    expect(runs("bicep")).toMatch(/select\(\.level == "error" or \.level == "warning"\)/);
    expect(runs("bicep")).toMatch(/bicep build infra\/main\.bicep/);
  });

  it("runs a what-if only where Azure credentials are configured, and says so when it skips", () => {
    const steps = workflow.jobs["what-if"]?.steps ?? [];
    expect(steps[0]?.id).toBe("credentials");
    expect(steps[0]?.run).toMatch(/::notice title=What-if skipped::/);
    expect(steps[0]?.run).toMatch(/GITHUB_STEP_SUMMARY/);
    for (const step of steps.slice(1)) {
      expect(step.if).toBe("steps.credentials.outputs.configured == 'true'");
    }
    expect(runs("what-if")).toMatch(/azd provision --preview --no-prompt/);
    expect(runs("what-if")).not.toMatch(/secrets\./);
  });
});
