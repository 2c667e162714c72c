"use client";

import type { AppRouter } from "@reports/api/trpc";
import { TRPC_MAX_BATCH_SIZE } from "@reports/contracts";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";

/** Typed hooks for the dashboard: `useTRPC().reports.list.infiniteQueryOptions(...)`. */
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

function isClientError(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
  return status !== undefined && status >= 400 && status < 500;
}

function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx (signed out, not found) will not fix itself by retrying; a 503 may.
        retry: (failureCount, error) => !isClientError(error) && failureCount < 3,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}

/** TanStack Query + tRPC for the client components below it. The session cookie authenticates. */
export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: "/api/trpc",
          // The server refuses larger batches.
          maxItems: TRPC_MAX_BATCH_SIZE,
          fetch: (url, init) => fetch(url, { ...init, credentials: "same-origin" }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
