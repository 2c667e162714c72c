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

@description('Storage size in GiB. Fixed: auto-grow stays off (see the storage block below).')
@allowed([32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767])
param storageSizeGB int = 32

@description('Used storage percentage at which the storage alert fires.')
@minValue(1)
@maxValue(100)
param storageAlertPercent int = 80

@description('E-mail address the storage alert is sent to; empty = no action group, the alert only shows in Azure Monitor.')
param alertEmail string = ''

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
    // Auto-grow stays off. With it on, the disk grows by itself (doubling on Premium SSD) while
    // this template keeps declaring storageSizeGB, and the next deployment then asks for a
    // smaller disk than the server has, which fails
    // (UpsertServerManagementOperationDowngradeDiskSizeUnsupported): every later provision
    // would break. The size is the storageSizeGB parameter alone, so re-provisioning is
    // idempotent; the storage alert below says when to raise it.
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Disabled'
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

// Without auto-grow a full disk turns the server read-only, so say so well before: an alert
// on the used storage percentage (evaluated every 15 minutes over the last hour).
resource alertGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'pgstorage'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource storageAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${name}-storage'
  location: 'global'
  tags: tags
  properties: {
    description: 'PostgreSQL storage above ${storageAlertPercent} %: raise postgresStorageSizeGB (POSTGRES_STORAGE_SIZE_GB) and provision again before the disk fills up (a nearly full server turns read-only).'
    severity: 2
    enabled: true
    scopes: [server.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'storage-percent'
          metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
          metricName: 'storage_percent'
          operator: 'GreaterThan'
          threshold: storageAlertPercent
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: empty(alertEmail) ? [] : [
      {
        actionGroupId: alertGroup.id
      }
    ]
  }
}

output id string = server.id
output name string = server.name
output fullyQualifiedDomainName string = server.properties.fullyQualifiedDomainName
