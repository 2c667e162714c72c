/**
 * The largest request body the API reads, REST and tRPC alike; a larger one is a 413. The
 * biggest valid body (every report parameter at its longest, or a tRPC batch at its size
 * limit) is well under 2 KiB; 16 KiB leaves room, and a flood of large uploads costs no memory.
 */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;

/**
 * The most calls one tRPC batch may carry; a larger batch is a 400. One HTTP request used to
 * carry any number (2,000 report requests were seen in one); typed clients split their batches
 * at this size (httpBatchLink's `maxItems`).
 */
export const TRPC_MAX_BATCH_SIZE = 10;
