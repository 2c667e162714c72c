import path from "node:path";
import { fileURLToPath } from "node:url";
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
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
