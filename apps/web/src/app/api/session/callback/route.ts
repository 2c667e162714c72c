import { getDeps } from "../../../../server/deps.ts";
import { getWebEnv } from "../../../../server/env.ts";
import { completeOidcSignIn, getOidcContext, runSignInStep } from "../../../../server/oidc-sign-in.ts";

export const dynamic = "force-dynamic";

// GET /api/session/callback – the identity provider's redirect URI: completes the browser sign-in
export async function GET(request: Request): Promise<Response> {
  const context = getOidcContext(getWebEnv());
  if (!context) return new Response("Not found", { status: 404 });
  const { auth, log } = getDeps();
  return runSignInStep(context, log, () =>
    completeOidcSignIn({
      context,
      auth,
      url: new URL(request.url),
      cookieHeader: request.headers.get("cookie"),
      log,
    }),
  );
}
