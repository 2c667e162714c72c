@description('Name of the PostgreSQL flexible server (globally unique).')
param name string

@description('Azure region of the server.')
param location string = resourceGroup().location

@description('Tags applied to the server.')
param tags object = {}

@description('PostgreSQL major version.')
param version string = '16'

@description('Compute SKU name, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string = 'Standard_B1ms'

@description('Compute tier matching skuName.')
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param skuTier string = 'Burstable'

@description('Storage size in GiB.')
param storageSizeGB int = 32

@description('Entra ID principals made administrators of the server: [{ objectId, name, type: ServicePrincipal|User|Group }]. Administrators can create the other roles (pgaadauth_create_principal_with_oid).')
param administrators array

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    createMode: 'Default'
    // Entra ID only: the apps present a token from their managed identity as the password,
    // so there is no database password to store or rotate.
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: tenant().tenantId
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

// Container Apps on the Consumption profile have no fixed egress address, so the server
// accepts connections from Azure services (the 0.0.0.0 rule); Entra authentication is the
// gate. Private networking (VNet-integrated environment + private access) is the hardening
// step, documented in docs/deploy.md.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

// The application database is created by the migration job (infra/scripts/database-access.mjs)
// while connected as the migration identity, not here: a database created through ARM is
// owned by the platform's admin role, and on PostgreSQL 15+ only the database owner may
// create tables in its public schema. Created by the migrator, it and everything in it
// belong to the one role that changes the schema.

// Administrators are added one at a time: the server rejects concurrent administrator
// updates (ServerIsBusy), hence @batchSize(1).
@batchSize(1)
resource admins 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = [
  for admin in administrators: {
    parent: server
    name: admin.objectId
    properties: {
      principalName: admin.name
      principalType: admin.type
      tenantId: tenant().tenantId
    }
    dependsOn: [allowAzureServices]
  }
]

output id string = server.id
output name string = server.name
output fullyQualifiedDomainName string = server.properties.fullyQualifiedDomainName
