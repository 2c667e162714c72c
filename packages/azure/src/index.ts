export {
  type BlobClients,
  createBlobClients,
  createServiceBusAdministrationClient,
  createServiceBusClient,
  parseStorageConnectionString,
  SERVICE_BUS_RETRY_OPTIONS,
  type ServiceBusClientOptions,
} from "./clients.ts";
export {
  BLOB_ENV_FIELDS,
  DATABASE_AUTH_ENV_FIELDS,
  refineBlobEnv,
  refineServiceBusEnv,
  SERVICE_BUS_ENV_FIELDS,
  type TBlobEnv,
  type TServiceBusEnv,
  ZBlobEnv,
  ZServiceBusEnv,
} from "./config.ts";
export { entraPostgresPassword, getAzureCredential, POSTGRES_ENTRA_SCOPE } from "./credential.ts";
