targetScope = 'subscription'

// Report exports on Azure Container Apps: web (HTTP) + worker (queue-driven) against
// PostgreSQL Flexible Server, Service Bus and Blob Storage, all reached with managed
// identities. Nothing here creates, reads or outputs a key or connection string.

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd environment name); it prefixes the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
param location string

@description('Object id of the operator running the deployment (azd sets AZURE_PRINCIPAL_ID). With databaseAdminPrincipalName it becomes an Entra administrator of the PostgreSQL server; leave empty to skip.')
param principalId string = ''

@description('Entra name of the operator (user principal name or group name) matching principalId, made a PostgreSQL Entra administrator for break-glass access. Leave empty to skip.')
param databaseAdminPrincipalName string = ''

@description('Principal type of the operator administrator.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param databaseAdminPrincipalType string = 'User'

@description('Web image reference. azd fills it from SERVICE_WEB_IMAGE_NAME after the first deploy; the default is a public placeholder for the first provision.')
param webImageName string = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'

@description('Worker image reference (also used by the migration job). azd fills it from SERVICE_WORKER_IMAGE_NAME after the first deploy.')
param workerImageName string = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'

@description('OIDC issuer of the bearer tokens the API accepts (AUTH_ISSUER), e.g. https://login.microsoftonline.com/<tenant-id>/v2.0.')
param authIssuer string

@description('Audience the bearer tokens must carry (AUTH_AUDIENCE), e.g. api://report-exports.')
param authAudience string

@description('JWKS URL of the issuer (AUTH_JWKS_URL), e.g. https://login.microsoftonline.com/<tenant-id>/discovery/v2.0/keys.')
param authJwksUrl string

@description('Delegated permission (scope name) a user\'s access token must carry in scp (AUTH_API_SCOPE): the scope the app registration exposes (see docs/deploy.md).')
param authApiScope string = 'Reports.ReadWrite'

@description('App role an application\'s own access token (client credentials, no user) must carry in roles (AUTH_API_ROLE).')
param authApiRole string = 'Reports.ReadWrite.All'

@description('Application (client) id of the dashboard app registration (AUTH_OIDC_CLIENT_ID): a public client whose redirect URI is <web URL>/api/session/callback (see docs/deploy.md).')
param authOidcClientId string

@description('Scopes of the dashboard sign-in (AUTH_OIDC_SCOPES); empty = openid profile <authAudience>/.default.')
param authOidcScopes string = ''

@description('Name on the sign-in button (AUTH_OIDC_PROVIDER_NAME); empty = derived from the issuer ("Microsoft" for Entra ID).')
param authOidcProviderName string = ''

@description('Public origin of the dashboard (PUBLIC_URL) when it is served under a custom domain; empty = the web Container App\'s own https://<name>.<environment domain>.')
param publicUrl string = ''

@description('Lifetime of a download link in seconds (DOWNLOAD_URL_TTL_SECONDS).')
@minValue(30)
@maxValue(3600)
param downloadUrlTtlSeconds int = 300

@description('Days a report file is kept before the storage lifecycle policy deletes it.')
@minValue(1)
param reportRetentionDays int = 30

@description('Deliveries of an export request before it is dead-lettered and its report set Failed: the queue maxDeliveryCount and the worker EXPORT_MAX_DELIVERIES, kept equal by using this one value for both.')
@minValue(1)
@maxValue(20)
param exportMaxDeliveries int = 5

@description('Service Bus duplicate detection window (ISO 8601). Must outlast the relay claim lease plus the longest broker outage after which unsent outbox rows are replayed; 1 hour leaves a wide margin over both.')
param duplicateDetectionWindow string = 'PT1H'

@description('Service Bus peek-lock duration (ISO 8601, at most PT5M). The worker renews the lock during long exports, so this only bounds how long a crashed replica hides a message.')
param queueLockDuration string = 'PT5M'

@description('Time to live of an export request message (ISO 8601); expired messages are dead-lettered.')
param queueMessageTimeToLive string = 'P1D'

@description('Messages each worker replica processes concurrently (WORKER_CONCURRENCY).')
@minValue(1)
param workerConcurrency int = 2

@description('Outbox rows the relay claims per batch (RELAY_BATCH_SIZE).')
@minValue(1)
param relayBatchSize int = 50

@description('Relay polling fallback in milliseconds (RELAY_POLL_INTERVAL_MS).')
@minValue(100)
param relayPollIntervalMs int = 2000

@description('How long a relay owns the outbox rows it claimed, in milliseconds (RELAY_LEASE_MS). The duplicate detection window must stay well above it.')
@minValue(1000)
param relayLeaseMs int = 60000

@description('First delay before a failed export is retried, in milliseconds (EXPORT_RETRY_BASE_MS); doubles per delivery.')
@minValue(100)
param exportRetryBaseMs int = 2000

@description('Upper bound of the export retry delay in milliseconds (EXPORT_RETRY_MAX_MS).')
@minValue(100)
param exportRetryMaxMs int = 60000

@description('How long the worker keeps renewing a message lock, in milliseconds (EXPORT_LOCK_RENEWAL_MS); must cover the longest export.')
@minValue(60000)
param exportLockRenewalMs int = 1800000

@description('Worker graceful shutdown deadline in milliseconds (SHUTDOWN_TIMEOUT_MS); the container grace period is 15 s longer.')
@minValue(1000)
@maxValue(600000)
param shutdownTimeoutMs int = 30000

@description('Minimum web replicas (0 allows scale to zero at the cost of a cold start).')
@minValue(0)
param webMinReplicas int = 1

@description('Maximum web replicas.')
@minValue(1)
param webMaxReplicas int = 5

@description('Minimum worker replicas; at least 1 because the outbox relay runs in the worker (see docs/deploy.md).')
@minValue(1)
param workerMinReplicas int = 1

@description('Maximum worker replicas.')
@minValue(1)
param workerMaxReplicas int = 10

@description('Active queue messages per worker replica before KEDA adds one.')
@minValue(1)
param workerMessagesPerReplica int = 4

@description('PostgreSQL compute SKU.')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL compute tier matching postgresSkuName.')
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'Burstable'

@description('PostgreSQL storage in GiB.')
@minValue(32)
param postgresStorageSizeGB int = 32

@description('Name of the application database (created by the migration job).')
param databaseName string = 'reports'

@description('pino log level of the apps.')
@allowed(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
param logLevel string = 'info'

// Names the code shares with the infrastructure (kept in step by the infra-consistency
// tests in apps/web and apps/worker):
// REPORT_REQUESTS_QUEUE and REPORTS_CONTAINER in packages/contracts.
var reportRequestsQueue = 'report-requests'
var reportsContainer = 'reports'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module logAnalytics 'core/monitor/loganalytics.bicep' = {
  name: 'log-analytics'
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
  }
}

module containerAppsEnvironment 'core/host/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  scope: rg
  params: {
    name: 'cae-${resourceToken}'
    location: location
    tags: tags
    logAnalyticsWorkspaceId: logAnalytics.outputs.id
  }
}

module registry 'core/host/container-registry.bicep' = {
  name: 'container-registry'
  scope: rg
  params: {
    name: 'cr${resourceToken}'
    location: location
    tags: tags
  }
}

// One identity per workload, so each gets only its own roles.
module webIdentity 'core/security/user-assigned-identity.bicep' = {
  name: 'identity-web'
  scope: rg
  params: {
    name: 'id-web-${resourceToken}'
    location: location
    tags: tags
  }
}

module workerIdentity 'core/security/user-assigned-identity.bicep' = {
  name: 'identity-worker'
  scope: rg
  params: {
    name: 'id-worker-${resourceToken}'
    location: location
    tags: tags
  }
}

module migrateIdentity 'core/security/user-assigned-identity.bicep' = {
  name: 'identity-migrate'
  scope: rg
  params: {
    name: 'id-migrate-${resourceToken}'
    location: location
    tags: tags
  }
}

module scalerIdentity 'core/security/user-assigned-identity.bicep' = {
  name: 'identity-scaler'
  scope: rg
  params: {
    name: 'id-scaler-${resourceToken}'
    location: location
    tags: tags
  }
}

module registryAccess 'core/security/registry-access.bicep' = {
  name: 'registry-access'
  scope: rg
  params: {
    containerRegistryName: registry.outputs.name
    principalIds: [
      webIdentity.outputs.principalId
      workerIdentity.outputs.principalId
      migrateIdentity.outputs.principalId
    ]
  }
}

module serviceBus 'core/messaging/servicebus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    queueName: reportRequestsQueue
    maxDeliveryCount: exportMaxDeliveries
    duplicateDetectionWindow: duplicateDetectionWindow
    lockDuration: queueLockDuration
    messageTimeToLive: queueMessageTimeToLive
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerName: reportsContainer
    reportPrefix: 'popularity/'
    reportRetentionDays: reportRetentionDays
  }
}

// The migration identity is the Entra administrator (it creates the database, the apps'
// roles and the schema); the apps connect as ordinary roles with table privileges only.
var migrateAdmin = [
  {
    objectId: migrateIdentity.outputs.principalId
    name: migrateIdentity.outputs.name
    type: 'ServicePrincipal'
  }
]
var operatorAdmin = (empty(principalId) || empty(databaseAdminPrincipalName)) ? [] : [
  {
    objectId: principalId
    name: databaseAdminPrincipalName
    type: databaseAdminPrincipalType
  }
]

module postgres 'core/database/postgresql-flexible.bicep' = {
  name: 'postgres'
  scope: rg
  params: {
    name: 'psql-${resourceToken}'
    location: location
    tags: tags
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    administrators: concat(migrateAdmin, operatorAdmin)
  }
}

module access 'app/access.bicep' = {
  name: 'data-access'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    containerName: storage.outputs.containerName
    serviceBusNamespaceName: serviceBus.outputs.name
    queueName: serviceBus.outputs.queueName
    webPrincipalId: webIdentity.outputs.principalId
    workerPrincipalId: workerIdentity.outputs.principalId
    scalerPrincipalId: scalerIdentity.outputs.principalId
  }
}

// Entra authentication: the user is the identity's name, the password an access token the
// app fetches per connection (DATABASE_AUTH=entra). sslmode=require: the server refuses
// unencrypted connections anyway.
var databaseHost = postgres.outputs.fullyQualifiedDomainName
var webDatabaseUrl = 'postgresql://${webIdentity.outputs.name}@${databaseHost}:5432/${databaseName}?sslmode=require'
var workerDatabaseUrl = 'postgresql://${workerIdentity.outputs.name}@${databaseHost}:5432/${databaseName}?sslmode=require'
var migrateDatabaseUrl = 'postgresql://${migrateIdentity.outputs.name}@${databaseHost}:5432/${databaseName}?sslmode=require'

// The web app's address is known before it exists (<app name>.<environment default domain>),
// so its redirect URI is stable across deployments and can be registered once.
var webAppName = 'ca-web-${resourceToken}'
var webPublicUrl = empty(publicUrl) ? 'https://${webAppName}.${containerAppsEnvironment.outputs.defaultDomain}' : publicUrl

module web 'app/web.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: webAppName
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerRegistryServer: registry.outputs.loginServer
    imageName: webImageName
    identityId: webIdentity.outputs.id
    identityClientId: webIdentity.outputs.clientId
    databaseUrl: webDatabaseUrl
    blobAccountUrl: storage.outputs.blobEndpoint
    blobContainer: storage.outputs.containerName
    authIssuer: authIssuer
    authAudience: authAudience
    authJwksUrl: authJwksUrl
    authApiScope: authApiScope
    authApiRole: authApiRole
    publicUrl: webPublicUrl
    authOidcClientId: authOidcClientId
    authOidcScopes: authOidcScopes
    authOidcProviderName: authOidcProviderName
    downloadUrlTtlSeconds: downloadUrlTtlSeconds
    logLevel: logLevel
    minReplicas: webMinReplicas
    maxReplicas: webMaxReplicas
  }
  dependsOn: [registryAccess, access]
}

module worker 'app/worker.bicep' = {
  name: 'worker'
  scope: rg
  params: {
    name: 'ca-worker-${resourceToken}'
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerRegistryServer: registry.outputs.loginServer
    imageName: workerImageName
    identityId: workerIdentity.outputs.id
    identityClientId: workerIdentity.outputs.clientId
    scalerIdentityId: scalerIdentity.outputs.id
    databaseUrl: workerDatabaseUrl
    blobAccountUrl: storage.outputs.blobEndpoint
    blobContainer: storage.outputs.containerName
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    queueName: serviceBus.outputs.queueName
    exportMaxDeliveries: exportMaxDeliveries
    workerConcurrency: workerConcurrency
    relayBatchSize: relayBatchSize
    relayPollIntervalMs: relayPollIntervalMs
    relayLeaseMs: relayLeaseMs
    exportRetryBaseMs: exportRetryBaseMs
    exportRetryMaxMs: exportRetryMaxMs
    exportLockRenewalMs: exportLockRenewalMs
    shutdownTimeoutMs: shutdownTimeoutMs
    logLevel: logLevel
    minReplicas: workerMinReplicas
    maxReplicas: workerMaxReplicas
    messagesPerReplica: workerMessagesPerReplica
  }
  dependsOn: [registryAccess, access]
}

module migrateJob 'app/migrate-job.bicep' = {
  name: 'migrate-job'
  scope: rg
  params: {
    name: 'caj-migrate-${resourceToken}'
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerRegistryServer: registry.outputs.loginServer
    imageName: workerImageName
    identityId: migrateIdentity.outputs.id
    identityClientId: migrateIdentity.outputs.clientId
    databaseUrl: migrateDatabaseUrl
    webRoleName: webIdentity.outputs.name
    webPrincipalId: webIdentity.outputs.principalId
    workerRoleName: workerIdentity.outputs.name
    workerPrincipalId: workerIdentity.outputs.principalId
    logLevel: logLevel
  }
  dependsOn: [registryAccess]
}

// Outputs: names and URLs only. azd stores them in .azure/<env>/.env.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output SERVICE_WEB_NAME string = web.outputs.name
output SERVICE_WEB_URI string = web.outputs.uri
output WEB_PUBLIC_URL string = webPublicUrl
output AUTH_REDIRECT_URI string = '${webPublicUrl}/api/session/callback'
output SERVICE_WORKER_NAME string = worker.outputs.name
output MIGRATION_JOB_NAME string = migrateJob.outputs.name
output POSTGRES_SERVER_NAME string = postgres.outputs.name
output POSTGRES_HOST string = databaseHost
output POSTGRES_DATABASE string = databaseName
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICEBUS_QUEUE string = serviceBus.outputs.queueName
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output BLOB_ACCOUNT_URL string = storage.outputs.blobEndpoint
output BLOB_CONTAINER string = storage.outputs.containerName
