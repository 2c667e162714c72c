import { createBlobClients } from "@reports/azure";
import { POPULARITY_FILE } from "@reports/contracts";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDownloadUrlSigner } from "./download-url.ts";
import { getReport, requestReport } from "./services/reports.ts";

const CONTAINER = "reports";
const CSV = "rank,album_id,title\r\n1,42,Kind of Blue\r\n";

let azurite: RunningAzurite;
let clients: ReturnType<typeof createBlobClients>;
let testDb: TestDatabase;

beforeAll(async () => {
  [azurite, testDb] = await Promise.all([startAzurite(), createTestDatabase({ name: "api_download" })]);
  clients = createBlobClients({
    BLOB_CONNECTION_STRING: azurite.connectionString,
    BLOB_CONTAINER: CONTAINER,
  });
  await clients.service.getContainerClient(CONTAINER).createIfNotExists();
});

afterAll(async () => {
  await Promise.all([azurite?.stop(), testDb?.drop()]);
});

async function uploadReportBlob(blobName: string) {
  await clients.service
    .getContainerClient(CONTAINER)
    .getBlockBlobClient(blobName)
    .upload(CSV, Buffer.byteLength(CSV), { blobHTTPHeaders: { blobContentType: "text/csv; charset=utf-8" } });
}

describe("download links (account key SAS against Azurite)", () => {
  it("downloads the blob as an attachment named after the report", async () => {
    const reportId = "0b9d7c1e-6f5a-4e8b-9a51-3f1c2d4e5f60";
    const blobName = `popularity/${reportId}.csv`;
    await uploadReportBlob(blobName);
    const signer = createDownloadUrlSigner(clients, {
      container: CONTAINER,
      ttlSeconds: 300,
      allowHttp: true,
    });
    const url = await signer.createDownloadUrl({
      blobName,
      fileName: POPULARITY_FILE.fileName(reportId),
      contentType: POPULARITY_FILE.contentType,
    });

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(CSV);
    expect(response.headers.get("content-disposition")).toBe(
      'attachment; filename="popularity-report-0b9d7c1e.csv"',
    );
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(new URL(url).searchParams.get("sp")).toBe("r");
  });

  it("is read-only: writing or deleting with the link is refused", async () => {
    const blobName = "popularity/read-only.csv";
    await uploadReportBlob(blobName);
    const signer = createDownloadUrlSigner(clients, {
      container: CONTAINER,
      ttlSeconds: 300,
      allowHttp: true,
    });
    const url = await signer.createDownloadUrl({ blobName, fileName: "x.csv" });
    const put = await fetch(url, {
      method: "PUT",
      headers: { "x-ms-blob-type": "BlockBlob", "content-type": "text/csv" },
      body: "tampered",
    });
    expect(put.status).toBe(403);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(403);
    expect(await (await fetch(url)).text()).toBe(CSV);
  });

  it("stops working once it expires", async () => {
    const blobName = "popularity/expiring.csv";
    await uploadReportBlob(blobName);
    const signer = createDownloadUrlSigner(clients, { container: CONTAINER, ttlSeconds: 1, allowHttp: true });
    const url = await signer.createDownloadUrl({ blobName, fileName: "x.csv" });
    expect((await fetch(url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await fetch(url)).status).toBe(403);
  });

  it("is https-only unless http is allowed", async () => {
    const signer = createDownloadUrlSigner(clients, { container: CONTAINER, ttlSeconds: 300 });
    const url = await signer.createDownloadUrl({ blobName: "popularity/any.csv", fileName: "x.csv" });
    expect(new URL(url).searchParams.get("spr")).toBe("https");
  });

  it("gives a Completed report a link that downloads its file", async () => {
    const user = { userId: "alice" };
    const { report } = await requestReport({ db: testDb.db, user, input: { kind: "popularity" } });
    const blobName = `popularity/${report.reportId}.csv`;
    await uploadReportBlob(blobName);
    await testDb.db.prisma.report.update({
      where: { id: report.reportId },
      data: {
        status: "Completed",
        completedAt: new Date(),
        rowCount: 1,
        sizeBytes: BigInt(CSV.length),
        blobName,
      },
    });
    const signer = createDownloadUrlSigner(clients, {
      container: CONTAINER,
      ttlSeconds: 300,
      allowHttp: true,
    });
    const completed = await getReport({ db: testDb.db, signer, user, input: { reportId: report.reportId } });
    expect(completed.downloadUrl).toBeDefined();
    const download = await fetch(completed.downloadUrl!);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(CSV);
    // Minted per request, never stored.
    const row = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: report.reportId } });
    expect(JSON.stringify(row, (_, v) => (typeof v === "bigint" ? Number(v) : v))).not.toContain("sig=");
  });
});
