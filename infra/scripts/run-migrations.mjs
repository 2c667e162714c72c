// Runs the database migrations of a release before azd deploys its apps: the worker's
// predeploy hook (azure.yaml). It points the migration job (infra/app/migrate-job.bicep) at the
// worker image azd has just pushed, starts one execution and waits for it to succeed, so a new
// revision of either app never starts against a schema it does not know.
//
//   node infra/scripts/run-migrations.mjs
//
// Environment (azd passes its environment to hooks; export them to run this by hand):
//   AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, MIGRATION_JOB_NAME  where the job is
//   SERVICE_WORKER_IMAGE_NAME        the image to migrate with (azd sets it when it pushes)
//   AZURE_TENANT_ID                  optional: the tenant to get the token from
//   AZURE_RESOURCE_MANAGER_ENDPOINT  optional: the cloud's Resource Manager (main.bicep output)
//   MIGRATION_TIMEOUT_MINUTES        optional: how long to wait for the execution, 1-30,
//                                    default 15 (azd gives a service's whole deployment, this
//                                    hook included, 20 minutes unless told otherwise)
//
// It signs in the way azd does (`azd auth token`), so azd's own login is enough, including the
// federated login of a CI run that has no Azure CLI session. Plain JavaScript with Node's
// built-ins only (fetch, child_process): it runs from a fresh checkout on Linux, macOS and
// Windows without installing the workspace's dependencies.
import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";

/** Microsoft.App API version, the one infra/app/*.bicep and azure.yaml use. */
export const APP_API_VERSION = "2025-01-01";
/** The job's container that runs the migrator (infra/app/migrate-job.bicep). */
export const MIGRATE_CONTAINER = "migrate";

const PUBLIC_RESOURCE_MANAGER = "https://management.azure.com/";
const DEFAULT_TIMEOUT_MINUTES = 15;
const SUCCEEDED = "Succeeded";
const FAILED_EXECUTION = new Set(["Failed", "Stopped", "Degraded"]);
const FAILED_OPERATION = new Set(["Failed", "Canceled", "Cancelled"]);
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const THROTTLED = new Set([429]);
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A problem the operator can fix; printed without a stack trace. */
export class MigrationError extends Error {}

/**
 * @typedef {object} RunOptions
 * @property {Record<string, string | undefined>} env
 * @property {(line: string) => void} [log]
 * @property {number} [pollIntervalMs] time between two looks at the execution
 * @property {number} [timeoutMs] overall deadline; default MIGRATION_TIMEOUT_MINUTES
 * @property {number} [requestTimeoutMs] deadline of one HTTP request
 * @property {(scope: string, tenantId: string | undefined) => Promise<AccessToken>} [getToken]
 */

/** @typedef {{ token: string, expiresOnMs: number }} AccessToken */

/**
 * @typedef {object} Settings
 * @property {string} subscriptionId
 * @property {string} resourceGroup
 * @property {string} jobName
 * @property {string} image
 * @property {string | undefined} tenantId
 * @property {URL} resourceManager
 * @property {number} timeoutMinutes
 */

/**
 * Reads and checks the settings, naming every missing or malformed variable at once.
 * @param {Record<string, string | undefined>} env
 * @returns {Settings}
 */
export function readSettings(env) {
  /** @type {string[]} */
  const problems = [];
  /** @param {string} name */
  const required = (name) => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set (azd sets it; export it to run this by hand)`);
    return value ?? "";
  };
  const subscriptionId = required("AZURE_SUBSCRIPTION_ID");
  const resourceGroup = required("AZURE_RESOURCE_GROUP");
  const jobName = required("MIGRATION_JOB_NAME");
  const image = required("SERVICE_WORKER_IMAGE_NAME");
  const tenantId = env.AZURE_TENANT_ID?.trim() || undefined;

  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (subscriptionId && !guid.test(subscriptionId)) problems.push("AZURE_SUBSCRIPTION_ID is not a GUID");
  if (tenantId && !guid.test(tenantId)) problems.push("AZURE_TENANT_ID is not a GUID");
  if (resourceGroup && !/^[-\w.()]{1,90}$/.test(resourceGroup)) {
    problems.push("AZURE_RESOURCE_GROUP is not a resource group name");
  }
  if (jobName && !/^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$/.test(jobName)) {
    problems.push("MIGRATION_JOB_NAME is not a Container Apps job name");
  }

  let resourceManager = new URL(PUBLIC_RESOURCE_MANAGER);
  const endpoint = env.AZURE_RESOURCE_MANAGER_ENDPOINT?.trim();
  if (endpoint) {
    try {
      resourceManager = new URL(endpoint.endsWith("/") ? endpoint : `${endpoint}/`);
      // The bearer token goes to this host: only over TLS (plain HTTP for a local test server).
      if (resourceManager.protocol !== "https:" && !LOOPBACK_HOSTS.has(resourceManager.hostname)) {
        problems.push("AZURE_RESOURCE_MANAGER_ENDPOINT must be an https URL");
      }
    } catch {
      problems.push("AZURE_RESOURCE_MANAGER_ENDPOINT is not a URL");
    }
  }

  const timeoutText = env.MIGRATION_TIMEOUT_MINUTES?.trim();
  const timeoutMinutes = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_MINUTES;
  // At most the job's own replicaTimeout (infra/app/migrate-job.bicep): no point waiting longer.
  if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 30) {
    problems.push("MIGRATION_TIMEOUT_MINUTES must be a whole number of minutes from 1 to 30");
  }

  if (problems.length > 0) throw new MigrationError(`cannot run the migrations:\n  ${problems.join("\n  ")}`);
  return { subscriptionId, resourceGroup, jobName, image, tenantId, resourceManager, timeoutMinutes };
}

/**
 * An access token from azd's own sign-in (`azd auth login`, or its federated CI login).
 * @param {string} scope
 * @param {string | undefined} tenantId
 * @returns {Promise<AccessToken>}
 */
export function getAzdToken(scope, tenantId) {
  const args = ["auth", "token", "--output", "json", "--scope", scope];
  if (tenantId) args.push("--tenant-id", tenantId);
  return new Promise((resolve, reject) => {
    // `azd` resolves to azd.exe on Windows: no shell is needed (nor wanted) for an .exe.
    execFile("azd", args, { timeout: 60_000, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr || err.message).trim();
        reject(
          new MigrationError(
            `azd could not get an Azure Resource Manager token; sign in with \`azd auth login\` (${detail})`,
          ),
        );
        return;
      }
      try {
        const parsed = JSON.parse(stdout);
        const expiresOnMs = Date.parse(parsed.expiresOn);
        if (typeof parsed.token !== "string" || !parsed.token || Number.isNaN(expiresOnMs)) {
          throw new Error("no token");
        }
        resolve({ token: parsed.token, expiresOnMs });
      } catch {
        reject(new MigrationError("`azd auth token` printed no token; is azd 1.20 or later installed?"));
      }
    });
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {number} ms */
const describeDuration = (ms) =>
  ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} s`;

/**
 * Points the migration job at the new worker image, runs it once and waits for the result.
 * Resolves with the execution name when the migrations succeeded; throws MigrationError when
 * they failed or did not finish within `timeoutMs`.
 * @param {RunOptions} options
 * @returns {Promise<string>}
 */
export async function runMigrations(options) {
  const {
    env,
    log = (line) => process.stdout.write(`${line}\n`),
    pollIntervalMs = 10_000,
    requestTimeoutMs = 60_000,
    getToken = getAzdToken,
  } = options;
  const settings = readSettings(env);
  const timeoutMs = options.timeoutMs ?? settings.timeoutMinutes * 60_000;
  const deadline = Date.now() + timeoutMs;
  const scope = new URL(".default", settings.resourceManager).toString();

  /** @type {AccessToken | undefined} */
  let cached;
  const token = async () => {
    // Renewed five minutes before it expires: a long migration outlives one token.
    if (!cached || cached.expiresOnMs - Date.now() < 5 * 60_000) {
      cached = await getToken(scope, settings.tenantId);
    }
    return cached.token;
  };

  /**
   * One Resource Manager request, retried on throttling and transient failures until the
   * deadline; a POST (starting an execution) only on throttling, which refuses a request
   * before acting on it, so a lost answer never starts the job twice. Relative paths are
   * resolved against the Resource Manager endpoint.
   * @param {string} method
   * @param {string} pathOrUrl
   * @param {unknown} [body]
   * @returns {Promise<{ status: number, headers: Headers, json: any }>}
   */
  const arm = async (method, pathOrUrl, body) => {
    const url = new URL(pathOrUrl, settings.resourceManager);
    if (url.origin !== settings.resourceManager.origin) {
      throw new MigrationError(`refusing to send the token to ${url.origin}`);
    }
    const retryable = method === "POST" ? THROTTLED : RETRYABLE_STATUS;
    for (let attempt = 1; ; attempt++) {
      /** @type {Response} */
      let response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${await token()}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
      } catch (err) {
        if (err instanceof MigrationError) throw err;
        if (method !== "POST" && attempt < 5 && Date.now() < deadline) {
          await sleep(Math.min(2 ** attempt * 1000, 30_000));
          continue;
        }
        throw new MigrationError(`${method} ${url.pathname} failed: ${String(err)}`);
      }
      const text = await response.text();
      /** @type {any} */
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      if (retryable.has(response.status) && attempt < 5 && Date.now() < deadline) {
        const retryAfter = Number(response.headers.get("retry-after"));
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter * 1000, 60_000)
            : Math.min(2 ** attempt * 1000, 30_000),
        );
        continue;
      }
      if (!response.ok) {
        const code = json?.error?.code ?? response.status;
        const message = json?.error?.message ?? (text.slice(0, 300) || response.statusText);
        throw new MigrationError(`${method} ${url.pathname} answered ${code}: ${message}`);
      }
      return { status: response.status, headers: response.headers, json };
    }
  };

  /**
   * Waits for a long-running operation the way Resource Manager describes it: the
   * Azure-AsyncOperation URL reports a status, a Location URL answers 202 until it is done.
   * @param {{ status: number, headers: Headers }} accepted
   * @param {string} what
   * @returns {Promise<any>} the final body from a Location poll, if any
   */
  const waitForOperation = async (accepted, what) => {
    if (accepted.status !== 201 && accepted.status !== 202) return null;
    const asyncOperation = accepted.headers.get("azure-asyncoperation");
    const location = accepted.headers.get("location");
    while (Date.now() < deadline) {
      if (asyncOperation) {
        const { json } = await arm("GET", asyncOperation);
        const status = json?.status;
        if (status === SUCCEEDED) return null;
        if (FAILED_OPERATION.has(status)) {
          throw new MigrationError(`${what} ended ${status}: ${json?.error?.message ?? "no details"}`);
        }
      } else if (location) {
        const polled = await arm("GET", location);
        if (polled.status !== 202) return polled.json;
      } else {
        return null;
      }
      await sleep(pollIntervalMs);
    }
    throw new MigrationError(`${what} did not finish within ${describeDuration(timeoutMs)}`);
  };

  const jobPath =
    `/subscriptions/${settings.subscriptionId}/resourceGroups/${settings.resourceGroup}` +
    `/providers/Microsoft.App/jobs/${settings.jobName}`;
  const query = `?api-version=${APP_API_VERSION}`;

  const { json: job } = await arm("GET", jobPath + query);
  const template = job?.properties?.template;
  /** @type {any[]} */
  const containers = Array.isArray(template?.containers) ? template.containers : [];
  const index = containers.findIndex((c) => c?.name === MIGRATE_CONTAINER);
  if (index < 0) {
    throw new MigrationError(`job ${settings.jobName} has no container named ${MIGRATE_CONTAINER}`);
  }
  if (containers[index].image === settings.image) {
    log(`migration job ${settings.jobName} already runs ${settings.image}`);
  } else {
    log(`migration job ${settings.jobName}: image ${settings.image}`);
    const updated = containers.map((c, i) => (i === index ? { ...c, image: settings.image } : c));
    const patched = await arm("PATCH", jobPath + query, {
      properties: { template: { ...template, containers: updated } },
    });
    await waitForOperation(patched, `updating job ${settings.jobName}`);
  }

  const started = await arm("POST", `${jobPath}/start${query}`);
  let execution = started.json?.name;
  if (typeof execution !== "string" || !execution) {
    execution = (await waitForOperation(started, `starting job ${settings.jobName}`))?.name;
  }
  if (typeof execution !== "string" || !execution) {
    throw new MigrationError(`starting job ${settings.jobName} returned no execution name`);
  }
  log(`started execution ${execution}`);

  let lastStatus = "";
  while (Date.now() < deadline) {
    const { json } = await arm("GET", `${jobPath}/executions/${encodeURIComponent(execution)}${query}`);
    const status = String(json?.properties?.status ?? "Unknown");
    if (status !== lastStatus) {
      log(`execution ${execution}: ${status}`);
      lastStatus = status;
    }
    if (status === SUCCEEDED) {
      log("migrations applied");
      return execution;
    }
    if (FAILED_EXECUTION.has(status)) {
      throw new MigrationError(
        `migration execution ${execution} ended ${status}, so azd stops before updating the apps. Its logs: ` +
          `Azure portal, job ${settings.jobName}, Execution history (or the ContainerAppConsoleLogs table in Log Analytics)`,
      );
    }
    await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
  throw new MigrationError(
    `migration execution ${execution} was still ${lastStatus || "starting"} after ` +
      `${describeDuration(timeoutMs)}; it goes on in Azure (job ${settings.jobName}), ` +
      "and azd stops before updating the apps",
  );
}

async function main() {
  try {
    await runMigrations({ env: process.env });
  } catch (err) {
    const message =
      err instanceof MigrationError ? err.message : err instanceof Error ? err.stack : String(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
