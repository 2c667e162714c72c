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

@description('Entra name of the PostgreSQL break-glass administrator: your user principal name, or a group\'s or service principal\'s display name. Leave empty to skip.')
param databaseAdminPrincipalName string = ''

@description('Object id of that administrator; empty = principalId (you). Set it for a group or a service principal other than the one running the deployment.')
param databaseAdminPrincipalId string = ''

@description('Principal type of that administrator.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param databaseAdminPrincipalType string = 'User'

@description('Image of the web app (azd: SERVICE_WEB_IMAGE_NAME, recorded by azd deploy). Empty = keep the image the app runs now, or the placeholder on the first provision.')
param webImageName string = ''

@description('Whether the web Container App exists already (azd sets SERVICE_WEB_RESOURCE_EXISTS before every provision).')
param webAppExists bool = false

@description('Image of the worker and the migration job (azd: SERVICE_WORKER_IMAGE_NAME). Empty = keep the image the worker runs now, or the placeholder on the first provision.')
param workerImageName string = ''

@description('Whether the worker Container App exists already (azd sets SERVICE_WORKER_RESOURCE_EXISTS before every provision).')
param workerAppExists bool = false

@description('OIDC issuer of the bearer tokens the API accepts (AUTH_ISSUER), e.g. https://login.microsoftonline.com/<tenant-id>/v2.0.')
param authIssuer string

@description('Audience the bearer tokens must carry (AUTH_AUDIENCE), e.g. api://report-exports.')
param authAudience string

@description('JWKS URL of the issuer (AUTH_JWKS_URL), e.g. https://login.microsoftonline.com/<tenant-id>/discovery/v2.0/keys.')
param authJwksUrl string

@description('Delegated permission (scope name) a user\'s access token must carry in scp (AUTH_API_SCOPE): the scope the app registration exposes (see docs/deploy.md).')
param authApiScope string = 'Reports.ReadWrite'

@description('App role (in the access token\'s roles) of an operator, who may use the console at /admin (AUTH_ADMIN_ROLE); assigned to users in Entra (docs/deploy.md).')
param authAdminRole string = 'Reports.Admin'

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

@description('Reports one user may have Pending or Processing at once; one more is answered 429 (REPORTS_MAX_ACTIVE_PER_USER).')
@minValue(1)
@maxValue(10000)
param reportsMaxActivePerUser int = 5

@description('Report requests one user may make per minute, counted in PostgreSQL across every web replica; more are answered 429 (REPORT_REQUESTS_PER_MINUTE).')
@minValue(1)
@maxValue(100000)
param reportRequestsPerMinute int = 20

@description('Days a report file is kept (the worker FILE_RETENTION_DAYS): the worker then marks its reports Expired and deletes it; the storage lifecycle rule deletes what is left fileRetentionBackstopDays later.')
@minValue(1)
@maxValue(3650)
param reportRetentionDays int = 30

@description('Most schedules one user may have (SCHEDULES_MAX_PER_USER).')
@minValue(1)
@maxValue(1000)
param schedulesMaxPerUser int = 20

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

@description('Messages each worker replica processes concurrently (WORKER_CONCURRENCY, at most 64).')
@minValue(1)
@maxValue(64)
param workerConcurrency int = 2

@description('Exports of one user running at once across every worker replica; the next waits its turn (WORKER_MAX_EXPORTS_PER_USER).')
@minValue(1)
@maxValue(1000)
param workerMaxExportsPerUser int = 1

@description('Milliseconds an export that must wait its turn is set aside before it is offered again (WORKER_FAIRNESS_DEFER_MS).')
@minValue(1)
@maxValue(600000)
param workerFairnessDeferMs int = 2000

@description('Outbox rows the relay claims per batch (RELAY_BATCH_SIZE, at most 1000).')
@minValue(1)
@maxValue(1000)
param relayBatchSize int = 50

@description('Relay polling fallback in milliseconds (RELAY_POLL_INTERVAL_MS).')
@minValue(100)
param relayPollIntervalMs int = 2000

@description('Longest sleep of the worker scheduler between rounds, in milliseconds (SCHEDULER_POLL_INTERVAL_MS): how soon a new or changed schedule is seen.')
@minValue(1000)
@maxValue(300000)
param schedulerPollIntervalMs int = 10000

@description('Due schedules the scheduler fires per round (SCHEDULER_BATCH_SIZE).')
@minValue(1)
@maxValue(1000)
param schedulerBatchSize int = 20

@description('Time between two rounds of the worker retention loop, in milliseconds (RETENTION_INTERVAL_MS).')
@minValue(10000)
@maxValue(86400000)
param retentionIntervalMs int = 900000

@description('Files the retention loop expires and deletes per step (RETENTION_BATCH_SIZE).')
@minValue(1)
@maxValue(10000)
param retentionBatchSize int = 100

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

@description('Worker graceful shutdown deadline in milliseconds (SHUTDOWN_TIMEOUT_MS). The container grace period is 15 s longer and Container Apps allows at most 600 s, hence at most 585000.')
@minValue(1000)
@maxValue(585000)
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

@description('PostgreSQL storage in GiB, one of the sizes Azure offers. It never grows by itself (auto-grow would make the next provision try to shrink it) and can never shrink: raise it when the storage alert fires (docs/deploy.md).')
@allowed([32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767])
param postgresStorageSizeGB int = 32

@description('Used storage percentage at which the PostgreSQL storage alert fires (a nearly full server turns read-only).')
@minValue(50)
@maxValue(90)
param postgresStorageAlertPercent int = 80

@description('E-mail address that receives the PostgreSQL storage alert; empty = the alert is only listed in Azure Monitor.')
param alertEmail string = ''

@description('Name of the application database (created by the migration job).')
param databaseName string = 'reports'

@description('pino log level of the apps.')
@allowed(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
param logLevel string = 'info'

// Names the code shares with the infrastructure (kept in step by infra/test/consistency.test.ts):
// REPORT_REQUESTS_QUEUE and REPORTS_CONTAINER in packages/contracts.
var reportRequestsQueue = 'report-requests'
var reportsContainer = 'reports'
// Days the storage lifecycle rule waits beyond reportRetentionDays (FILE_RETENTION_BACKSTOP_DAYS
// in @reports/contracts): never before the worker, so no Completed report points at a deleted file.
var fileRetentionBackstopDays = 1

// What every app runs before azd has pushed the real images: a public ASP.NET sample that
// listens on the port ASPNETCORE_HTTP_PORTS names, so the web app's ingress and probes target
// the real app's port from the first revision on (app/web.bicep). The Container Apps
// hello-world image listens on port 80 only, which the first web revision then failed on.
var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'

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
    backstopDays: fileRetentionBackstopDays
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
var operatorAdminObjectId = empty(databaseAdminPrincipalId) ? principalId : databaseAdminPrincipalId
var operatorAdmin = (empty(operatorAdminObjectId) || empty(databaseAdminPrincipalName)) ? [] : [
  {
    objectId: operatorAdminObjectId
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
    storageAlertPercent: postgresStorageAlertPercent
    alertEmail: alertEmail
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
var workerAppName = 'ca-worker-${resourceToken}'
var webPublicUrl = empty(publicUrl) ? 'https://${webAppName}.${containerAppsEnvironment.outputs.defaultDomain}' : publicUrl

// Which image each app gets: the one azd deploy recorded, else the one the app runs now
// (a re-provision from a fresh azd environment, e.g. in CI, must not reset a live app to the
// placeholder), else the placeholder (first provision).
module webCurrentImage 'core/host/container-app-image.bicep' = {
  name: 'web-current-image'
  scope: rg
  params: {
    name: webAppName
    exists: webAppExists
  }
}

module workerCurrentImage 'core/host/container-app-image.bicep' = {
  name: 'worker-current-image'
  scope: rg
  params: {
    name: workerAppName
    exists: workerAppExists
  }
}

var webImage = !empty(webImageName) ? webImageName : (webAppExists ? webCurrentImage.outputs.image : placeholderImage)
var workerImage = !empty(workerImageName) ? workerImageName : (workerAppExists ? workerCurrentImage.outputs.image : placeholderImage)

module web 'app/web.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: webAppName
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerRegistryServer: registry.outputs.loginServer
    imageName: webImage
    placeholder: webImage == placeholderImage
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
    authAdminRole: authAdminRole
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    queueName: serviceBus.outputs.queueName
    publicUrl: webPublicUrl
    authOidcClientId: authOidcClientId
    authOidcScopes: authOidcScopes
    authOidcProviderName: authOidcProviderName
    downloadUrlTtlSeconds: downloadUrlTtlSeconds
    reportsMaxActivePerUser: reportsMaxActivePerUser
    reportRequestsPerMinute: reportRequestsPerMinute
    schedulesMaxPerUser: schedulesMaxPerUser
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
    name: workerAppName
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerRegistryServer: registry.outputs.loginServer
    imageName: workerImage
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
    workerMaxExportsPerUser: workerMaxExportsPerUser
    workerFairnessDeferMs: workerFairnessDeferMs
    relayBatchSize: relayBatchSize
    relayPollIntervalMs: relayPollIntervalMs
    schedulerPollIntervalMs: schedulerPollIntervalMs
    schedulerBatchSize: schedulerBatchSize
    reportRetentionDays: reportRetentionDays
    retentionIntervalMs: retentionIntervalMs
    retentionBatchSize: retentionBatchSize
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
    imageName: workerImage
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
// The migration hook (infra/scripts/run-migrations.mjs) calls this cloud's Resource Manager.
output AZURE_RESOURCE_MANAGER_ENDPOINT string = environment().resourceManager
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
