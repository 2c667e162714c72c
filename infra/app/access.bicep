// Data-plane role assignments, each scoped to the one container or queue the code uses.

@description('Name of the storage account holding the reports container.')
param storageAccountName string

@description('Name of the reports blob container.')
param containerName string

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Name of the export request queue.')
param queueName string

@description('Principal id of the web app identity.')
param webPrincipalId string

@description('Principal id of the worker app identity.')
param workerPrincipalId string

@description('Principal id of the identity the worker scale rule (KEDA) uses to read the queue length.')
param scalerPrincipalId string

var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: containerName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: namespace
  name: queueName
}

// Worker: writes report blobs (block blob upload, and overwrite on a redelivered message).
resource workerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, workerPrincipalId, roles.storageBlobDataContributor)
  scope: container
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// Web: mints read-only user delegation SAS links and never reads or writes blobs itself.
// - Storage Blob Delegator (account scope, the narrowest scope the action exists at):
//   grants only blobServices/generateUserDelegationKey/action.
// - Storage Blob Data Reader (container scope): a user delegation SAS is only as strong as
//   the signer's own data permissions at the time of use; without read on the container the
//   links would be rejected with 403. Scoping it to `reports` keeps any other container
//   out of reach of a link the web app could sign.
resource webBlobDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, webPrincipalId, roles.storageBlobDelegator)
  scope: storage
  properties: {
    principalId: webPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
  }
}

resource webBlobReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, webPrincipalId, roles.storageBlobDataReader)
  scope: container
  properties: {
    principalId: webPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
  }
}

// Worker: the outbox relay sends to the queue; the consumer receives from it and from its
// dead-letter sub-queue. The web app gets no Service Bus role: it only writes the outbox row.
resource workerQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, workerPrincipalId, roles.serviceBusDataSender)
  scope: queue
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

resource workerQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, workerPrincipalId, roles.serviceBusDataReceiver)
  scope: queue
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

// KEDA's azure-servicebus scaler reads the queue's message count through the management
// (ATOM) endpoint, which needs the Manage right: Data Owner, the only built-in role with it.
// It goes to a separate identity that the worker container cannot use (identitySettings
// lifecycle 'None' in app/worker.bicep), and only on this queue, where Microsoft's and KEDA's
// examples grant it on the namespace. The queue is enough: for a rule that names one queue
// (no `useRegex`), KEDA makes a single call, GetQueueRuntimeProperties, a GET on the queue
// entity itself (https://<namespace>/<queue>), and a role assigned at an entity authorizes
// requests on that entity (as a queue-level SAS rule with Manage does, which KEDA users run
// with). Only a namespace-wide call (listing queues for `useRegex`) would need the namespace.
// If the scaler ever reports 401 (ContainerAppSystemLogs), widen `scope` to `namespace`.
// Web: the operator console reads the same queue's counts (GetQueueRuntimeProperties on the
// queue entity, the call KEDA makes above), which needs Manage: Data Owner on this queue only.
// It sends and receives nothing: a re-drive goes back through the outbox and the worker's relay.
resource webQueueOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, webPrincipalId, roles.serviceBusDataOwner)
  scope: queue
  properties: {
    principalId: webPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
  }
}

resource scalerQueueOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, scalerPrincipalId, roles.serviceBusDataOwner)
  scope: queue
  properties: {
    principalId: scalerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
  }
}
