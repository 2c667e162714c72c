import { ConfigError, parseConfig } from "@reports/runtime";
import { describe, expect, it } from "vitest";
import { ZWebEnv } from "./env.ts";

const BASE = {
  APP_ENV: "development",
  DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/reports",
  BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
};
const SECRET = "x".repeat(32);
const OIDC = {
  APP_ENV: "production",
  AUTH_MODE: "oidc",
  AUTH_ISSUER: "https://login.microsoftonline.com/t/v2.0",
  AUTH_AUDIENCE: "api://reports",
  AUTH_JWKS_URL: "https://login.microsoftonline.com/t/discovery/v2.0/keys",
  AUTH_OIDC_CLIENT_ID: "00000000-0000-4000-8000-000000000001",
  PUBLIC_URL: "https://reports.example.com/",
};

function failingVariables(env: Record<string, string>): string[] {
  try {
    parseConfig(ZWebEnv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((issue) => issue.variable).sort();
    throw err;
  }
  return [];
}

describe("ZWebEnv", () => {
  it("accepts the local stack's development configuration with defaults", () => {
    const env = parseConfig(ZWebEnv, { ...BASE, AUTH_DEV_SECRET: SECRET });
    expect(env).toMatchObject({
      AUTH_MODE: "development",
      DOWNLOAD_URL_TTL_SECONDS: 300,
      BLOB_CONTAINER: "reports",
    });
  });

  it("is production unless told otherwise, and refuses development auth there", () => {
    const { APP_ENV: _omitted, ...withoutAppEnv } = BASE;
    expect(failingVariables({ ...withoutAppEnv, AUTH_DEV_SECRET: SECRET })).toEqual(["AUTH_MODE"]);
    expect(failingVariables({ ...BASE, APP_ENV: "production", AUTH_DEV_SECRET: SECRET })).toEqual([
      "AUTH_MODE",
    ]);
  });

  it("requires issuer, audience, JWKS URL, client id and public URL in oidc mode", () => {
    expect(failingVariables({ ...BASE, APP_ENV: "production", AUTH_MODE: "oidc" })).toEqual([
      "AUTH_AUDIENCE",
      "AUTH_ISSUER",
      "AUTH_JWKS_URL",
      "AUTH_OIDC_CLIENT_ID",
      "PUBLIC_URL",
    ]);
    const env = parseConfig(ZWebEnv, { ...BASE, ...OIDC });
    expect(env.AUTH_MODE).toBe("oidc");
    expect(env.PUBLIC_URL).toBe("https://reports.example.com");
    expect(env.AUTH_OIDC_SCOPES).toBeUndefined();
  });

  it("refuses a public URL with a path, or over http in production", () => {
    expect(failingVariables({ ...BASE, ...OIDC, PUBLIC_URL: "https://reports.example.com/app" })).toEqual([
      "PUBLIC_URL",
    ]);
    expect(failingVariables({ ...BASE, ...OIDC, PUBLIC_URL: "http://reports.example.com" })).toEqual([
      "PUBLIC_URL",
    ]);
    expect(
      failingVariables({ ...BASE, ...OIDC, APP_ENV: "development", PUBLIC_URL: "http://localhost:3000" }),
    ).toEqual([]);
  });

  it("refuses scopes without openid and an issuer that is not a URL", () => {
    expect(
      failingVariables({ ...BASE, ...OIDC, AUTH_OIDC_SCOPES: "profile api://reports/.default" }),
    ).toEqual(["AUTH_OIDC_SCOPES"]);
    expect(failingVariables({ ...BASE, ...OIDC, AUTH_ISSUER: "login.microsoftonline.com/t" })).toEqual([
      "AUTH_ISSUER",
    ]);
  });

  it("requires a long enough development secret and a database URL", () => {
    expect(
      failingVariables({ APP_ENV: "development", BLOB_CONNECTION_STRING: "x", AUTH_DEV_SECRET: SECRET }),
    ).toEqual(["DATABASE_URL"]);
    expect(failingVariables(BASE)).toEqual(["AUTH_DEV_SECRET"]);
    expect(failingVariables({ ...BASE, AUTH_DEV_SECRET: "short" })).toEqual(["AUTH_DEV_SECRET"]);
  });

  it("names every bad variable at once, the checks across variables included", () => {
    expect(
      failingVariables({
        APP_ENV: "staging",
        DATABASE_URL: "mysql://u@h/db",
        BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
        BLOB_ACCOUNT_URL: "https://account.blob.core.windows.net",
        AUTH_MODE: "oidc",
        AUTH_ISSUER: "ftp://login.example.com",
        PUBLIC_URL: "https://reports.example.com/app",
        AUTH_OIDC_SCOPES: "profile",
        AUTH_API_SCOPE: "Reports ReadWrite",
        DOWNLOAD_URL_TTL_SECONDS: "0",
      }),
    ).toEqual([
      "APP_ENV",
      "AUTH_API_SCOPE",
      "AUTH_AUDIENCE",
      "AUTH_ISSUER",
      "AUTH_JWKS_URL",
      "AUTH_OIDC_CLIENT_ID",
      "AUTH_OIDC_SCOPES",
      "BLOB_ACCOUNT_URL",
      "DATABASE_URL",
      "DOWNLOAD_URL_TTL_SECONDS",
      "PUBLIC_URL",
    ]);
    expect(
      failingVariables({ DATABASE_URL: "postgres://h/db", PUBLIC_URL: "not a URL", AUTH_MODE: "oidc" }),
    ).toEqual([
      "AUTH_AUDIENCE",
      "AUTH_ISSUER",
      "AUTH_JWKS_URL",
      "AUTH_OIDC_CLIENT_ID",
      "BLOB_CONNECTION_STRING",
      "PUBLIC_URL",
    ]);
  });

  it("has the API's scope and app role by default, and takes others", () => {
    const env = parseConfig(ZWebEnv, { ...BASE, ...OIDC });
    expect(env).toMatchObject({
      AUTH_API_SCOPE: "Reports.ReadWrite",
      AUTH_API_ROLE: "Reports.ReadWrite.All",
    });
    expect(
      parseConfig(ZWebEnv, {
        ...BASE,
        ...OIDC,
        AUTH_API_SCOPE: "access_as_user",
        AUTH_API_ROLE: "Exports.Run",
      }),
    ).toMatchObject({ AUTH_API_SCOPE: "access_as_user", AUTH_API_ROLE: "Exports.Run" });
    expect(failingVariables({ ...BASE, ...OIDC, AUTH_API_ROLE: 'Exports"Run' })).toEqual(["AUTH_API_ROLE"]);
  });
});
