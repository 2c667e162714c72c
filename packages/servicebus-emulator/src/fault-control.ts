import { REDELIVER_COMPLETED_PATH } from "./admin/admin-api.ts";
import { signSasToken } from "./auth/sas.ts";

export interface RedeliverCompletedRequest {
  /** The connection string the emulator printed. */
  connectionString: string;
  queue: string;
  count: number;
  /** Bound on the whole request; default 10 s. */
  timeoutMs?: number;
}

/**
 * Asks a running emulator, in this process or another, to enqueue the last `count` messages
 * completed on `queue` again (a duplicate delivery after settlement, as a testing fault); resolves
 * with how many it enqueued. It speaks plain HTTP to the port of the connection string.
 */
export async function redeliverCompleted(request: RedeliverCompletedRequest): Promise<number> {
  const fields = new Map(
    request.connectionString.split(";").map((part) => {
      const separator = part.indexOf("=");
      return [part.slice(0, separator), part.slice(separator + 1)] as const;
    }),
  );
  const endpoint = /^sb:\/\/([^/;]+)/.exec(fields.get("Endpoint") ?? "")?.[1];
  const keyName = fields.get("SharedAccessKeyName");
  const key = fields.get("SharedAccessKey");
  if (!endpoint || !keyName || !key) {
    throw new Error(
      "the connection string needs Endpoint=sb://host:port, SharedAccessKeyName and SharedAccessKey",
    );
  }
  const url = new URL(`http://${endpoint}/${REDELIVER_COMPLETED_PATH}`);
  url.searchParams.set("queue", request.queue);
  url.searchParams.set("count", String(request.count));
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: signSasToken(url.toString(), { keyName, key }, Date.now() + 300_000) },
    signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    const detail = unescapeXml(/<Detail>([^<]*)<\/Detail>/.exec(text)?.[1] ?? text);
    throw new Error(`redeliverCompleted: ${response.status} ${detail}`);
  }
  return (JSON.parse(text) as { redelivered: number }).redelivered;
}

function unescapeXml(text: string): string {
  const entities: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => entities[name] ?? "");
}
