@description('Name of the Service Bus namespace (globally unique).')
param name string

@description('Azure region of the namespace.')
param location string = resourceGroup().location

@description('Tags applied to the namespace.')
param tags object = {}

@description('Name of the queue carrying export requests (REPORT_REQUESTS_QUEUE in @reports/contracts).')
param queueName string

@description('Deliveries before a message is dead-lettered; the worker reads the same number from EXPORT_MAX_DELIVERIES.')
@minValue(1)
param maxDeliveryCount int

@description('Duplicate detection window (ISO 8601). It must outlast the longest time a relay can resend the same outbox row: the relay claim lease plus the longest broker outage after which unsent rows are replayed.')
param duplicateDetectionWindow string = 'PT1H'

@description('Peek-lock duration (ISO 8601, at most PT5M on Standard). The SDK renews the lock while an export runs, so this only bounds how long a crashed consumer keeps a message invisible.')
param lockDuration string = 'PT5M'

@description('Time to live of an export request (ISO 8601); expired requests are dead-lettered, and the worker marks their reports Failed.')
param messageTimeToLive string = 'P1D'

// Standard, not Basic: Basic has no duplicate detection, and the relay's at-least-once
// resend relies on it (messageId = outbox row id).
resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // No SAS keys: every client (apps, KEDA) authenticates with Entra ID.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: namespace
  name: queueName
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: messageTimeToLive
    requiresSession: false
    enablePartitioning: false
    maxSizeInMegabytes: 1024
  }
}

output id string = namespace.id
output name string = namespace.name
output queueName string = queue.name
// Host name only (e.g. my-ns.servicebus.windows.net), the shape SERVICEBUS_NAMESPACE expects.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
