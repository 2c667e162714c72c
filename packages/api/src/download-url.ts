import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  type UserDelegationKey,
} from "@azure/storage-blob";
import type { BlobClients } from "@reports/azure";

export interface DownloadUrlSignerOptions {
  container: string;
  /** Lifetime of each link (DOWNLOAD_URL_TTL_SECONDS). */
  ttlSeconds: number;
  /** Allow http links (Azurite); production links are https-only. */
  allowHttp?: boolean;
  /** For tests. */
  now?: () => Date;
}

export interface DownloadUrlRequest {
  blobName: string;
  /** The name the browser saves the file as. */
  fileName: string;
  /** Content-Type the download is served with; absent = the blob's own. */
  contentType?: string;
}

export interface DownloadUrlSigner {
  /** A read-only link to one blob, valid for `ttlSeconds`; minted per call, never stored. */
  createDownloadUrl(request: DownloadUrlRequest): Promise<string>;
}

// Clock skew between this host and Storage: start a little in the past.
const CLOCK_SKEW_MS = 5 * 60_000;
// A user delegation key may live up to 7 days; one per day is plenty, renewed an hour early.
const DELEGATION_KEY_LIFETIME_MS = 24 * 60 * 60_000;
const DELEGATION_KEY_RENEW_BEFORE_MS = 60 * 60_000;

/**
 * Signs download links: with the account key when the connection string has one (Azurite,
 * key-based accounts), otherwise with a user delegation key obtained through the managed
 * identity. The delegation key is cached per instance until shortly before it expires; each
 * replica keeps its own, which Storage allows, so nothing is shared between instances.
 */
export function createDownloadUrlSigner(
  blobClients: BlobClients,
  options: DownloadUrlSignerOptions,
): DownloadUrlSigner {
  const now = options.now ?? (() => new Date());
  const protocol = options.allowHttp ? SASProtocol.HttpsAndHttp : SASProtocol.Https;
  const container = blobClients.service.getContainerClient(options.container);
  let delegationKey: Promise<{ key: UserDelegationKey; expiresOn: Date }> | undefined;

  async function getDelegationKey(at: Date): Promise<UserDelegationKey> {
    const cached = delegationKey ? await delegationKey.catch(() => undefined) : undefined;
    const neededUntil = at.getTime() + options.ttlSeconds * 1000 + DELEGATION_KEY_RENEW_BEFORE_MS;
    if (cached && cached.expiresOn.getTime() > neededUntil) return cached.key;
    const startsOn = new Date(at.getTime() - CLOCK_SKEW_MS);
    const expiresOn = new Date(at.getTime() + DELEGATION_KEY_LIFETIME_MS);
    delegationKey = blobClients.service
      .getUserDelegationKey(startsOn, expiresOn)
      .then((key) => ({ key, expiresOn }));
    return (await delegationKey).key;
  }

  return {
    async createDownloadUrl({ blobName, fileName, contentType }) {
      const at = now();
      const values = {
        containerName: options.container,
        blobName,
        permissions: BlobSASPermissions.parse("r"),
        startsOn: new Date(at.getTime() - CLOCK_SKEW_MS),
        expiresOn: new Date(at.getTime() + options.ttlSeconds * 1000),
        protocol,
        contentDisposition: `attachment; filename="${fileName}"`,
        ...(contentType === undefined ? {} : { contentType }),
      };
      const blobUrl = container.getBlobClient(blobName).url;
      const sas = blobClients.sharedKey
        ? generateBlobSASQueryParameters(values, blobClients.sharedKey)
        : generateBlobSASQueryParameters(values, await getDelegationKey(at), blobClients.service.accountName);
      return `${blobUrl}?${sas.toString()}`;
    },
  };
}
