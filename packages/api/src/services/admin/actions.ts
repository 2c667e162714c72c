import { randomUUID } from "node:crypto";
import {
  EXPORT_REQUESTED_V1,
  OPERATOR_REQUEUE,
  reportStatusesLeadingTo,
  type TAdminAction,
  type TExportRequestedV1,
  type TReportMessage,
  type TReportStatus,
  ZAdminDeadLetterActionInput,
  ZAdminReportActionInput,
  ZPopularityReportParameters,
  ZReportMessage,
} from "@reports/contracts";
import { type AdminAction, type Db, Prisma } from "@reports/db";
import type { z } from "zod";
import type { AuthUser } from "../../auth.ts";
import { AppError, parseInput } from "../../errors.ts";
import { writeOutboxMessage } from "../reports.ts";

type Tx = Prisma.TransactionClient;
type ActionName = TAdminAction["action"];

export function toAdminAction(row: AdminAction, repeated: boolean): TAdminAction {
  const outcome = (row.outcome ?? {}) as { status?: TReportStatus | null };
  return {
    id: row.id,
    action: row.action as ActionName,
    actor: row.actor,
    at: row.at.toISOString(),
    reportId: row.reportId,
    deadLetterId: row.deadLetterId,
    status: outcome.status ?? null,
    repeated,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

interface ActionTarget {
  action: ActionName;
  reportId?: string | undefined;
  deadLetterId?: string | undefined;
}

/** The answer to a repeat of an earlier request with the same key, or a 409 when the key was used for something else. */
function replay(existing: AdminAction, target: ActionTarget): TAdminAction {
  if (
    existing.action !== target.action ||
    existing.reportId !== (target.reportId ?? existing.reportId) ||
    existing.deadLetterId !== (target.deadLetterId ?? null)
  ) {
    throw new AppError("CONFLICT", "This Idempotency-Key was already used for another action.");
  }
  return toAdminAction(existing, true);
}

/**
 * Runs one operator action in one transaction: its effect, the story line and the
 * admin_actions record (who, when, outcome) commit together or not at all. The actor is set
 * for the transaction (`reports.actor`), so the story trigger records the status change as
 * theirs. The same Idempotency-Key from the same operator answers with the first outcome.
 */
async function runAction(
  db: Db,
  user: AuthUser,
  target: ActionTarget,
  idempotencyKey: string | undefined,
  effect: (tx: Tx) => Promise<{ reportId: string | null; status: TReportStatus | null; detail?: object }>,
): Promise<TAdminAction> {
  const find = () =>
    idempotencyKey
      ? db.prisma.adminAction.findUnique({
          where: { actor_idempotencyKey: { actor: user.userId, idempotencyKey } },
        })
      : Promise.resolve(null);
  const existing = await find();
  if (existing) return replay(existing, target);
  try {
    const row = await db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('reports.actor', ${user.userId}, true)`;
      const result = await effect(tx);
      const id = randomUUID();
      if (result.reportId) {
        await tx.reportStoryEvent.create({
          data: {
            reportId: result.reportId,
            event: "admin",
            actor: user.userId,
            detail: { action: target.action, actionId: id, ...(result.detail ?? {}) },
          },
        });
      }
      return tx.adminAction.create({
        data: {
          id,
          action: target.action,
          actor: user.userId,
          reportId: result.reportId,
          deadLetterId: target.deadLetterId ?? null,
          idempotencyKey: idempotencyKey ?? null,
          outcome: { status: result.status, ...(result.detail ?? {}) },
        },
      });
    });
    return toAdminAction(row, false);
  } catch (err) {
    // Two requests with the same key raced: the loser answers with the winner's outcome.
    if (idempotencyKey && isUniqueViolation(err)) {
      const winner = await find();
      if (winner) return replay(winner, target);
    }
    throw err;
  }
}

async function currentStatusOrThrow(tx: Tx, reportId: string): Promise<TReportStatus> {
  const row = await tx.report.findUnique({ where: { id: reportId }, select: { status: true } });
  if (!row) throw new AppError("NOT_FOUND", `Report ${reportId} does not exist.`);
  return row.status;
}

const CANCELLABLE = reportStatusesLeadingTo("Cancelled");

/** Cancels any user's Pending or Processing report (the worker running it stops on the change). */
export async function cancelReportAsOperator({
  db,
  user,
  input,
}: {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZAdminReportActionInput>;
}): Promise<TAdminAction> {
  const { reportId, idempotencyKey } = parseInput(ZAdminReportActionInput, input);
  return runAction(db, user, { action: "cancel", reportId }, idempotencyKey, async (tx) => {
    const now = new Date();
    const cancelled = await tx.report.updateMany({
      where: { id: reportId, status: { in: CANCELLABLE } },
      data: { status: "Cancelled", completedAt: now, updatedAt: now },
    });
    if (cancelled.count === 0) {
      const status = await currentStatusOrThrow(tx, reportId);
      throw new AppError(
        "CONFLICT",
        `Report ${reportId} is ${status}; only a Pending or Processing report can be cancelled.`,
      );
    }
    return { reportId, status: "Cancelled" };
  });
}

/**
 * Moves a Failed report back to Pending (OPERATOR_REQUEUE) in one guarded statement, so two
 * operators retrying at once requeue it once. Its work starts over: no file, no progress.
 */
async function requeueFailedReport(tx: Tx, reportId: string): Promise<boolean> {
  const requeued = await tx.report.updateMany({
    where: { id: reportId, status: { in: [...OPERATOR_REQUEUE.from] } },
    data: {
      status: OPERATOR_REQUEUE.to,
      error: null,
      errorDetail: null,
      startedAt: null,
      completedAt: null,
      progressRows: 0,
      expectedRows: null,
      rowCount: null,
      sizeBytes: null,
      blobName: null,
      updatedAt: new Date(),
    },
  });
  return requeued.count === 1;
}

/** The trace the report's request started, so its retry's spans join the same trace. */
async function firstTraceparent(tx: Tx, reportId: string): Promise<string | null> {
  const first = await tx.outboxMessage.findFirst({
    where: { correlationId: reportId },
    orderBy: { createdAt: "asc" },
    select: { traceparent: true },
  });
  return first?.traceparent ?? null;
}

/** Retries a Failed report: back to Pending with a new export request through the outbox. */
export async function retryReport({
  db,
  user,
  input,
}: {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZAdminReportActionInput>;
}): Promise<TAdminAction> {
  const { reportId, idempotencyKey } = parseInput(ZAdminReportActionInput, input);
  return runAction(db, user, { action: "retry", reportId }, idempotencyKey, async (tx) => {
    if (!(await requeueFailedReport(tx, reportId))) {
      const status = await currentStatusOrThrow(tx, reportId);
      throw new AppError("CONFLICT", `Report ${reportId} is ${status}; only a Failed report can be retried.`);
    }
    const report = await tx.report.findUniqueOrThrow({
      where: { id: reportId },
      select: { kind: true, ownerId: true, parameters: true },
    });
    const message: TExportRequestedV1 = {
      type: EXPORT_REQUESTED_V1,
      reportId,
      kind: report.kind,
      ownerId: report.ownerId,
      parameters: ZPopularityReportParameters.parse(report.parameters),
      requestedAt: new Date().toISOString(),
    };
    const outboxId = await writeOutboxMessage(tx, {
      message,
      traceparent: await firstTraceparent(tx, reportId),
    });
    return { reportId, status: OPERATOR_REQUEUE.to, detail: { outboxId } };
  });
}

/**
 * Re-drives a recorded dead letter: its message goes back to the queue through the outbox
 * (a new message id, so the queue's duplicate detection does not drop it), and its report,
 * Failed by the dead-lettering, goes back to Pending. Once per dead letter: the row is
 * locked and marked in the same transaction.
 */
export async function redriveDeadLetter({
  db,
  user,
  input,
}: {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZAdminDeadLetterActionInput>;
}): Promise<TAdminAction> {
  const { deadLetterId, idempotencyKey } = parseInput(ZAdminDeadLetterActionInput, input);
  return runAction(db, user, { action: "redrive", deadLetterId }, idempotencyKey, async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM dead_letters WHERE id = ${deadLetterId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new AppError("NOT_FOUND", `Dead letter ${deadLetterId} does not exist.`);
    const deadLetter = await tx.deadLetter.findUniqueOrThrow({ where: { id: deadLetterId } });
    if (deadLetter.redrivenAt) {
      throw new AppError(
        "CONFLICT",
        `Dead letter ${deadLetterId} was already re-driven by ${deadLetter.redrivenBy} at ${deadLetter.redrivenAt.toISOString()}.`,
      );
    }
    const parsed = ZReportMessage.safeParse(deadLetter.body);
    if (!parsed.success) {
      throw new AppError(
        "CONFLICT",
        `Dead letter ${deadLetterId} cannot be re-driven: its body is not a report message this version understands (${deadLetter.reason ?? "no reason"}).`,
      );
    }
    const message: TReportMessage = parsed.data;
    const { reportId } = message;
    const status = await currentStatusOrThrow(tx, reportId);
    if (status === "Failed") {
      await requeueFailedReport(tx, reportId);
    } else if (status !== "Pending" && status !== "Processing") {
      throw new AppError(
        "CONFLICT",
        `Report ${reportId} is ${status}; re-driving its dead-lettered message would do nothing.`,
      );
    }
    const properties = (deadLetter.applicationProperties ?? {}) as Record<string, unknown>;
    const traceparent = typeof properties.traceparent === "string" ? properties.traceparent : null;
    const outboxId = await writeOutboxMessage(tx, { message, traceparent });
    await tx.deadLetter.update({
      where: { id: deadLetterId },
      data: { redrivenAt: new Date(), redrivenBy: user.userId, redriveOutboxId: outboxId },
    });
    return {
      reportId,
      status: status === "Failed" ? OPERATOR_REQUEUE.to : status,
      detail: { deadLetterId, outboxId },
    };
  });
}
