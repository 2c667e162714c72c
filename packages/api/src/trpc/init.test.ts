import { MAX_REQUEST_BODY_BYTES } from "@reports/contracts";
import type { Db } from "@reports/db";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../errors.ts";
import { createContextInner } from "./context.ts";
import { protectedProcedure, publicProcedure, router } from "./init.ts";

type TrpcCode = keyof typeof TRPC_ERROR_CODES_BY_KEY;

// Procedures that never touch the database: the error table and tRPC's own request errors.
const testRouter = router({
  fail: publicProcedure.input(z.object({ code: z.string() })).query(({ input }) => {
    throw new TRPCError({ code: input.code as TrpcCode, message: `failed with ${input.code}` });
  }),
  crash: publicProcedure.query(() => {
    throw new Error("secret internal detail");
  }),
  echo: publicProcedure.input(z.object({ text: z.string() })).mutation(({ input }) => input),
  limited: publicProcedure.mutation(() => {
    throw new AppError("TOO_MANY_REQUESTS", "slow down", { retryAfterSeconds: 7 });
  }),
  mine: protectedProcedure.input(z.object({ text: z.string() })).mutation(({ input }) => input),
});

const context = createContextInner({ db: {} as Db, signer: { createDownloadUrl: async () => "" } });

function call(path: string, init: RequestInit & { duplex?: "half" } = {}) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: new Request(`http://localhost/api/trpc/${path}`, init),
    router: testRouter,
    createContext: () => context,
  });
}

async function errorOf(response: Response) {
  const body = (await response.json()) as {
    error: { message: string; data: { httpStatus: number; code: string; appCode?: string } };
  };
  expect(body.error.data.httpStatus).toBe(response.status);
  return body.error;
}

describe("tRPC errors through the one error table", () => {
  it("answers every tRPC code with the table's status or tRPC's own, and 500 only for an internal error", async () => {
    for (const code of Object.keys(TRPC_ERROR_CODES_BY_KEY) as TrpcCode[]) {
      const response = await call(`fail?input=${encodeURIComponent(JSON.stringify({ code }))}`);
      const expected = getHTTPStatusCodeFromError(new TRPCError({ code }));
      expect({ code, status: response.status }).toEqual({ code, status: expected });
      if (code !== "INTERNAL_SERVER_ERROR") expect(response.status).not.toBe(500);
      await errorOf(response);
    }
  });

  it("says nothing internal in a 500", async () => {
    const response = await call("crash");
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.message).toBe("Internal server error");
    expect(JSON.stringify(error)).not.toContain("secret");
  });

  it("answers a GET on a mutation and a POST on a query with 405", async () => {
    const get = await call(`echo?input=${encodeURIComponent(JSON.stringify({ text: "x" }))}`);
    expect(get.status).toBe(405);
    expect((await errorOf(get)).data.appCode).toBe("METHOD_NOT_SUPPORTED");
    const post = await call("crash", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(post.status).toBe(405);
  });

  it("answers a body that is not JSON by its content type with 415, and malformed JSON with 400", async () => {
    for (const contentType of ["text/plain", "application/xml", undefined]) {
      const response = await call("echo", {
        method: "POST",
        headers: contentType ? { "content-type": contentType } : {},
        body: new TextEncoder().encode('{"text":"x"}'),
      });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 415 });
      expect((await errorOf(response)).data.appCode).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    const octets = await call("echo", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: '{"text":"x"}',
    });
    expect(octets.status).toBe(415);
    const malformed = await call("echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text":',
    });
    expect(malformed.status).toBe(400);
  });

  it("answers a body stream that fails with a PAYLOAD_TOO_LARGE error with 413", async () => {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) =>
        controller.error(
          new TRPCError({
            code: "PAYLOAD_TOO_LARGE",
            cause: new AppError(
              "PAYLOAD_TOO_LARGE",
              `The body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`,
            ),
          }),
        ),
    });
    const response = await call("echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).message).toMatch(/larger than 16384 bytes/);
  });

  it("reads no body before authenticating", async () => {
    const body = new ReadableStream<Uint8Array>({
      pull: () => {
        throw new Error("the body was read");
      },
    });
    const response = await call("mine", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    });
    expect(response.status).toBe(401);
  });

  it("answers a procedure path that is not valid percent-encoding with 400", async () => {
    const response = await call("echo%E0%A4%A");
    expect(response.status).toBe(400);
  });

  it("keeps an AppError's code and detail (a limit's 429)", async () => {
    const response = await call("limited", {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(429);
    const error = await errorOf(response);
    expect(error).toMatchObject({ message: "slow down", data: { appCode: "TOO_MANY_REQUESTS" } });
  });
});
