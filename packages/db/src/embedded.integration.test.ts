import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded.ts";
import { queryRows as query } from "./testing.ts";

describe("startEmbeddedPostgres", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "reports-embedded-"));
    await chmod(root, 0o755);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("keeps data across stop and restart, on a new free port", async () => {
    const dataDir = path.join(root, "restart");
    const first = await startEmbeddedPostgres({ dataDir });
    await first.ensureDatabase("app");
    await first.ensureDatabase("app"); // idempotent
    await query(
      first.urlFor("app"),
      "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')",
    );
    await first.stop();
    await first.stop(); // idempotent
    await expect(query(first.adminUrl, "SELECT 1")).rejects.toThrow();

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await query(second.urlFor("app"), "SELECT value FROM kept")).toEqual([{ value: "still here" }]);
      const [{ encoding }] = (await query<{ encoding: string }>(
        second.adminUrl,
        "SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = 'app'",
      )) as [{ encoding: string }];
      expect(encoding).toBe("UTF8");
    } finally {
      await second.stop();
    }
  });

  it("starts despite a stale postmaster.pid left by a crashed run", async () => {
    const dataDir = path.join(root, "stale");
    const first = await startEmbeddedPostgres({ dataDir });
    await first.stop();
    // what a SIGKILLed server leaves: a pid file naming a process that is gone (or reused)
    await writeFile(path.join(dataDir, "postmaster.pid"), `${process.pid}\n${dataDir}\n`);
    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await query(second.adminUrl, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      await second.stop();
    }
  });

  it("fails loudly, naming the port, when the requested port is taken", async () => {
    const running = await startEmbeddedPostgres({ dataDir: path.join(root, "taken-a") });
    try {
      await expect(
        startEmbeddedPostgres({ dataDir: path.join(root, "taken-b"), port: running.port }),
      ).rejects.toThrow(new RegExp(`port ${running.port}`));
    } finally {
      await running.stop();
    }
  });

  it.runIf(process.getuid?.() === 0)(
    "explains, as root, when the postgres user cannot reach the data dir",
    async () => {
      const privateDir = path.join(root, "private");
      await mkdir(privateDir, { mode: 0o700 });
      await expect(
        startEmbeddedPostgres({ dataDir: path.join(privateDir, "inner", "data") }),
      ).rejects.toThrow(/cannot reach/);
    },
  );
});
