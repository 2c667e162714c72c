import { signDevelopmentToken } from "@reports/api";
import { ZDevelopmentUserName } from "@reports/contracts";
import { serializeSessionCookie } from "../../../lib/session.ts";
import { getWebEnv } from "../../../server/env.ts";
import { isCrossSite, wantsSecureCookie } from "./request-checks.ts";

export const dynamic = "force-dynamic";

function redirect(location: string, setCookie?: string): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  if (setCookie) headers.set("set-cookie", setCookie);
  return new Response(null, { status: 303, headers });
}

// POST /api/session – development sign-in: a user name in, an httpOnly session cookie out
export async function POST(request: Request): Promise<Response> {
  const env = getWebEnv();
  // Only the local stack signs its own tokens; with a real identity provider this route does not exist.
  if (env.AUTH_MODE !== "development" || !env.AUTH_DEV_SECRET) {
    return new Response("Not found", { status: 404 });
  }
  if (isCrossSite(request)) return new Response("Forbidden", { status: 403 });
  const form = await request.formData().catch(() => null);
  const raw = form?.get("userName");
  const parsed = ZDevelopmentUserName.safeParse(typeof raw === "string" ? raw : "");
  if (!parsed.success) {
    const query = new URLSearchParams({
      error: parsed.error.issues[0]?.message ?? "Enter a user name.",
      userName: typeof raw === "string" ? raw.slice(0, 64) : "",
    });
    return redirect(`/signin?${query}`);
  }
  const token = await signDevelopmentToken(env.AUTH_DEV_SECRET, parsed.data);
  return redirect(
    "/",
    serializeSessionCookie(token, { secure: wantsSecureCookie(request, env.APP_ENV === "production") }),
  );
}
