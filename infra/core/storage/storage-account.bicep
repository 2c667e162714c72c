@description('Name of the storage account (3-24 lowercase alphanumerics, globally unique).')
param name string

@description('Azure region of the account.')
param location string = resourceGroup().location

@description('Tags applied to the account.')
param tags object = {}

@description('Blob container holding the report files (REPORTS_CONTAINER in @reports/contracts).')
param containerName string

@description('Blob name prefix of the report files inside the container, without the container name.')
param reportPrefix string = 'popularity/'

@description('Days a report file is kept: the worker retention loop then marks its reports Expired and deletes it.')
@minValue(1)
param reportRetentionDays int

@description('Days beyond reportRetentionDays after which the lifecycle policy deletes a report file the worker left (a backstop, never before the worker).')
@minValue(1)
param backstopDays int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    // Entra ID only: the worker writes with its identity and the web app signs download
    // links with a user delegation key, so no account key is ever needed.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

// The worker's retention loop removes a file after reportRetentionDays and marks its reports
// Expired first, so no report links to a deleted file. This rule is the backstop, backstopDays
// later, for files the worker never removed (an export that never completed, a delete that
// kept failing); it runs about once a day.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-reports'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              // prefixMatch starts with the container name.
              prefixMatch: ['${containerName}/${reportPrefix}']
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: reportRetentionDays + backstopDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [container]
}

output id string = storage.id
output name string = storage.name
output containerName string = container.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
