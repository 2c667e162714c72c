import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, describe, expect, it } from "vitest";
import { startAzurite } from "./azurite.ts";

describe("startAzurite", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("serves blobs on a free port and keeps them across a restart with the same data dir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "azurite-test-"));
    dirs.push(dataDir);
    const first = await startAzurite({ dataDir });
    expect(first.port).toBeGreaterThan(0);
    const container = BlobServiceClient.fromConnectionString(first.connectionString).getContainerClient(
      "restart-test",
    );
    await container.createIfNotExists();
    await container.getBlockBlobClient("a.txt").upload("hello", 5);
    await first.stop();
    await first.stop();

    const second = await startAzurite({ dataDir });
    try {
      const again = BlobServiceClient.fromConnectionString(second.connectionString).getContainerClient(
        "restart-test",
      );
      const body = await again.getBlockBlobClient("a.txt").downloadToBuffer();
      expect(body.toString()).toBe("hello");
    } finally {
      await second.stop();
    }
  });
});
