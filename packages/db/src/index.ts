export { type CreateDbOptions, createDb, type Db } from "./client.ts";
export type { Album, Artist, OutboxMessage, Rating, Report } from "./generated/prisma/client.ts";
export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export { ReportKind, ReportStatus } from "./generated/prisma/enums.ts";
