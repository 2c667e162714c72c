import { getDeps } from "../../../../../server/deps.ts";
import { getWebEnv } from "../../../../../server/env.ts";
import { getOidcContext, runSignInStep, startOidcSignIn } from "../../../../../server/oidc-sign-in.ts";

export const dynamic = "force-dynamic";

// GET /api/session/oidc/start – browser sign-in: sends the browser to the identity provider
export async function GET(): Promise<Response> {
  const context = getOidcContext(getWebEnv());
  // Only with an identity provider; the local stack's development sign-in is POST /api/session.
  if (!context) return new Response("Not found", { status: 404 });
  return runSignInStep(context, getDeps().log, () => startOidcSignIn(context));
}
