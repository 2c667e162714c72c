import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Report exports", template: "%s · Report exports" },
  description: "Asynchronous popularity report exports for the MusicAlbums catalogue.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: the Content-Security-Policy's nonce (src/proxy.ts) is new
  // each time, and a page prerendered at build time would carry scripts without it.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
