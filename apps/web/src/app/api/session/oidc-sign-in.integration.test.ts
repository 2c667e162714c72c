import { createAuthVerifier } from "@reports/api";
import { ZReportAccepted } from "@reports/contracts";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { createLogger, parseConfig } from "@reports/runtime";
import { calculatePKCECodeChallenge } from "openid-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../../lib/session.ts";
import { authConfig, setDeps } from "../../../server/deps.ts";
import { setWebEnv, type TWebEnv, ZWebEnv } from "../../../server/env.ts";
import { clearOidcCaches } from "../../../server/oidc.ts";
import {
  type ProviderQuirks,
  startTestOidcProvider,
  type TestOidcProvider,
} from "../../../test/oidc-provider.ts";
import { testLimits, testSigner } from "../../../test/web-deps.ts";
import { POST as requestReportRoute } from "../../reports/popularity/route.ts";
import { GET as trpcGet } from "../trpc/[trpc]/route.ts";
import { GET as callbackRoute } from "./callback/route.ts";
import { GET as startRoute } from "./oidc/start/route.ts";
import { POST as developmentSignInRoute } from "./route.ts";
import { POST as signOutRoute } from "./sign-out/route.ts";

// The browser sign-in end to end through the route handlers, against a real (tiny) OpenID
// provider on a free port and a real database: every request is what the browser would send.

const CLIENT_ID = "reports-dashboard";
const AUDIENCE = "api://report-exports";
const PUBLIC_URL = "http://localhost:3000";
const CALLBACK = `${PUBLIC_URL}/api/session/callback`;

let testDb: TestDatabase;
let provider: TestOidcProvider;

function configFor(idp: TestOidcProvider, overrides: Record<string, string> = {}): TWebEnv {
  return parseConfig(ZWebEnv, {
    APP_ENV: "development",
    DATABASE_URL: testDb.url,
    BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
    AUTH_MODE: "oidc",
    AUTH_ISSUER: idp.issuer,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_JWKS_URL: idp.jwksUrl,
    AUTH_OIDC_CLIENT_ID: CLIENT_ID,
    PUBLIC_URL,
    AUTH_OIDC_PROVIDER_NAME: "Test IdP",
    ...overrides,
  });
}

/** Points the handlers at `idp`: its configuration and an API verifier trusting its keys. */
function pointAtProvider(idp: TestOidcProvider, overrides: Record<string, string> = {}) {
  const env = configFor(idp, overrides);
  setWebEnv(env);
  setDeps({
    db: testDb.db,
    auth: createAuthVerifier(authConfig(env)),
    signer: testSigner,
    log: createLogger({ name: "web-test", level: "silent" }),
    limits: testLimits(testDb.db),
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_oidc_sign_in" });
  provider = await startTestOidcProvider({
    clientId: CLIENT_ID,
    audience: AUDIENCE,
    redirectUris: [CALLBACK],
  });
});

beforeEach(() => {
  pointAtProvider(provider);
  provider.tokenRequests.length = 0;
  for (const quirk of Object.keys(provider.quirks)) delete provider.quirks[quirk as keyof ProviderQuirks];
});

afterAll(async () => {
  setWebEnv(undefined);
  setDeps(undefined);
  clearOidcCaches();
  await provider?.close();
  await testDb?.drop();
});

/** `name=value` of each Set-Cookie, and the full header by name. */
function cookiesOf(response: Response): Map<string, { pair: string; header: string; value: string }> {
  const cookies = new Map<string, { pair: string; header: string; value: string }>();
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(";")[0]!;
    const index = pair.indexOf("=");
    cookies.set(pair.slice(0, index), { pair, header, value: decodeURIComponent(pair.slice(index + 1)) });
  }
  return cookies;
}

/** GET /api/session/oidc/start: the authorization URL and the transaction cookie (`name=value`). */
async function startSignIn(): Promise<{ authorizationUrl: URL; transactionCookie: string; header: string }> {
  const response = await startRoute();
  expect(response.status).toBe(303);
  const transaction = cookiesOf(response).get("reports_oidc");
  expect(transaction).toBeDefined();
  return {
    authorizationUrl: new URL(response.headers.get("location")!),
    transactionCookie: transaction!.pair,
    header: transaction!.header,
  };
}

function callback(url: string, cookie?: string): Promise<Response> {
  return callbackRoute(new Request(url, { headers: cookie ? { cookie } : {} }));
}

/** The sign-in page a failed callback lands on, with nothing signed in. */
function expectFailure(response: Response, code: string) {
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe(`/signin?error=${code}`);
  const cookies = cookiesOf(response);
  expect(cookies.has(SESSION_COOKIE)).toBe(false);
  // The transaction is spent whatever happened: the next attempt starts afresh.
  expect(cookies.get("reports_oidc")?.header).toMatch(/Max-Age=0/);
}

function listReportsWithCookie(cookie: string | undefined) {
  return trpcGet(new Request(`${PUBLIC_URL}/api/trpc/reports.list`, { headers: cookie ? { cookie } : {} }));
}

describe("browser sign-in through the identity provider", () => {
  it("signs in with code + PKCE, keeps the access token in the session cookie, and that session authenticates tRPC", async () => {
    const { authorizationUrl, transactionCookie, header } = await startSignIn();
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${provider.issuer}/authorize`);
    const params = Object.fromEntries(authorizationUrl.searchParams);
    expect(params).toMatchObject({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      scope: `openid profile ${AUDIENCE}/.default`,
      code_challenge_method: "S256",
    });
    expect(params.state).toMatch(/^[\w-]{43}$/);
    expect(params.nonce).toMatch(/^[\w-]{43}$/);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect(header).toMatch(/Max-Age=600/);
    expect(header).not.toMatch(/Secure/); // http PUBLIC_URL on a development machine

    const callbackUrl = await provider.authorize(authorizationUrl.toString(), "carol");
    expect(callbackUrl.startsWith(`${CALLBACK}?`)).toBe(true);
    const response = await callback(callbackUrl, `theme=dark; ${transactionCookie}`);

    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookies = cookiesOf(response);
    const session = cookies.get(SESSION_COOKIE)!;
    expect(session.header).toMatch(/HttpOnly/);
    expect(session.header).toMatch(/SameSite=Lax/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(session.header)?.[1]);
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(cookies.get("reports_oidc")?.header).toMatch(/Max-Age=0/);

    // The provider saw the verifier whose S256 challenge went to /authorize.
    const [tokenRequest] = provider.tokenRequests;
    expect(tokenRequest?.outcome).toBe("issued");
    expect(await calculatePKCECodeChallenge(tokenRequest!.params.code_verifier!)).toBe(params.code_challenge);
    expect(tokenRequest!.params).not.toHaveProperty("client_secret");

    // The cookie holds the access token: the same bearer token the REST API accepts…
    const accepted = await requestReportRoute(
      new Request(`${PUBLIC_URL}/reports/popularity`, {
        method: "POST",
        headers: { authorization: `Bearer ${session.value}`, "content-type": "application/json" },
        body: JSON.stringify({ limit: 10 }),
      }),
      undefined,
    );
    expect(accepted.status).toBe(202);
    const { reportId } = ZReportAccepted.parse(await accepted.json());
    // …and the dashboard's tRPC calls authenticate with the cookie alone, as carol.
    const list = await listReportsWithCookie(session.pair);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { result: { data: { items: Array<{ reportId: string }> } } };
    expect(body.result.data.items.map((item) => item.reportId)).toEqual([reportId]);
    const owner = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: reportId } });
    expect(owner.ownerId).toBe("carol");
    expect((await listReportsWithCookie(undefined)).status).toBe(401);
  });

  it("refuses a callback whose state is not the one this browser's sign-in sent", async () => {
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = new URL(await provider.authorize(authorizationUrl.toString(), "carol"));
    callbackUrl.searchParams.set("state", "x".repeat(43));
    expectFailure(await callback(callbackUrl.toString(), transactionCookie), "state_mismatch");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("refuses a tampered transaction cookie before redeeming the code", async () => {
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = await provider.authorize(authorizationUrl.toString(), "carol");
    const [name, value] = transactionCookie.split("=") as [string, string];
    const transaction = JSON.parse(Buffer.from(value, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...transaction, nonce: "n".repeat(43) })).toString(
      "base64url",
    );
    expectFailure(await callback(callbackUrl, `${name}=${forged}`), "state_mismatch");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("asks to start again when the transaction cookie is missing (expired, or another browser)", async () => {
    const { authorizationUrl } = await startSignIn();
    const callbackUrl = await provider.authorize(authorizationUrl.toString(), "carol");
    expectFailure(await callback(callbackUrl), "sign_in_expired");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("refuses an ID token carrying another nonce", async () => {
    provider.quirks.idTokenNonce = "a-nonce-from-some-other-sign-in";
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = await provider.authorize(authorizationUrl.toString(), "carol");
    expectFailure(await callback(callbackUrl, transactionCookie), "id_token_invalid");
    expect(provider.tokenRequests.map((request) => request.outcome)).toEqual(["issued"]);
  });

  it("cannot redeem a stolen code in another browser: the provider refuses its PKCE verifier", async () => {
    // The victim's authorization produced a code; the attacker replays it through a sign-in
    // of their own, whose state and cookie are valid but whose verifier is not the victim's.
    const victim = await startSignIn();
    const stolen = new URL(await provider.authorize(victim.authorizationUrl.toString(), "victim"));
    const attacker = await startSignIn();
    const replay = new URL(CALLBACK);
    replay.searchParams.set("code", stolen.searchParams.get("code")!);
    replay.searchParams.set("state", attacker.authorizationUrl.searchParams.get("state")!);
    expectFailure(await callback(replay.toString(), attacker.transactionCookie), "token_rejected");
    expect(provider.tokenRequests).toMatchObject([{ outcome: "refused", error: "invalid_grant" }]);
  });

  it("says so when the access token is not for this API (wrong scopes or audience)", async () => {
    provider.quirks.accessTokenAudience = "https://graph.microsoft.com";
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = await provider.authorize(authorizationUrl.toString(), "carol");
    expectFailure(await callback(callbackUrl, transactionCookie), "access_token_invalid");
  });

  it("refuses a response naming another issuer (RFC 9207 mix-up defence) before redeeming the code", async () => {
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = new URL(await provider.authorize(authorizationUrl.toString(), "carol"));
    expect(callbackUrl.searchParams.get("iss")).toBe(provider.issuer);
    callbackUrl.searchParams.set("iss", "https://attacker.example");
    expectFailure(await callback(callbackUrl.toString(), transactionCookie), "id_token_invalid");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("refuses an ID token signed with an algorithm outside ACCEPTED_JWT_ALGORITHMS, even one the provider advertises", async () => {
    const eddsa = await startTestOidcProvider({
      clientId: CLIENT_ID,
      audience: AUDIENCE,
      redirectUris: [CALLBACK],
      algorithm: "EdDSA",
    });
    try {
      pointAtProvider(eddsa);
      const { authorizationUrl, transactionCookie } = await startSignIn();
      const callbackUrl = await eddsa.authorize(authorizationUrl.toString(), "carol");
      expectFailure(await callback(callbackUrl, transactionCookie), "id_token_invalid");
      expect(eddsa.tokenRequests.map((request) => request.outcome)).toEqual(["issued"]);
    } finally {
      clearOidcCaches();
      await eddsa.close();
    }
  });

  it("does not keep an access token that grants neither this API's scope nor its app role", async () => {
    provider.quirks.accessTokenClaims = { scp: "User.Read" };
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = await provider.authorize(authorizationUrl.toString(), "carol");
    expectFailure(await callback(callbackUrl, transactionCookie), "access_token_invalid");

    // The same user with the app role instead of the scope is let in.
    provider.quirks.accessTokenClaims = { scp: undefined, roles: ["Reports.ReadWrite.All"] };
    const second = await startSignIn();
    const accepted = await callback(
      await provider.authorize(second.authorizationUrl.toString(), "carol"),
      second.transactionCookie,
    );
    expect(accepted.headers.get("location")).toBe("/");
  });

  it("does not take an ID token for the access token, even where one registration is client and API", async () => {
    // docs/deploy.md's single app registration: the ID token's audience is the API's too.
    const single = await startTestOidcProvider({
      clientId: AUDIENCE,
      audience: AUDIENCE,
      redirectUris: [CALLBACK],
    });
    try {
      pointAtProvider(single, { AUTH_OIDC_CLIENT_ID: AUDIENCE });
      single.quirks.idTokenAsAccessToken = true;
      const { authorizationUrl, transactionCookie } = await startSignIn();
      const callbackUrl = await single.authorize(authorizationUrl.toString(), "carol");
      expectFailure(await callback(callbackUrl, transactionCookie), "access_token_invalid");
      // What the API says to it as a bearer token.
      const idToken = single.tokenRequests[0]?.tokens?.idToken ?? "";
      const refused = await requestReportRoute(
        new Request(`${PUBLIC_URL}/reports/popularity`, {
          method: "POST",
          headers: { authorization: `Bearer ${idToken}`, "content-type": "application/json" },
          body: "{}",
        }),
        undefined,
      );
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/ID token/);
    } finally {
      clearOidcCaches();
      await single.close();
    }
  });

  it("uses __Host- cookies, Secure, when the dashboard is served over https", async () => {
    const https = await startTestOidcProvider({
      clientId: CLIENT_ID,
      audience: AUDIENCE,
      redirectUris: ["https://reports.example.test/api/session/callback"],
    });
    try {
      pointAtProvider(https, { PUBLIC_URL: "https://reports.example.test" });
      const start = await startRoute();
      const transaction = cookiesOf(start).get("__Host-reports_oidc");
      expect(transaction?.header).toMatch(/; Secure/);
      expect(cookiesOf(start).has("reports_oidc")).toBe(false);
      const callbackUrl = await https.authorize(start.headers.get("location")!, "carol");
      const response = await callback(callbackUrl, transaction!.pair);
      expect(response.headers.get("location")).toBe("/");
      const cookies = cookiesOf(response);
      expect(cookies.has(SESSION_COOKIE)).toBe(false);
      const session = cookies.get(`__Host-${SESSION_COOKIE}`);
      expect(session?.header).toMatch(
        /^__Host-reports_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/,
      );
      expect(cookies.get("__Host-reports_oidc")?.header).toMatch(/Max-Age=0/);
      expect((await listReportsWithCookie(session!.pair)).status).toBe(200);
    } finally {
      clearOidcCaches();
      await https.close();
    }
  });

  it("shows the provider's refusal as a message of its own, not the provider's words", async () => {
    const { transactionCookie, authorizationUrl } = await startSignIn();
    const refused = new URL(CALLBACK);
    refused.searchParams.set("error", "access_denied");
    refused.searchParams.set("error_description", "Call 555-0100 to unlock your account");
    refused.searchParams.set("state", authorizationUrl.searchParams.get("state")!);
    expectFailure(await callback(refused.toString(), transactionCookie), "access_denied");
  });

  it("redirects with a friendly error when the provider cannot be reached, at the start or at the token exchange", async () => {
    const unreachable = await startTestOidcProvider({
      clientId: CLIENT_ID,
      audience: AUDIENCE,
      redirectUris: [CALLBACK],
    });
    await unreachable.close();
    setWebEnv(configFor(unreachable));
    const start = await startRoute();
    expect(start.status).toBe(303);
    expect(start.headers.get("location")).toBe("/signin?error=provider_unavailable");

    // Discovery succeeded and the user signed in at the provider, which then goes down.
    const flaky = await startTestOidcProvider({
      clientId: CLIENT_ID,
      audience: AUDIENCE,
      redirectUris: [CALLBACK],
    });
    pointAtProvider(flaky);
    const { authorizationUrl, transactionCookie } = await startSignIn();
    const callbackUrl = await flaky.authorize(authorizationUrl.toString(), "carol");
    await flaky.close();
    expectFailure(await callback(callbackUrl, transactionCookie), "provider_unavailable");
  });

  it("signs out of the dashboard and then of the provider", async () => {
    const response = await signOutRoute(
      new Request(`${PUBLIC_URL}/api/session/sign-out`, {
        method: "POST",
        headers: { "sec-fetch-site": "same-origin" },
      }),
    );
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${provider.issuer}/logout`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      client_id: CLIENT_ID,
      post_logout_redirect_uri: `${PUBLIC_URL}/signin/signed-out`,
    });
    expect(cookiesOf(response).get(SESSION_COOKIE)?.header).toMatch(/Max-Age=0/);
    expect(cookiesOf(response).get(`__Host-${SESSION_COOKIE}`)?.header).toMatch(/Max-Age=0; Secure$/);
  });

  it("has no development sign-in", async () => {
    const response = await developmentSignInRoute(
      new Request(`${PUBLIC_URL}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "userName=mallory",
      }),
    );
    expect(response.status).toBe(404);
  });
});

describe("in development auth mode", () => {
  it("the identity-provider routes do not exist", async () => {
    setWebEnv(
      parseConfig(ZWebEnv, {
        APP_ENV: "development",
        DATABASE_URL: testDb.url,
        BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
        AUTH_DEV_SECRET: "d".repeat(32),
      }),
    );
    expect((await startRoute()).status).toBe(404);
    expect((await callback(`${CALLBACK}?code=x&state=y`)).status).toBe(404);
  });
});
