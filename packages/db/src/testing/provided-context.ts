// What the global setup provides to test files. Imported by both sides so that any
// package using @reports/db/testing gets the declaration without extra tsconfig includes.
declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the embedded PostgreSQL started for this test run. */
    postgresAdminUrl: string;
  }
}

export {};
