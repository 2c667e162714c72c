"use client";

import type { TPopularityReportParameters } from "@reports/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef } from "react";
import { newIdempotencyKey } from "../lib/idempotency-key.ts";
import { useTRPC } from "../trpc/react.tsx";

/**
 * Requests popularity reports idempotently, one Idempotency-Key per attempt: sending the
 * same attempt again (a double click, a retry after a lost response) reuses the key and so
 * makes one report. A success, or `startNewAttempt()` (the parameters changed), makes the
 * next request a new attempt with a fresh key. On success the report list is refetched so
 * the new report shows.
 */
export function useRequestReport() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mutation = useMutation(
    trpc.reports.request.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.reports.list.pathKey() }),
    }),
  );
  const { mutateAsync } = mutation;
  const attemptKey = useRef<string | null>(null);
  // Set synchronously, so a second submit in the same tick (before React re-renders with
  // isPending) sends nothing.
  const inFlight = useRef(false);

  /** Sends the request; resolves undefined when one is already under way. Throws its error. */
  const submit = useCallback(
    async (parameters: TPopularityReportParameters) => {
      if (inFlight.current) return undefined;
      inFlight.current = true;
      attemptKey.current ??= newIdempotencyKey();
      try {
        const result = await mutateAsync({
          kind: "popularity",
          parameters,
          idempotencyKey: attemptKey.current,
        });
        attemptKey.current = null;
        return result;
      } finally {
        inFlight.current = false;
      }
    },
    [mutateAsync],
  );

  const startNewAttempt = useCallback(() => {
    attemptKey.current = null;
  }, []);

  return { submit, startNewAttempt, isPending: mutation.isPending, error: mutation.error };
}
