import { randomUUID } from "node:crypto";
import {
  EXPORT_REQUESTED_V1,
  REPORT_FILES,
  type TExportRequestedV1,
  type TGetReportInput,
  type TListReportsInput,
  type TPopularityReportParameters,
  type TReport,
  type TReportMessage,
  type TReportPage,
  type TRequestReportInput,
  ZGetReportInput,
  ZListReportsInput,
  ZPopularityReportParameters,
  ZRequestReportInput,
} from "@reports/contracts";
import { type Db, OUTBOX_NOTIFY_CHANNEL, Prisma } from "@reports/db";
import { getReportMetrics, traceparentOf, withSpan } from "@reports/telemetry";
import { z } from "zod";
import type { AuthUser } from "../auth.ts";
import type { DownloadUrlSigner } from "../download-url.ts";
import { AppError, parseInput } from "../errors.ts";
import { resolveGenre } from "./catalogue.ts";
import { ensureActiveCapacity, type ReportLimiter } from "./report-limits.ts";

/** The columns a report resource is built from. */
export const REPORT_SELECT = {
  id: true,
  kind: true,
  ownerId: true,
  parameters: true,
  status: true,
  idempotencyKey: true,
  createdAt: true,
  updatedAt: true,
  startedAt: true,
  completedAt: true,
  progressRows: true,
  expectedRows: true,
  rowCount: true,
  sizeBytes: true,
  blobName: true,
  error: true,
  scheduleId: true,
  scheduledFor: true,
} satisfies Prisma.ReportSelect;

export type ReportRow = Prisma.ReportGetPayload<{ select: typeof REPORT_SELECT }>;

/** Seconds a client should wait before polling a report that is not final yet. */
export const REPORT_POLL_AFTER_SECONDS = 2;

/**
 * A report's parameters as stored. Validation has grown stricter over time (dates before
 * 1900 are refused now), so a stored set that no longer passes is shown as it was accepted
 * rather than making the report (and every list holding it) unreadable.
 */
function storedParameters(stored: Prisma.JsonValue): TPopularityReportParameters {
  const parsed = ZPopularityReportParameters.safeParse(stored);
  return parsed.success ? parsed.data : (stored as TPopularityReportParameters);
}

/** Maps a row to the public resource; `downloadUrl` is minted by the caller, never stored. */
export function toReportResource(row: ReportRow, downloadUrl?: string): TReport {
  const report: TReport = {
    reportId: row.id,
    kind: row.kind,
    status: row.status,
    parameters: storedParameters(row.parameters),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (row.startedAt) report.startedAt = row.startedAt.toISOString();
  if (row.completedAt) report.completedAt = row.completedAt.toISOString();
  if (row.status === "Processing" || row.status === "Completed") {
    report.progress = { rowsWritten: row.progressRows, totalRows: row.expectedRows };
  }
  if (row.rowCount !== null) report.rowCount = row.rowCount;
  if (row.sizeBytes !== null) report.sizeBytes = Number(row.sizeBytes);
  if (downloadUrl) report.downloadUrl = downloadUrl;
  if (row.status === "Failed" && row.error) report.error = row.error;
  if (row.scheduleId) report.scheduleId = row.scheduleId;
  if (row.scheduledFor) report.scheduledFor = row.scheduledFor.toISOString();
  return report;
}

// Parameters compared independently of key order (jsonb does not keep it).
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function toJsonObject(parameters: TPopularityReportParameters): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(parameters)) as Prisma.InputJsonObject;
}

async function findByIdempotencyKey(db: Db, ownerId: string, idempotencyKey: string) {
  return db.prisma.report.findUnique({
    where: { ownerId_idempotencyKey: { ownerId, idempotencyKey } },
    select: REPORT_SELECT,
  });
}

function replayOrConflict(existing: ReportRow, parameters: TPopularityReportParameters) {
  if (canonicalJson(existing.parameters) !== canonicalJson(toJsonObject(parameters))) {
    throw new AppError(
      "CONFLICT",
      "This Idempotency-Key was already used for a request with different parameters.",
    );
  }
  return { report: toReportResource(existing), created: false };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/**
 * Adds the outbox row of a report message inside the caller's transaction and wakes the
 * relay (NOTIFY is delivered on commit). Every export request, accepted or re-sent by an
 * operator, leaves through here. Returns the row id, which becomes the message id.
 */
export async function writeOutboxMessage(
  tx: Prisma.TransactionClient,
  { message, traceparent }: { message: TReportMessage; traceparent?: string | null | undefined },
): Promise<string> {
  const row = await tx.outboxMessage.create({
    data: {
      type: message.type,
      payload: JSON.parse(JSON.stringify(message)) as Prisma.InputJsonObject,
      correlationId: message.reportId,
      traceparent: traceparent ?? null,
    },
    select: { id: true },
  });
  await tx.$executeRaw`SELECT pg_notify(${OUTBOX_NOTIFY_CHANNEL}, '')`;
  return row.id;
}

export interface RequestReportArgs {
  db: Db;
  user: AuthUser;
  /** Validated here with ZRequestReportInput. */
  input: z.input<typeof ZRequestReportInput>;
  /** W3C trace context of the accepting request, carried to the worker. */
  traceparent?: string | undefined;
  /**
   * Where the parameters sit in the caller's own input, for the field errors found here:
   * `parameters` (tRPC, the default) or nowhere (REST, whose body is the parameters).
   */
  parametersPrefix?: readonly string[];
  /**
   * The per-user limits (request rate, active reports). The API's adapters always pass the
   * process's limiter; without one (tests, operators' tools) nothing is limited.
   */
  limits?: ReportLimiter | undefined;
}

export interface RequestReportResult {
  report: TReport;
  /** False when an earlier request with the same Idempotency-Key is returned instead. */
  created: boolean;
}

/**
 * Accepts a report request: the Pending report row and its outbox row are written in one
 * transaction (so a request is never accepted without its message, nor the reverse), and
 * the relay is woken with NOTIFY, which PostgreSQL delivers only on commit. Validation comes
 * first, then an idempotent replay (which costs no limit), then the user's limits: the
 * request rate, and the active reports counted inside the accepting transaction.
 */
export async function requestReport(args: RequestReportArgs): Promise<RequestReportResult> {
  // With tracing on, the outbox row carries this span's context, so the relay's send, the
  // consumer and the export join the request's trace; off, the caller's traceparent as given.
  return withSpan("report.accept", { attributes: { "enduser.id": args.user.userId } }, async (span) => {
    const started = span ? performance.now() : 0;
    const result = await acceptReport({ ...args, traceparent: traceparentOf(span) ?? args.traceparent });
    if (span) {
      span.setAttribute("report.id", result.report.reportId);
      span.setAttribute("report.created", result.created);
      const metrics = getReportMetrics();
      if (result.created) metrics.requestsAccepted.add(1, { kind: result.report.kind });
      metrics.acceptLatency.record(performance.now() - started, { kind: result.report.kind });
    }
    return result;
  });
}

async function acceptReport({
  db,
  user,
  input,
  traceparent,
  parametersPrefix = ["parameters"],
  limits,
}: RequestReportArgs): Promise<RequestReportResult> {
  const parsed: TRequestReportInput = parseInput(ZRequestReportInput, input);
  const { kind, idempotencyKey } = parsed;
  // The catalogue's spelling, so that "jazz" and "Jazz" are one report (and one idempotent replay).
  const parameters = parsed.parameters.genre
    ? {
        ...parsed.parameters,
        genre: await resolveGenre(db, parsed.parameters.genre, [...parametersPrefix, "genre"].join(".")),
      }
    : parsed.parameters;

  if (idempotencyKey) {
    const existing = await findByIdempotencyKey(db, user.userId, idempotencyKey);
    if (existing) return replayOrConflict(existing, parameters);
  }

  await limits?.consumeRequest(user.userId);

  const reportId = randomUUID();
  const requestedAt = new Date();
  const message: TExportRequestedV1 = {
    type: EXPORT_REQUESTED_V1,
    reportId,
    kind,
    ownerId: user.userId,
    parameters,
    requestedAt: requestedAt.toISOString(),
  };

  try {
    const row = await db.prisma.$transaction(async (tx) => {
      if (limits) await ensureActiveCapacity(tx, user.userId, limits.config.maxActivePerUser);
      const created = await tx.report.create({
        data: {
          id: reportId,
          kind,
          ownerId: user.userId,
          parameters: toJsonObject(parameters),
          status: "Pending",
          idempotencyKey: idempotencyKey ?? null,
          createdAt: requestedAt,
          updatedAt: requestedAt,
        },
        select: REPORT_SELECT,
      });
      await writeOutboxMessage(tx, { message, traceparent });
      return created;
    });
    return { report: toReportResource(row), created: true };
  } catch (err) {
    // Two requests with the same key raced; the loser answers with the winner's report.
    if (idempotencyKey && isUniqueViolation(err)) {
      const existing = await findByIdempotencyKey(db, user.userId, idempotencyKey);
      if (existing) return replayOrConflict(existing, parameters);
    }
    throw err;
  }
}

export interface GetReportArgs {
  db: Db;
  signer: DownloadUrlSigner;
  user: AuthUser;
  input: TGetReportInput;
}

/**
 * The caller's report with this id. Someone else's report answers exactly like an unknown
 * id (NOT_FOUND), so ids cannot be probed. Every read of one report goes through here.
 */
export async function getOwnedReportOrThrow(db: Db, user: AuthUser, reportId: string): Promise<ReportRow> {
  const row = await db.prisma.report.findFirst({
    where: { id: reportId, ownerId: user.userId },
    select: REPORT_SELECT,
  });
  if (!row) throw new AppError("NOT_FOUND", `Report ${reportId} does not exist.`);
  return row;
}

/**
 * A fresh read-only link to a report's file, named and typed as its kind's file format says;
 * undefined while the report has no file. The link is signed for the blob name derived from
 * the report itself (its kind's file format), never for a name read from a column: whatever a
 * row says, a link can only ever open this report's own file.
 */
export async function mintDownloadUrl(
  signer: DownloadUrlSigner,
  row: Pick<ReportRow, "id" | "kind" | "status">,
): Promise<string | undefined> {
  if (row.status !== "Completed") return undefined;
  const file = REPORT_FILES[row.kind];
  return signer.createDownloadUrl({
    blobName: file.blobName(row.id),
    fileName: file.fileName(row.id),
    contentType: file.contentType,
  });
}

/** One report of the caller's; a Completed one gets a freshly minted download link. */
export async function getReport({ db, signer, user, input }: GetReportArgs): Promise<TReport> {
  const { reportId } = parseInput(ZGetReportInput, input);
  const row = await getOwnedReportOrThrow(db, user, reportId);
  return toReportResource(row, await mintDownloadUrl(signer, row));
}

const ZCursor = z.tuple([z.iso.datetime(), z.uuid()]);

/** Opaque keyset cursor over (created_at, id): base64url of `[createdAt, id]`. */
export function encodeReportCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

export function decodeReportCursor(cursor: string): { createdAt: Date; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const result = ZCursor.safeParse(decoded);
  if (!result.success) {
    throw new AppError("BAD_REQUEST", "The cursor is not valid; use a nextCursor from a previous page.", {
      fieldErrors: [{ field: "cursor", message: "not a cursor returned by this API" }],
    });
  }
  return { createdAt: new Date(result.data[0]), id: result.data[1] };
}

export interface ListReportsArgs {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZListReportsInput>;
}

/**
 * Reports newest first, keyset-paginated on (created_at, id) so a page stays stable while new
 * reports arrive: `where` narrows them (the caller's own, or an operator's filters).
 */
export async function findReportPage<S extends Prisma.ReportSelect, T>(
  db: Db,
  {
    where,
    cursor,
    limit,
    select,
    map,
  }: {
    where: Prisma.ReportWhereInput;
    cursor: string | undefined;
    limit: number;
    select: S;
    map: (row: Prisma.ReportGetPayload<{ select: S }>) => T;
  },
): Promise<{ items: T[]; nextCursor: string | null }> {
  const after = cursor ? decodeReportCursor(cursor) : undefined;
  const rows = (await db.prisma.report.findMany({
    where: {
      ...where,
      ...(after
        ? {
            OR: [
              { createdAt: { lt: after.createdAt } },
              { createdAt: after.createdAt, id: { lt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select,
  })) as Array<Prisma.ReportGetPayload<{ select: S }> & { createdAt: Date; id: string }>;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(map),
    nextCursor: rows.length > limit && last ? encodeReportCursor(last) : null,
  };
}

/** The caller's reports, newest first, keyset-paginated (stable while new reports arrive). */
export async function listReports({ db, user, input }: ListReportsArgs): Promise<TReportPage> {
  const { cursor, limit }: TListReportsInput = parseInput(ZListReportsInput, input);
  return findReportPage(db, {
    where: { ownerId: user.userId },
    cursor,
    limit,
    select: REPORT_SELECT,
    map: (row) => toReportResource(row),
  });
}
