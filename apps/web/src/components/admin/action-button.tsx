"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { newIdempotencyKey } from "../../lib/idempotency-key.ts";
import { describeApiError } from "../../trpc/errors.ts";

/**
 * An operator action button. One Idempotency-Key per click: a request repeated by the
 * network is answered with the first outcome instead of acting twice.
 */
export function ActionButton({
  label,
  run,
  confirm,
}: {
  label: string;
  run: (idempotencyKey: string) => Promise<unknown>;
  confirm?: string;
}) {
  const queryClient = useQueryClient();
  const [key, setKey] = useState(newIdempotencyKey);
  const mutation = useMutation({
    mutationFn: () => run(key),
    onSettled: async () => {
      setKey(newIdempotencyKey());
      await queryClient.invalidateQueries();
    },
  });
  return (
    <span className="action">
      <button
        type="button"
        className="button button-small"
        disabled={mutation.isPending}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          mutation.mutate();
        }}
      >
        {mutation.isPending ? `${label}…` : label}
      </button>
      {mutation.isError ? (
        <span className="field-error" role="alert">
          {describeApiError(mutation.error)}
        </span>
      ) : null}
      {mutation.isSuccess ? (
        <span className="muted" role="status">
          Done.
        </span>
      ) : null}
    </span>
  );
}
