import path from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_REQUEST_BODY_BYTES } from "@reports/contracts";
import type { NextConfig } from "next";

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "../..");

const nextConfig: NextConfig = {
  // A self-contained server for the container image (.next/standalone).
  output: "standalone",
  // Trace files from the monorepo root so the workspace packages land in the standalone output.
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  // The internal packages are consumed as TypeScript source.
  transpilePackages: [
    "@reports/api",
    "@reports/azure",
    "@reports/contracts",
    "@reports/db",
    "@reports/runtime",
    "@reports/telemetry",
  ],
  // Native-ish or worker-thread-using server libraries stay plain Node requires.
  serverExternalPackages: [
    "pg",
    "@prisma/client",
    "@prisma/adapter-pg",
    "pino",
    "pino-pretty",
    "thread-stream",
    "@azure/identity",
  ],
  experimental: {
    // With a proxy (src/proxy.ts), Next.js buffers every request body before any route runs:
    // 10 MB by default, and a longer body is cut short, not refused, dropping the chunk that
    // crosses the limit (so what is left may be any prefix, even an empty one, that parses).
    // Socket reads are at most 64 KiB, so with 128 KiB above the API's own limit whatever is
    // left of a cut body is still over that limit, and the routes answer 413.
    proxyClientMaxBodySize: MAX_REQUEST_BODY_BYTES + 128 * 1024,
    // forbidden() answers 403 with app/forbidden.tsx: the operator console's pages for
    // anyone without the admin role.
    authInterrupts: true,
  },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
