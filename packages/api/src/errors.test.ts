import { ZPopularityReportParameters } from "@reports/contracts";
import { Prisma } from "@reports/db";
import { describe, expect, it } from "vitest";
import {
  AppError,
  dataExceptionSqlState,
  isDatabaseUnavailable,
  parseInput,
  toAppError,
  toProblem,
} from "./errors.ts";

describe("toProblem", () => {
  it("writes an RFC 9457 body from the one error table", () => {
    expect(toProblem(new AppError("NOT_FOUND", "Report x does not exist."), "/reports/x")).toEqual({
      type: "/problems/not-found",
      title: "Not found",
      status: 404,
      code: "NOT_FOUND",
      detail: "Report x does not exist.",
      instance: "/reports/x",
    });
  });

  it("says nothing internal for an unexpected error", () => {
    const problem = toProblem(new Error("relation reports does not exist at 10.0.0.4"));
    expect(problem).toEqual({
      type: "/problems/internal",
      title: "Internal server error",
      status: 500,
      code: "INTERNAL",
    });
  });

  it("names each bad field of a zod failure once, unknown keys included", () => {
    const result = ZPopularityReportParameters.safeParse({
      from: "yesterday",
      minRatings: -1,
      limit: "ten",
      colour: "blue",
      shade: "dark",
    });
    const problem = toProblem(result.error);
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(
      ["colour", "from", "limit", "minRatings", "shade"].sort(),
    );
  });

  it("prefixes field paths when the input is nested", () => {
    expect(() => parseInput(ZPopularityReportParameters, { minRatings: 0 }, ["parameters"])).toThrow(
      expect.objectContaining({
        code: "BAD_REQUEST",
        fieldErrors: [expect.objectContaining({ field: "parameters.minRatings" })],
      }),
    );
  });

  it("maps an unreachable database to 503 UNAVAILABLE", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(toProblem(refused)).toMatchObject({ status: 503, code: "UNAVAILABLE" });
  });
});

describe("isDatabaseUnavailable", () => {
  it("recognises socket errors, also inside cause chains and AggregateErrors", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: refused }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([refused], ""))).toBe(true);
  });

  it("recognises Prisma's connection codes and initialization errors", () => {
    const p1001 = new Prisma.PrismaClientKnownRequestError("Can't reach database server", {
      code: "P1001",
      clientVersion: "7",
    });
    expect(isDatabaseUnavailable(p1001)).toBe(true);
    expect(isDatabaseUnavailable(new Prisma.PrismaClientInitializationError("boom", "7"))).toBe(true);
    const adapter = new Prisma.PrismaClientKnownRequestError("x", {
      code: "P2010",
      clientVersion: "7",
      meta: { driverAdapterError: { cause: { kind: "DatabaseNotReachable" } } },
    });
    expect(isDatabaseUnavailable(adapter)).toBe(true);
  });

  it("recognises pg's terminated connection and SQLSTATE class 08", () => {
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "08006", severity: "FATAL" }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "57P01", severity: "FATAL" }))).toBe(
      true,
    );
  });

  it("does not mistake query errors for an outage", () => {
    const unique = new Prisma.PrismaClientKnownRequestError("Unique constraint failed", {
      code: "P2002",
      clientVersion: "7",
    });
    expect(isDatabaseUnavailable(unique)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "42P01", severity: "ERROR" }))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new Error("something else"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable(new AppError("NOT_FOUND"))).toBe(false);
  });
});

describe("data exceptions (SQLSTATE class 22)", () => {
  it("are a 400, from pg's error or from Prisma's driver-adapter error, and say nothing else", () => {
    const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: "22021",
      severity: "ERROR",
    });
    expect(dataExceptionSqlState(pgError)).toBe("22021");
    expect(toProblem(pgError)).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    const adapter = new Prisma.PrismaClientKnownRequestError("unsupported Unicode escape sequence", {
      code: "P2010",
      clientVersion: "7",
      meta: { driverAdapterError: { cause: { kind: "postgres", originalCode: "22P05", code: "22P05" } } },
    });
    expect(dataExceptionSqlState(adapter)).toBe("22P05");
    const problem = toProblem(adapter);
    expect(problem).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(problem.detail).toBe("A value in the request cannot be stored or compared (SQLSTATE 22P05).");
    const outOfRange = Object.assign(new Error("date/time field value out of range"), {
      code: "22008",
      severity: "ERROR",
    });
    expect(toAppError(outOfRange).httpStatus).toBe(400);
  });

  it("leave every other SQLSTATE alone", () => {
    for (const code of ["42P01", "23505", "40001", "54000"]) {
      const error = Object.assign(new Error("x"), { code, severity: "ERROR" });
      expect(dataExceptionSqlState(error)).toBeUndefined();
      expect(toAppError(error).code).toBe("INTERNAL");
    }
    // A `code` without `severity` is not a SQLSTATE (Node's own codes look alike).
    expect(dataExceptionSqlState(Object.assign(new Error("x"), { code: "22000" }))).toBeUndefined();
  });
});
