import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only (generate; migrate deploy where the schema engine can run).
// The apps connect through @prisma/adapter-pg with the URL from their own validated config.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/unused" },
});
