// The worker: outbox relay + ExportRequested consumer, no ingress, scaled on queue length.

@description('Name of the worker Container App.')
param name string

@description('Azure region of the app.')
param location string = resourceGroup().location

@description('Tags applied to the app (azd-service-name is added here).')
param tags object = {}

@description('Resource id of the Container Apps environment.')
param containerAppsEnvironmentId string

@description('Login server of the registry the image is pulled from.')
param containerRegistryServer string

@description('Full image reference. azd replaces it on deploy; the default is a public placeholder for the first provision.')
param imageName string

@description('Resource id of the worker user-assigned identity (used by the code).')
param identityId string

@description('Client id of the worker identity (AZURE_CLIENT_ID for DefaultAzureCredential).')
param identityClientId string

@description('Resource id of the identity the KEDA scale rule authenticates with (Data Owner on the queue; not available to the container).')
param scalerIdentityId string

@description('PostgreSQL connection URL for the worker identity (user = identity name, no password: an Entra token is used).')
param databaseUrl string

@description('Blob service endpoint, e.g. https://account.blob.core.windows.net/.')
param blobAccountUrl string

@description('Blob container holding the report files.')
param blobContainer string

@description('Service Bus namespace name (for the KEDA scaler).')
param serviceBusNamespaceName string

@description('Fully qualified Service Bus namespace, e.g. my-ns.servicebus.windows.net (for the SDK).')
param serviceBusFullyQualifiedNamespace string

@description('Export request queue name.')
param queueName string

@description('Deliveries before dead-lettering; equals the queue maxDeliveryCount.')
param exportMaxDeliveries int

@description('Messages each replica processes at once (WORKER_CONCURRENCY).')
param workerConcurrency int

@description('Exports of one user running at once across every replica (WORKER_MAX_EXPORTS_PER_USER).')
param workerMaxExportsPerUser int

@description('Milliseconds an export waiting its turn is set aside (WORKER_FAIRNESS_DEFER_MS).')
param workerFairnessDeferMs int

@description('Outbox rows claimed per relay batch (RELAY_BATCH_SIZE).')
param relayBatchSize int

@description('Relay polling fallback interval in ms (RELAY_POLL_INTERVAL_MS); LISTEN/NOTIFY wakes it sooner.')
param relayPollIntervalMs int

@description('Longest sleep of the scheduler between rounds in ms (SCHEDULER_POLL_INTERVAL_MS).')
param schedulerPollIntervalMs int

@description('Due schedules fired per scheduler round (SCHEDULER_BATCH_SIZE).')
param schedulerBatchSize int

@description('Days a report file is kept before the retention loop expires its reports and deletes it (FILE_RETENTION_DAYS).')
param reportRetentionDays int

@description('Time between two retention rounds in ms (RETENTION_INTERVAL_MS).')
param retentionIntervalMs int

@description('Files expired and deleted per retention step (RETENTION_BATCH_SIZE).')
param retentionBatchSize int

@description('How long a relay owns claimed outbox rows in ms (RELAY_LEASE_MS); after it another relay may resend them, which duplicate detection drops.')
param relayLeaseMs int

@description('First retry delay of a failed export in ms (EXPORT_RETRY_BASE_MS); doubles per delivery.')
param exportRetryBaseMs int

@description('Upper bound of the export retry delay in ms (EXPORT_RETRY_MAX_MS).')
param exportRetryMaxMs int

@description('How long the SDK keeps renewing a message lock in ms (EXPORT_LOCK_RENEWAL_MS); must cover the longest export.')
param exportLockRenewalMs int

@description('Graceful shutdown deadline in ms (SHUTDOWN_TIMEOUT_MS).')
@maxValue(585000)
param shutdownTimeoutMs int

@description('pino log level.')
param logLevel string

@description('Minimum replicas. At least 1: the outbox relay runs inside the worker, so with zero replicas nothing would move accepted reports onto the queue that KEDA watches.')
@minValue(1)
param minReplicas int

@description('Maximum replicas.')
param maxReplicas int

@description('Active queue messages per replica that KEDA aims for before adding a replica.')
param messagesPerReplica int

// The largest terminationGracePeriodSeconds Container Apps accepts.
var maxTerminationGracePeriodSeconds = 600

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'worker' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
      '${scalerIdentityId}': {}
    }
  }
  properties: {
    environmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      // No ingress: the worker only makes outbound connections.
      registries: [
        {
          server: containerRegistryServer
          identity: identityId
        }
      ]
      identitySettings: [
        {
          // The scaler identity (queue Data Owner) serves the platform's KEDA scaler only;
          // 'None' keeps it out of the container's token endpoint.
          identity: scalerIdentityId
          lifecycle: 'None'
        }
        {
          identity: identityId
          lifecycle: 'All'
        }
      ]
      secrets: []
    }
    template: {
      // SIGTERM drains in-flight exports within SHUTDOWN_TIMEOUT_MS; the platform waits a
      // little longer before SIGKILL so the drain can finish and the clients close. Container
      // Apps accepts at most 600 s (main.bicep caps shutdownTimeoutMs to match).
      terminationGracePeriodSeconds: min((shutdownTimeoutMs / 1000) + 15, maxTerminationGracePeriodSeconds)
      containers: [
        {
          name: 'worker'
          image: imageName
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: [
            { name: 'NODE_ENV', value: 'production' }
            { name: 'LOG_LEVEL', value: logLevel }
            { name: 'LOG_PRETTY', value: 'false' }
            { name: 'DATABASE_URL', value: databaseUrl }
            { name: 'DATABASE_AUTH', value: 'entra' }
            { name: 'BLOB_ACCOUNT_URL', value: blobAccountUrl }
            { name: 'BLOB_CONTAINER', value: blobContainer }
            { name: 'SERVICEBUS_NAMESPACE', value: serviceBusFullyQualifiedNamespace }
            { name: 'SERVICEBUS_QUEUE', value: queueName }
            { name: 'APP_VERSION', value: imageName }
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'WORKER_CONCURRENCY', value: string(workerConcurrency) }
            { name: 'WORKER_MAX_EXPORTS_PER_USER', value: string(workerMaxExportsPerUser) }
            { name: 'WORKER_FAIRNESS_DEFER_MS', value: string(workerFairnessDeferMs) }
            { name: 'RELAY_BATCH_SIZE', value: string(relayBatchSize) }
            { name: 'RELAY_POLL_INTERVAL_MS', value: string(relayPollIntervalMs) }
            { name: 'SCHEDULER_POLL_INTERVAL_MS', value: string(schedulerPollIntervalMs) }
            { name: 'SCHEDULER_BATCH_SIZE', value: string(schedulerBatchSize) }
            { name: 'FILE_RETENTION_DAYS', value: string(reportRetentionDays) }
            { name: 'RETENTION_INTERVAL_MS', value: string(retentionIntervalMs) }
            { name: 'RETENTION_BATCH_SIZE', value: string(retentionBatchSize) }
            { name: 'RELAY_LEASE_MS', value: string(relayLeaseMs) }
            { name: 'EXPORT_MAX_DELIVERIES', value: string(exportMaxDeliveries) }
            { name: 'EXPORT_RETRY_BASE_MS', value: string(exportRetryBaseMs) }
            { name: 'EXPORT_RETRY_MAX_MS', value: string(exportRetryMaxMs) }
            { name: 'EXPORT_LOCK_RENEWAL_MS', value: string(exportLockRenewalMs) }
            { name: 'SHUTDOWN_TIMEOUT_MS', value: string(shutdownTimeoutMs) }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'report-requests-length'
            custom: {
              type: 'azure-servicebus'
              // Managed identity instead of a connection string: no SAS key exists
              // (the namespace has disableLocalAuth). The rule names one queue and no
              // `useRegex`, so KEDA only reads that queue's runtime properties, which the
              // queue-scoped role in app/access.bicep allows.
              identity: scalerIdentityId
              metadata: {
                namespace: serviceBusNamespaceName
                queueName: queueName
                messageCount: string(messagesPerReplica)
              }
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
