// npm run fuzz -w @reports/web -- [--runs 10000] [--seed 1] [--url http://127.0.0.1:3000]
import { parseArgs } from "node:util";
import { runFuzz } from "../e2e/fuzz/run-fuzz.ts";
import { readScriptEnv } from "./local-env.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3000" },
    seed: { type: "string", default: "1" },
    url: { type: "string" },
    concurrency: { type: "string", default: "8" },
    json: { type: "string" },
  },
});
const env = readScriptEnv();
const figures = await runFuzz({
  baseUrl: values.url ?? env.WEB_URL!,
  devSecret: env.AUTH_DEV_SECRET!,
  seed: Number(values.seed),
  runs: Number(values.runs),
  concurrency: Number(values.concurrency),
  limits: { maxBodyBytes: 16 * 1024, maxBatchSize: 10 },
  log: (line) => process.stderr.write(`${line}\n`),
});
if (values.json)
  await import("node:fs/promises").then((fs) => fs.writeFile(values.json!, JSON.stringify(figures, null, 2)));
process.stdout.write(`${JSON.stringify({ ...figures, byFamily: undefined }, null, 2)}\n`);
