import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { entraPostgresPassword, POSTGRES_ENTRA_SCOPE } from "./credential.ts";

// A stand-in for DefaultAzureCredential behind the same TokenCredential interface: Entra
// ID cannot run here. It records the scopes it was asked for.
function recordingCredential(token: AccessToken | null) {
  const scopes: Array<string | string[]> = [];
  const credential: TokenCredential = {
    getToken: async (scope: string | string[], _options?: GetTokenOptions) => {
      scopes.push(scope);
      return token;
    },
  };
  return { credential, scopes };
}

describe("entraPostgresPassword", () => {
  it("asks for a token of Azure Database for PostgreSQL on every new connection", async () => {
    const { credential, scopes } = recordingCredential({
      token: "eyJ.token",
      expiresOnTimestamp: Date.now() + 3_600_000,
    });
    const password = entraPostgresPassword(credential);
    expect(await password()).toBe("eyJ.token");
    expect(await password()).toBe("eyJ.token");
    expect(scopes).toEqual([POSTGRES_ENTRA_SCOPE, POSTGRES_ENTRA_SCOPE]);
    expect(POSTGRES_ENTRA_SCOPE).toBe("https://ossrdbms-aad.database.windows.net/.default");
  });

  it("fails with a clear message when the credential returns no token", async () => {
    const { credential } = recordingCredential(null);
    await expect(entraPostgresPassword(credential)()).rejects.toThrow(
      /no token for Azure Database for PostgreSQL/,
    );
  });
});
