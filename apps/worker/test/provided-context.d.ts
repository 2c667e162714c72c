// The db package declares this in its global-setup file, which is not part of this
// package's program; without it `inject("postgresAdminUrl")` in @reports/db/testing does
// not typecheck here.
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}
