"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { describeApiError } from "../../trpc/errors.ts";
import { useTRPC } from "../../trpc/react.tsx";
import { ActionButton } from "./action-button.tsx";

/** The dead-lettered messages the worker recorded: inspect one whole, re-drive it. */
export function DeadLetters() {
  const trpc = useTRPC();
  const [openOnly, setOpenOnly] = useState(true);
  const list = useQuery(
    trpc.admin.deadLetters.list.queryOptions(
      { open: openOnly || undefined, limit: 100 },
      { refetchInterval: 5_000 },
    ),
  );
  const redrive = useMutation(trpc.admin.deadLetters.redrive.mutationOptions());
  return (
    <>
      <label className="inline-field">
        <input type="checkbox" checked={openOnly} onChange={(event) => setOpenOnly(event.target.checked)} />{" "}
        Only those not re-driven
      </label>
      {list.isPending ? (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      ) : list.isError ? (
        <p className="notice notice-error" role="alert">
          {describeApiError(list.error)}
        </p>
      ) : list.data.items.length === 0 ? (
        <p className="muted">No dead-lettered message{openOnly ? " waiting" : ""}.</p>
      ) : (
        <ul className="dead-letters" data-testid="dead-letters">
          {list.data.items.map((item) => (
            <li key={item.id} className="card dead-letter" data-dead-letter-id={item.id}>
              <div className="dead-letter-head">
                <strong>{item.reason ?? "no reason"}</strong>
                <span className="muted">
                  {new Date(item.recordedAt).toLocaleString("en-GB")} · {item.deliveryCount ?? "?"} deliveries
                  · message <span className="mono">{item.messageId}</span>
                </span>
              </div>
              <p>{item.description}</p>
              {item.reportId ? (
                <p>
                  Report{" "}
                  <Link href={`/admin/reports/${item.reportId}`} className="mono">
                    {item.reportId}
                  </Link>
                </p>
              ) : null}
              <details>
                <summary>Message</summary>
                <pre className="message-body">
                  {JSON.stringify(
                    { body: item.body, applicationProperties: item.applicationProperties },
                    null,
                    2,
                  )}
                </pre>
              </details>
              {item.redrivenAt ? (
                <p className="muted">
                  Re-driven by {item.redrivenBy} at {new Date(item.redrivenAt).toLocaleString("en-GB")}
                </p>
              ) : (
                <ActionButton
                  label="Re-drive"
                  run={(idempotencyKey) => redrive.mutateAsync({ deadLetterId: item.id, idempotencyKey })}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
