// The migration hook (infra/scripts/run-migrations.mjs) against a stand-in for Azure Resource
// Manager on loopback and a stand-in `azd` on PATH: the requests it makes, the order it makes
// them in, and what it says when something fails.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APP_API_VERSION, getAzdToken, MigrationError, runMigrations } from "../scripts/run-migrations.mjs";
import { INFRA_DIR } from "./infra-source.ts";

const SUBSCRIPTION = "00000000-0000-4000-8000-00000000000a";
const TENANT = "00000000-0000-4000-8000-00000000000b";
const JOB_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.App/jobs/caj-migrate-abc`;
const NEW_IMAGE = "crabc.azurecr.io/report-exports/worker-test:azd-deploy-2";
const TOKEN = "token-from-azd";

interface Recorded {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  body: unknown;
}

type Handler = (req: IncomingMessage, body: unknown, res: ServerResponse) => void;

/** A Resource Manager stand-in: routes are "METHOD /path" (query string ignored), in order of use. */
class FakeArm {
  server: Server = createServer((req, res) => this.handle(req, res));
  requests: Recorded[] = [];
  routes = new Map<string, Handler[]>();
  url = "";

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next request to `route` with `handler`; the last handler repeats. */
  on(route: string, ...handlers: Handler[]) {
    this.routes.set(route, [...(this.routes.get(route) ?? []), ...handlers]);
    return this;
  }

  reset() {
    this.requests = [];
    this.routes.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", this.url);
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? JSON.parse(text) : undefined;
      this.requests.push({
        method: req.method ?? "",
        path: url.pathname,
        apiVersion: url.searchParams.get("api-version"),
        authorization: req.headers.authorization,
        body,
      });
      const handlers = this.routes.get(`${req.method} ${url.pathname}`);
      const handler = handlers && (handlers.length > 1 ? handlers.shift() : handlers[0]);
      if (!handler)
        return json(res, 404, { error: { code: "NotFound", message: `${req.method} ${url.pathname}` } });
      handler(req, body, res);
    });
  }
}

function json(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

const reply =
  (status: number, body?: unknown, headers?: Record<string, string>): Handler =>
  (_req, _body, res) =>
    json(res, status, body, headers);

/** The job as Resource Manager returns it: the migrator plus fields the hook must keep. */
function jobBody(image: string) {
  return {
    id: JOB_PATH,
    name: "caj-migrate-abc",
    properties: {
      provisioningState: "Succeeded",
      configuration: { triggerType: "Manual", replicaTimeout: 1800 },
      template: {
        containers: [
          {
            name: "migrate",
            image,
            command: ["sh", "-c", "node infra/scripts/database-access.mjs prepare"],
            env: [{ name: "DATABASE_AUTH", value: "entra" }],
            resources: { cpu: 0.5, memory: "1Gi" },
          },
        ],
      },
    },
  };
}

const arm = new FakeArm();
let binDir = "";
const originalPath = process.env.PATH;

/** Puts a stand-in `azd` first on PATH that prints `stdout` and exits with `code`. */
function fakeAzd(stdout: string, code = 0, stderr = "") {
  const script = path.join(binDir, "azd");
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      `printf '%s' "$*" > "${path.join(binDir, "azd-args")}"`,
      `printf '%s' '${stdout}'`,
      stderr ? `printf '%s' '${stderr}' >&2` : "",
      `exit ${code}`,
    ].join("\n"),
  );
  chmodSync(script, 0o755);
}

function settings(overrides: Record<string, string | undefined> = {}) {
  return {
    AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
    AZURE_RESOURCE_GROUP: "rg-test",
    MIGRATION_JOB_NAME: "caj-migrate-abc",
    SERVICE_WORKER_IMAGE_NAME: NEW_IMAGE,
    AZURE_TENANT_ID: TENANT,
    AZURE_RESOURCE_MANAGER_ENDPOINT: arm.url,
    ...overrides,
  };
}

function run(env: Record<string, string | undefined>, options: { timeoutMs?: number } = {}) {
  const lines: string[] = [];
  const promise = runMigrations({
    env,
    log: (line: string) => lines.push(line),
    pollIntervalMs: 20,
    timeoutMs: options.timeoutMs ?? 10_000,
    requestTimeoutMs: 5_000,
  });
  return { lines, promise };
}

beforeAll(async () => {
  await arm.start();
  binDir = mkdtempSync(path.join(tmpdir(), "fake-azd-"));
  process.env.PATH = `${binDir}${path.delimiter}${originalPath}`;
  fakeAzd(JSON.stringify({ token: TOKEN, expiresOn: new Date(Date.now() + 3_600_000).toISOString() }));
});

afterEach(() => arm.reset());

afterAll(async () => {
  process.env.PATH = originalPath;
  rmSync(binDir, { recursive: true, force: true });
  await arm.stop();
});

describe("the migration hook", () => {
  it("points the job at the new image, starts it and waits until the migrations succeed", async () => {
    arm
      .on(`GET ${JOB_PATH}`, reply(200, jobBody("mcr.microsoft.com/dotnet/samples:aspnetapp")))
      .on(
        `PATCH ${JOB_PATH}`,
        reply(202, undefined, { "azure-asyncoperation": `${arm.url}operations/patch-1?api-version=x` }),
      )
      .on(
        "GET /operations/patch-1",
        reply(200, { status: "InProgress" }),
        reply(200, { status: "Succeeded" }),
      )
      .on(
        `POST ${JOB_PATH}/start`,
        reply(202, { name: "caj-migrate-abc-x1y2z3", id: `${JOB_PATH}/executions/x` }),
      )
      .on(
        `GET ${JOB_PATH}/executions/caj-migrate-abc-x1y2z3`,
        reply(200, { properties: { status: "Running" } }),
        reply(200, { properties: { status: "Running" } }),
        reply(200, { properties: { status: "Succeeded" } }),
      );

    const { lines, promise } = run(settings());
    await expect(promise).resolves.toBe("caj-migrate-abc-x1y2z3");

    expect(arm.requests.map((r) => `${r.method} ${r.path.replace(JOB_PATH, "<job>")}`)).toEqual([
      "GET <job>",
      "PATCH <job>",
      "GET /operations/patch-1",
      "GET /operations/patch-1",
      "POST <job>/start",
      "GET <job>/executions/caj-migrate-abc-x1y2z3",
      "GET <job>/executions/caj-migrate-abc-x1y2z3",
      "GET <job>/executions/caj-migrate-abc-x1y2z3",
    ]);
    for (const request of arm.requests) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    for (const request of arm.requests.filter((r) => r.path.startsWith(JOB_PATH))) {
      expect(request.apiVersion).toBe(APP_API_VERSION);
    }
    // Only the image changes: command, env and resources of the container are sent back as they were.
    const expected = jobBody(NEW_IMAGE).properties.template;
    expect(arm.requests[1]?.body).toEqual({ properties: { template: expected } });
    expect(lines).toEqual([
      `migration job caj-migrate-abc: image ${NEW_IMAGE}`,
      "started execution caj-migrate-abc-x1y2z3",
      "execution caj-migrate-abc-x1y2z3: Running",
      "execution caj-migrate-abc-x1y2z3: Succeeded",
      "migrations applied",
    ]);
  });

  it("asks azd for a Resource Manager token in the deployment's tenant", async () => {
    const token = await getAzdToken("https://management.azure.com/.default", TENANT);
    expect(token.token).toBe(TOKEN);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path.join(binDir, "azd-args"), "utf8")).toBe(
      `auth token --output json --scope https://management.azure.com/.default --tenant-id ${TENANT}`,
    );
  });

  it("skips the update when the job already runs the image, and follows a Location header to the execution", async () => {
    arm
      .on(`GET ${JOB_PATH}`, reply(200, jobBody(NEW_IMAGE)))
      .on(`POST ${JOB_PATH}/start`, reply(202, undefined, { location: `${arm.url}operations/start-1` }))
      .on("GET /operations/start-1", reply(202), reply(200, { name: "caj-migrate-abc-l0c" }))
      .on(
        `GET ${JOB_PATH}/executions/caj-migrate-abc-l0c`,
        reply(200, { properties: { status: "Succeeded" } }),
      );

    const { lines, promise } = run(settings());
    await expect(promise).resolves.toBe("caj-migrate-abc-l0c");
    expect(arm.requests.some((r) => r.method === "PATCH")).toBe(false);
    expect(lines[0]).toBe(`migration job caj-migrate-abc already runs ${NEW_IMAGE}`);
  });

  it("retries when Resource Manager throttles, honouring Retry-After", async () => {
    arm
      .on(
        `GET ${JOB_PATH}`,
        reply(429, { error: { code: "TooManyRequests", message: "slow down" } }, { "retry-after": "1" }),
        reply(200, jobBody(NEW_IMAGE)),
      )
      .on(`POST ${JOB_PATH}/start`, reply(200, { name: "e1" }))
      .on(`GET ${JOB_PATH}/executions/e1`, reply(200, { properties: { status: "Succeeded" } }));

    const started = Date.now();
    await expect(run(settings()).promise).resolves.toBe("e1");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(arm.requests.filter((r) => r.method === "GET" && r.path === JOB_PATH)).toHaveLength(2);
  });

  it("does not start the job a second time when starting it fails on the server's side", async () => {
    arm
      .on(`GET ${JOB_PATH}`, reply(200, jobBody(NEW_IMAGE)))
      .on(`POST ${JOB_PATH}/start`, reply(500, { error: { code: "InternalServerError", message: "oops" } }));
    await expect(run(settings()).promise).rejects.toThrow(
      /POST .*\/start answered InternalServerError: oops/,
    );
    expect(arm.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("fails, naming the execution and where its logs are, when the migrations fail", async () => {
    arm
      .on(`GET ${JOB_PATH}`, reply(200, jobBody(NEW_IMAGE)))
      .on(`POST ${JOB_PATH}/start`, reply(200, { name: "e-failed" }))
      .on(
        `GET ${JOB_PATH}/executions/e-failed`,
        reply(200, { properties: { status: "Running" } }),
        reply(200, { properties: { status: "Failed" } }),
      );

    const failure = run(settings()).promise;
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow(
      /execution e-failed ended Failed, so azd stops before updating the apps/,
    );
    await expect(failure).rejects.toThrow(/Execution history/);
  });

  it("gives up at its deadline when the execution does not finish", async () => {
    arm
      .on(`GET ${JOB_PATH}`, reply(200, jobBody(NEW_IMAGE)))
      .on(`POST ${JOB_PATH}/start`, reply(200, { name: "e-slow" }))
      .on(`GET ${JOB_PATH}/executions/e-slow`, reply(200, { properties: { status: "Running" } }));

    const started = Date.now();
    const failure = run(settings(), { timeoutMs: 300 }).promise;
    await expect(failure).rejects.toThrow(/e-slow was still Running after 0 s; it goes on in Azure/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("passes Resource Manager's error on when a request is refused", async () => {
    arm.on(
      `GET ${JOB_PATH}`,
      reply(403, { error: { code: "AuthorizationFailed", message: "no access to the job" } }),
    );
    await expect(run(settings()).promise).rejects.toThrow(
      /GET .*caj-migrate-abc answered AuthorizationFailed: no access to the job/,
    );
  });

  it("refuses a job without the migrator container", async () => {
    const body = jobBody(NEW_IMAGE);
    body.properties.template.containers[0]!.name = "other";
    arm.on(`GET ${JOB_PATH}`, reply(200, body));
    await expect(run(settings()).promise).rejects.toThrow(/has no container named migrate/);
  });

  it("names every missing or malformed variable at once, before calling anything", async () => {
    const failure = run(
      settings({
        AZURE_RESOURCE_GROUP: undefined,
        SERVICE_WORKER_IMAGE_NAME: " ",
        AZURE_SUBSCRIPTION_ID: "not-a-guid",
        AZURE_RESOURCE_MANAGER_ENDPOINT: "http://management.example.com/",
        MIGRATION_TIMEOUT_MINUTES: "45",
      }),
    ).promise;
    await expect(failure).rejects.toThrow(/AZURE_RESOURCE_GROUP is not set/);
    await expect(failure).rejects.toThrow(/SERVICE_WORKER_IMAGE_NAME is not set/);
    await expect(failure).rejects.toThrow(/AZURE_SUBSCRIPTION_ID is not a GUID/);
    await expect(failure).rejects.toThrow(/AZURE_RESOURCE_MANAGER_ENDPOINT must be an https URL/);
    await expect(failure).rejects.toThrow(
      /MIGRATION_TIMEOUT_MINUTES must be a whole number of minutes from 1 to 30/,
    );
    expect(arm.requests).toEqual([]);
  });

  it("says how to sign in when azd has no token", async () => {
    fakeAzd("", 1, "ERROR: not logged in, run `azd auth login` to login");
    try {
      arm.on(`GET ${JOB_PATH}`, reply(200, jobBody(NEW_IMAGE)));
      await expect(run(settings()).promise).rejects.toThrow(
        /azd could not get an Azure Resource Manager token; sign in with `azd auth login` \(ERROR: not logged in/,
      );
      expect(arm.requests).toEqual([]);
    } finally {
      fakeAzd(JSON.stringify({ token: TOKEN, expiresOn: new Date(Date.now() + 3_600_000).toISOString() }));
    }
  });

  it("exits 1 with the message and no stack trace when run as azd runs it", async () => {
    const script = path.join(INFRA_DIR, "scripts", "run-migrations.mjs");
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: process.env.PATH ?? "", AZURE_RESOURCE_MANAGER_ENDPOINT: arm.url };
      execFile(process.execPath, [script], { env, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cannot run the migrations:\n {2}AZURE_SUBSCRIPTION_ID is not set/);
    expect(result.stderr).not.toMatch(/ at /);
    expect(arm.requests).toEqual([]);
  });
});
