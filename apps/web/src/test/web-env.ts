/** A production configuration as docs/deploy.md's single Entra app registration gives it. */
export const ENTRA_PRODUCTION_ENV = {
  NODE_ENV: "production",
  APP_ENV: "production",
  DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/reports",
  BLOB_ACCOUNT_URL: "https://account.blob.core.windows.net/",
  AUTH_MODE: "oidc",
  AUTH_ISSUER: "https://login.microsoftonline.com/tenant/v2.0",
  AUTH_AUDIENCE: "6e2b1a7c-0000-4000-8000-000000000001",
  AUTH_JWKS_URL: "https://login.microsoftonline.com/tenant/discovery/v2.0/keys",
  AUTH_OIDC_CLIENT_ID: "6e2b1a7c-0000-4000-8000-000000000001",
  PUBLIC_URL: "https://reports.example.com/",
};
