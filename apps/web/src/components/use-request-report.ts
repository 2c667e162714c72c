"use client";

import type { TPopularityReportParameters } from "@reports/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../trpc/react.tsx";

/** The request mutation; on success the report list is refetched so the new report shows. */
export function useRequestReport() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.reports.request.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.reports.list.pathKey() }),
    }),
  );
}

export type RequestReportVariables = {
  parameters: TPopularityReportParameters;
  idempotencyKey: string;
};
