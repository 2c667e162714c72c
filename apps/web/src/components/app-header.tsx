import Link from "next/link";

/** The top bar: product name, who is signed in, sign out. */
export function AppHeader({ userId, admin }: { userId?: string | undefined; admin?: boolean | undefined }) {
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▤
          </span>
          Report exports
        </Link>
        {userId ? (
          <div className="topbar-user">
            {admin ? <Link href="/admin">Operator console</Link> : null}
            <span className="muted">
              Signed in as <strong className="user-name">{userId}</strong>
            </span>
            <form method="post" action="/api/session/sign-out">
              <button type="submit" className="button button-small">
                Sign out
              </button>
            </form>
          </div>
        ) : null}
      </div>
    </header>
  );
}
