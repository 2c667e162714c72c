import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunningDeliveries } from "../src/heartbeat/running-deliveries.ts";
import { startHeartbeat } from "../src/heartbeat/start-heartbeat.ts";
import { silentLog, waitFor } from "./support.ts";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ name: "worker_heartbeat" });
});

afterAll(async () => {
  await database?.drop();
});

async function heartbeatRow(workerId: string) {
  const result = await database.db.pool.query("SELECT * FROM worker_heartbeats WHERE worker_id = $1", [
    workerId,
  ]);
  return result.rows[0];
}

describe("worker heartbeat", () => {
  it("refreshes its row with what it runs, and says goodbye when it stops", async () => {
    const running = createRunningDeliveries();
    const startedAt = new Date();
    const heartbeat = startHeartbeat({
      pool: database.db.pool,
      identity: { workerId: "w-1", host: "host-a", pid: 42, version: "v9", concurrency: 3, startedAt },
      running,
      log: silentLog,
      intervalMs: 50,
    });
    try {
      const first = await waitFor(() => heartbeatRow("w-1"), { what: "the first heartbeat" });
      expect(first).toMatchObject({ host: "host-a", pid: 42, version: "v9", concurrency: 3, running: [] });
      expect(first.started_at.getTime()).toBe(startedAt.getTime());

      running.add("lock-1", { reportId: "r-1", messageId: "m-1", since: startedAt.toISOString() });
      const busy = await waitFor(
        async () => {
          const row = await heartbeatRow("w-1");
          return row.running.length === 1 && row;
        },
        { what: "a heartbeat naming the running delivery" },
      );
      expect(busy.running).toEqual([{ reportId: "r-1", messageId: "m-1", since: startedAt.toISOString() }]);
      expect(busy.last_seen_at.getTime()).toBeGreaterThan(first.last_seen_at.getTime());
      expect(busy.stopped_at).toBeNull();
    } finally {
      await heartbeat.close();
    }
    const stopped = await heartbeatRow("w-1");
    expect(stopped.stopped_at).toBeInstanceOf(Date);
    expect(stopped.running).toEqual([]);
  });
});
