import { serializeSessionCookie } from "../../../../lib/session.ts";
import { getWebEnv } from "../../../../server/env.ts";
import { isCrossSite, wantsSecureCookie } from "../request-checks.ts";

export const dynamic = "force-dynamic";

// POST /api/session/sign-out – ends the dashboard session (clears the cookie)
export async function POST(request: Request): Promise<Response> {
  if (isCrossSite(request)) return new Response("Forbidden", { status: 403 });
  const secure = wantsSecureCookie(request, getWebEnv().APP_ENV === "production");
  return new Response(null, {
    status: 303,
    headers: {
      location: "/signin?signedOut=1",
      "set-cookie": serializeSessionCookie(null, { secure }),
      "cache-control": "no-store",
    },
  });
}
