@description('Name of the Container Apps environment.')
param name string

@description('Azure region of the environment.')
param location string = resourceGroup().location

@description('Tags applied to the environment.')
param tags object = {}

@description('Resource id of the Log Analytics workspace that receives console and system logs.')
param logAnalyticsWorkspaceId string

// Logs go through Azure Monitor diagnostic settings instead of the 'log-analytics'
// destination: that destination needs the workspace's shared key (listKeys) in the
// template, and this deployment holds no keys at all.
resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    // Consumption only: scale to zero, billed per use.
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    // Resource-specific tables (ContainerAppConsoleLogs, ContainerAppSystemLogs).
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'ContainerAppConsoleLogs'
        enabled: true
      }
      {
        category: 'ContainerAppSystemLogs'
        enabled: true
      }
    ]
  }
}

output id string = environment.id
output name string = environment.name
output defaultDomain string = environment.properties.defaultDomain
