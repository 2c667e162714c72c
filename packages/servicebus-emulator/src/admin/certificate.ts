import { X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import type { Logger } from "pino";

/** A PEM certificate and its private key. */
export interface TlsIdentity {
  cert: string;
  key: string;
}

export const CERTIFICATE_FILE = "servicebus-emulator.crt";
export const KEY_FILE = "servicebus-emulator.key";

const VALID_DAYS = 3650;

/**
 * The certificate the administration API serves (the SDK speaks HTTPS to it): the one given, else
 * the one kept in the data directory (made there on first start, and again when it no longer
 * covers `host` or is about to expire), else one made for this run only.
 */
export async function loadTlsIdentity(options: {
  host: string;
  dataDir?: string;
  given?: TlsIdentity;
  log: Logger;
}): Promise<TlsIdentity> {
  const { host, dataDir, given, log } = options;
  if (given) return given;
  if (!dataDir) return generateIdentity(host);
  const certFile = path.join(dataDir, CERTIFICATE_FILE);
  const keyFile = path.join(dataDir, KEY_FILE);
  try {
    const kept = { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
    if (isUsable(kept.cert, host)) return kept;
    log.info({ certFile }, "TLS certificate does not cover the host or expires soon; making a new one");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const identity = await generateIdentity(host);
  await mkdir(dataDir, { recursive: true });
  await writeFile(keyFile, identity.key, { mode: 0o600 });
  await writeFile(certFile, identity.cert);
  log.info({ certFile }, "TLS certificate made for the administration API");
  return identity;
}

function isUsable(cert: string, host: string): boolean {
  try {
    const certificate = new X509Certificate(cert);
    const expiresIn = Date.parse(certificate.validTo) - Date.now();
    const covered = subjectNames(host).every((name) =>
      isIP(name) ? certificate.checkIP(name) !== undefined : certificate.checkHost(name) !== undefined,
    );
    return covered && expiresIn > 30 * 86_400_000;
  } catch {
    return false;
  }
}

/** The names a client may use for a listener on `host`: loopback always, plus `host` itself. */
function subjectNames(host: string): string[] {
  const names = ["localhost", "127.0.0.1", "::1"];
  if (host !== "0.0.0.0" && host !== "::" && !names.includes(host)) names.push(host);
  return names;
}

async function generateIdentity(host: string): Promise<TlsIdentity> {
  // loaded only when a certificate is made: it is most of the cost of making one
  const { generate } = await import("selfsigned");
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: "servicebus-emulator" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 86_400_000),
    notAfterDate: new Date(now + VALID_DAYS * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: subjectNames(host).map((name) =>
          isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
        ),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
