import Link from "next/link";

export default function HomePage() {
  return (
    <main>
      <h1>Report exports</h1>
      <p>
        Request a popularity report of the MusicAlbums catalogue, watch it being computed, and download the
        CSV.
      </p>
      <ul>
        <li>
          <Link href="/docs">API documentation</Link> (REST, with a typed tRPC client under{" "}
          <code>/api/trpc</code>)
        </li>
        <li>
          <a href="/openapi.json">OpenAPI 3.1 document</a>
        </li>
        <li>
          <a href="/healthz">Health</a>
        </li>
      </ul>
    </main>
  );
}
