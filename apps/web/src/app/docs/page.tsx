import type { Metadata } from "next";
import { headers } from "next/headers";
import { getWebEnv } from "../../server/env.ts";
import { ApiDocs } from "./api-docs.tsx";

export const metadata: Metadata = { title: "API documentation" };

/**
 * Where the reader reached the app: PUBLIC_URL when configured, else the request's own host
 * (behind a proxy, the forwarded one), so that the examples work as pasted on any port.
 */
async function requestOrigin(): Promise<string> {
  const configured = getWebEnv().PUBLIC_URL;
  if (configured) return new URL(configured).origin;
  const request = await headers();
  const host = (request.get("x-forwarded-host") ?? request.get("host") ?? "localhost").split(",")[0]!.trim();
  const protocol = request.get("x-forwarded-proto") === "https" ? "https" : "http";
  return `${protocol}://${host}`;
}

export default async function DocsPage() {
  return <ApiDocs origin={await requestOrigin()} />;
}
