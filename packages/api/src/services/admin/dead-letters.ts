import {
  type TDeadLetter,
  type TListDeadLettersInput,
  ZDeadLetterIdInput,
  ZListDeadLettersInput,
} from "@reports/contracts";
import type { Db, DeadLetter } from "@reports/db";
import type { z } from "zod";
import { AppError, parseInput } from "../../errors.ts";

export function toDeadLetter(row: DeadLetter): TDeadLetter {
  const properties = row.applicationProperties;
  return {
    id: row.id,
    queue: row.queue,
    sequenceNumber: row.sequenceNumber.toString(),
    messageId: row.messageId,
    reportId: row.reportId,
    reason: row.reason,
    description: row.description,
    subject: row.subject,
    body: row.body,
    applicationProperties:
      properties && typeof properties === "object" && !Array.isArray(properties)
        ? (properties as Record<string, unknown>)
        : {},
    deliveryCount: row.deliveryCount,
    enqueuedAt: row.enqueuedAt?.toISOString() ?? null,
    recordedAt: row.recordedAt.toISOString(),
    redrivenAt: row.redrivenAt?.toISOString() ?? null,
    redrivenBy: row.redrivenBy,
  };
}

/** The dead-lettered messages the worker recorded, newest first. */
export async function listDeadLetters({
  db,
  input,
}: {
  db: Db;
  input: z.input<typeof ZListDeadLettersInput>;
}): Promise<{ items: TDeadLetter[] }> {
  const { open, limit }: TListDeadLettersInput = parseInput(ZListDeadLettersInput, input);
  const rows = await db.prisma.deadLetter.findMany({
    where: open === undefined ? {} : open ? { redrivenAt: null } : { redrivenAt: { not: null } },
    orderBy: [{ recordedAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return { items: rows.map(toDeadLetter) };
}

/** One recorded dead letter, whole: body, properties, reason, and whether it was re-driven. */
export async function getDeadLetter({
  db,
  input,
}: {
  db: Db;
  input: z.input<typeof ZDeadLetterIdInput>;
}): Promise<TDeadLetter> {
  const { deadLetterId } = parseInput(ZDeadLetterIdInput, input);
  const row = await db.prisma.deadLetter.findUnique({ where: { id: deadLetterId } });
  if (!row) throw new AppError("NOT_FOUND", `Dead letter ${deadLetterId} does not exist.`);
  return toDeadLetter(row);
}
