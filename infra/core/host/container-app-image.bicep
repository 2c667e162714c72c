// Reads the image a Container App runs now, so that re-provisioning keeps it instead of
// resetting the app to the placeholder. azd sets SERVICE_<NAME>_RESOURCE_EXISTS before every
// provision (main.parameters.json passes it as `exists`), also on a machine or CI runner whose
// azd environment has never deployed and so has no SERVICE_<NAME>_IMAGE_NAME. A module of its
// own because a template cannot read a resource it deploys itself.

@description('Name of the Container App.')
param name string

@description('Whether the Container App exists already (azd: SERVICE_<NAME>_RESOURCE_EXISTS).')
param exists bool

resource app 'Microsoft.App/containerApps@2025-01-01' existing = if (exists) {
  name: name
}

@description('Image of the app\'s first container (the one azd deploy sets), or empty when the app does not exist yet.')
output image string = exists ? app!.properties.template.containers[0].image : ''
