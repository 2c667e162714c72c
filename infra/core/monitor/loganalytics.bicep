@description('Name of the Log Analytics workspace.')
param name string

@description('Azure region of the workspace.')
param location string = resourceGroup().location

@description('Tags applied to the workspace.')
param tags object = {}

@description('Days to keep logs. 30 is the free retention of the PerGB2018 tier.')
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

output id string = logAnalytics.id
output name string = logAnalytics.name
