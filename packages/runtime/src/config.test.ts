import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseConfig, zBooleanString, zPort, zPostgresUrl } from "./config.ts";

const schema = z.object({
  DATABASE_URL: zPostgresUrl,
  PORT: zPort.default(3000),
  DEBUG: zBooleanString.default(false),
});

describe("parseConfig", () => {
  it("applies defaults and coerces strings", () => {
    expect(parseConfig(schema, { DATABASE_URL: "postgres://x/y", PORT: "8080", DEBUG: "yes" })).toEqual({
      DATABASE_URL: "postgres://x/y",
      PORT: 8080,
      DEBUG: true,
    });
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig(schema, { DATABASE_URL: "postgres://x/y", PORT: "" }).PORT).toBe(3000);
  });

  it("names every invalid variable in the error", () => {
    let caught: unknown;
    try {
      parseConfig(schema, { DATABASE_URL: "mysql://nope", PORT: "99999", DEBUG: "maybe" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const variables = (caught as ConfigError).issues.map((issue) => issue.variable).sort();
    expect(variables).toEqual(["DATABASE_URL", "DEBUG", "PORT"]);
    expect((caught as ConfigError).message).toContain("DATABASE_URL");
  });

  it("reports a missing required variable by name", () => {
    expect(() => parseConfig(schema, {})).toThrow(/DATABASE_URL/);
  });
});
