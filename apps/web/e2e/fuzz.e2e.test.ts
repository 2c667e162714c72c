import { MAX_REQUEST_BODY_BYTES, TRPC_MAX_BATCH_SIZE } from "@reports/contracts";
import { describe, expect, inject, it } from "vitest";
import { type FuzzFigures, runFuzz } from "./fuzz/run-fuzz.ts";

const webUrl = inject("webUrl");
const stackEnv = inject("stackEnv");

/** The findings of one rule, readable in a failure message. */
function explain(
  figures: FuzzFigures,
  rule: "serverErrors" | "hostileAccepted" | "crossUserReads" | "unexpected",
) {
  return figures[rule]
    .map((f) => `${f.status} ${f.method} ${f.path} [${f.family}, ${f.caller}]: ${f.why} ${f.body}`)
    .join("\n");
}

// The seeded, bounded version of the fuzz suite (the full one: `npm run fuzz -w @reports/web`,
// README "Fuzz suite"), against the built web app the local stack runs.
describe("fuzz suite (small, seeded)", () => {
  it("answers 1,500 generated requests and the authorization matrix with no 5xx, no hostile request accepted and no cross-user read", async () => {
    const figures = await runFuzz({
      baseUrl: webUrl,
      devSecret: stackEnv.AUTH_DEV_SECRET!,
      seed: 20261129,
      runs: 1_500,
      concurrency: 6,
      limits: { maxBodyBytes: MAX_REQUEST_BODY_BYTES, maxBatchSize: TRPC_MAX_BATCH_SIZE },
    });
    console.warn(
      `fuzz: ${figures.requests} requests in ${figures.durationMs} ms, statuses ${JSON.stringify(figures.byStatus)}, ` +
        `${figures.reportsCreated} reports created, matrix ${figures.matrix.rows.length} rows`,
    );
    expect(figures.requests).toBeGreaterThanOrEqual(1_500);
    expect(figures.counts.serverErrors, explain(figures, "serverErrors")).toBe(0);
    expect(figures.counts.hostileAccepted, explain(figures, "hostileAccepted")).toBe(0);
    expect(figures.counts.crossUserReads, explain(figures, "crossUserReads")).toBe(0);
    expect(figures.counts.unexpected, explain(figures, "unexpected")).toBe(0);
    // The matrix: nobody else reads the report, nobody anonymous reads anything.
    expect(figures.matrix.completed).toBe(true);
    for (const row of figures.matrix.rows) {
      if (row.anonymous !== 0) expect(row.anonymous, row.endpoint).toBe(401);
    }
  }, 300_000);
});
