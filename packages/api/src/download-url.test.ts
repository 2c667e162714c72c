import type { UserDelegationKey } from "@azure/storage-blob";
import type { BlobClients } from "@reports/azure";
import { describe, expect, it } from "vitest";
import { createDownloadUrlSigner } from "./download-url.ts";

// Azurite cannot issue user delegation keys (that needs Entra ID), so the caching policy is
// checked against a stand-in service that only counts key requests.
function delegationOnlyClients() {
  const requests: Array<{ startsOn: Date; expiresOn: Date }> = [];
  const service = {
    accountName: "acct",
    async getUserDelegationKey(startsOn: Date, expiresOn: Date): Promise<UserDelegationKey> {
      requests.push({ startsOn, expiresOn });
      return {
        signedObjectId: "oid",
        signedTenantId: "tid",
        signedStartsOn: startsOn,
        signedExpiresOn: expiresOn,
        signedService: "b",
        signedVersion: "2025-01-05",
        value: Buffer.from("0123456789abcdef0123456789abcdef").toString("base64"),
      };
    },
    getContainerClient(container: string) {
      return {
        getBlobClient: (blob: string) => ({ url: `https://acct.blob.core.windows.net/${container}/${blob}` }),
      };
    },
  };
  return { clients: { service } as unknown as BlobClients, requests };
}

describe("user delegation SAS", () => {
  it("reuses one delegation key per instance until shortly before it expires", async () => {
    const { clients, requests } = delegationOnlyClients();
    let now = new Date("2026-01-01T00:00:00Z");
    const signer = createDownloadUrlSigner(clients, {
      container: "reports",
      ttlSeconds: 300,
      now: () => now,
    });
    const first = await signer.createDownloadUrl({ blobName: "popularity/a.csv", fileName: "a.csv" });
    await signer.createDownloadUrl({ blobName: "popularity/b.csv", fileName: "b.csv" });
    expect(requests).toHaveLength(1);
    const params = new URL(first).searchParams;
    expect(params.get("skoid")).toBe("oid");
    expect(params.get("sp")).toBe("r");
    expect(params.get("spr")).toBe("https");
    expect(params.get("rscd")).toBe('attachment; filename="a.csv"');

    now = new Date("2026-01-01T23:30:00Z"); // within the renewal margin of a 24 h key
    await signer.createDownloadUrl({ blobName: "popularity/c.csv", fileName: "c.csv" });
    expect(requests).toHaveLength(2);
  });

  it("lets a second instance work on its own key", async () => {
    const { clients, requests } = delegationOnlyClients();
    const one = createDownloadUrlSigner(clients, { container: "reports", ttlSeconds: 300 });
    const two = createDownloadUrlSigner(clients, { container: "reports", ttlSeconds: 300 });
    await one.createDownloadUrl({ blobName: "x.csv", fileName: "x.csv" });
    await two.createDownloadUrl({ blobName: "x.csv", fileName: "x.csv" });
    expect(requests).toHaveLength(2);
  });
});
