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

@description('Days after which a report file is deleted by the lifecycle policy.')
@minValue(1)
param reportRetentionDays int

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

// Report files are regenerated on request, so old ones are simply deleted; the report
// row stays Completed and a later download of a deleted file fails with 404 from Blob.
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
                  daysAfterModificationGreaterThan: reportRetentionDays
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
