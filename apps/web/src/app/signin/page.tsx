import { USER_NAME_RULE } from "@reports/contracts";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AppHeader } from "../../components/app-header.tsx";
import { describeSignInError } from "../../lib/session-errors.ts";
import { getWebEnv } from "../../server/env.ts";
import { OIDC_START_PATH, resolveOidcSettings } from "../../server/oidc.ts";
import { getCurrentUser } from "../api/session/current-user.ts";
import "../../components/dashboard.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

interface SignInPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

export default async function SignInPage({ searchParams }: SignInPageProps) {
  if (await getCurrentUser()) redirect("/");
  const params = await searchParams;
  const error = first(params.error);
  const env = getWebEnv();
  const development = env.AUTH_MODE === "development";
  const providerName = development ? "" : resolveOidcSettings(env).providerName;
  return (
    <>
      <AppHeader />
      <main className="signin">
        <div className="card signin-card">
          <h1>Sign in</h1>
          {first(params.signedOut) ? (
            <p className="notice" role="status">
              You are signed out.
            </p>
          ) : null}
          {development ? (
            <form method="post" action="/api/session" className="signin-form" noValidate>
              <p className="muted">
                Development sign-in for the local stack: a user name is all it asks (no password), and you see
                only the reports made under that name. Production uses the organisation&apos;s identity
                provider instead.
              </p>
              <div className={error ? "field field-invalid" : "field"}>
                <label htmlFor="userName">User name</label>
                <input
                  id="userName"
                  name="userName"
                  type="text"
                  autoComplete="username"
                  autoCapitalize="none"
                  spellCheck={false}
                  required
                  maxLength={64}
                  defaultValue={first(params.userName)}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? "userName-error" : "userName-hint"}
                  // biome-ignore lint/a11y/noAutofocus: the page's only task is this field
                  autoFocus
                />
                {error ? (
                  <p className="field-error" id="userName-error" role="alert">
                    {error}
                  </p>
                ) : (
                  <p className="field-hint" id="userName-hint">
                    {USER_NAME_RULE} (for example alice)
                  </p>
                )}
              </div>
              <button type="submit" className="button button-primary">
                Sign in
              </button>
            </form>
          ) : (
            <form method="get" action={OIDC_START_PATH} className="signin-form">
              <p className="muted">
                Sign in with your organisation account; you see only the reports you requested.
              </p>
              {error ? (
                <p className="notice notice-error" role="alert">
                  {describeSignInError(error)}
                </p>
              ) : null}
              <button type="submit" className="button button-primary">
                Sign in with {providerName}
              </button>
            </form>
          )}
        </div>
      </main>
    </>
  );
}
