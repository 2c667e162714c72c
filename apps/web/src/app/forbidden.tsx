import Link from "next/link";
import { AppHeader } from "../components/app-header.tsx";
import "../components/dashboard.css";

/** The 403 page (forbidden()): the operator console for someone without the admin role. */
export default function Forbidden() {
  return (
    <>
      <AppHeader />
      <main className="signin">
        <div className="card signin-card">
          <h1>Forbidden</h1>
          <p className="muted">
            The operator console needs the admin role. Ask an administrator to assign it to you, then sign in
            again.
          </p>
          <Link className="button" href="/">
            Back to your reports
          </Link>
        </div>
      </main>
    </>
  );
}
