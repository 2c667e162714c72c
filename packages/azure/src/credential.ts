import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";

let shared: TokenCredential | undefined;

/**
 * One DefaultAzureCredential per process: it caches tokens, so sharing it avoids a token
 * request per client. In Container Apps it resolves to the user-assigned managed identity
 * named by AZURE_CLIENT_ID.
 */
export function getAzureCredential(): TokenCredential {
  shared ??= new DefaultAzureCredential();
  return shared;
}

/** Entra ID scope for Azure Database for PostgreSQL. */
export const POSTGRES_ENTRA_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

/**
 * A password callback for `pg` that returns a fresh Entra access token; tokens live about
 * an hour and the credential caches and refreshes them, so calling it per connection is cheap.
 */
export function entraPostgresPassword(credential: TokenCredential = getAzureCredential()) {
  return async (): Promise<string> => {
    const token = await credential.getToken(POSTGRES_ENTRA_SCOPE);
    if (!token) throw new Error("DefaultAzureCredential returned no token for Azure Database for PostgreSQL");
    return token.token;
  };
}
