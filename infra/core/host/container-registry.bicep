@description('Name of the container registry (alphanumeric, globally unique).')
param name string

@description('Azure region of the registry.')
param location string = resourceGroup().location

@description('Tags applied to the registry.')
param tags object = {}

@description('Registry SKU. Basic is enough for two images.')
@allowed(['Basic', 'Standard', 'Premium'])
param sku string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: sku }
  properties: {
    // Pulls use the apps' managed identities (AcrPull); pushes use the operator's Entra login.
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
