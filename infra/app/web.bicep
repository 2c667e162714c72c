// The web app: Next.js standalone server (REST, tRPC, OpenAPI, dashboard) behind HTTPS ingress.

@description('Name of the web Container App.')
param name string

@description('Azure region of the app.')
param location string = resourceGroup().location

@description('Tags applied to the app (azd-service-name is added here).')
param tags object = {}

@description('Resource id of the Container Apps environment.')
param containerAppsEnvironmentId string

@description('Login server of the registry the image is pulled from.')
param containerRegistryServer string

@description('Full image reference. azd deploy replaces it (containers[0].image only); before the first deploy it is the placeholder.')
param imageName string

@description('True while imageName is the placeholder (main.bicep): it is told to listen on the app\'s port.')
param placeholder bool = false

@description('Resource id of the web app user-assigned identity.')
param identityId string

@description('Client id of the web app identity (AZURE_CLIENT_ID for DefaultAzureCredential).')
param identityClientId string

@description('PostgreSQL connection URL for the web identity (user = identity name, no password: an Entra token is used).')
param databaseUrl string

@description('Blob service endpoint, e.g. https://account.blob.core.windows.net/.')
param blobAccountUrl string

@description('Blob container holding the report files.')
param blobContainer string

@description('OIDC issuer of the bearer tokens the API accepts.')
param authIssuer string

@description('Expected audience of the bearer tokens.')
param authAudience string

@description('JWKS URL used to verify the bearer tokens.')
param authJwksUrl string

@description('Scope name a user\'s access token must carry in scp (AUTH_API_SCOPE).')
param authApiScope string

@description('App role an application\'s access token must carry in roles (AUTH_API_ROLE).')
param authApiRole string

@description('App role (in roles) of an operator, who may use the console at /admin (AUTH_ADMIN_ROLE).')
param authAdminRole string

@description('Fully qualified Service Bus namespace: the console reads the queue\'s counts from it (SERVICEBUS_NAMESPACE).')
param serviceBusFullyQualifiedNamespace string

@description('Export request queue name (SERVICEBUS_QUEUE).')
param queueName string

@description('Public origin of the dashboard (PUBLIC_URL), e.g. https://reports.example.com; the browser sign-in redirect URI is <publicUrl>/api/session/callback.')
param publicUrl string

@description('Application (client) id of the dashboard at the identity provider (AUTH_OIDC_CLIENT_ID): a public client, PKCE, no secret.')
param authOidcClientId string

@description('Scopes of the browser sign-in (AUTH_OIDC_SCOPES); empty = openid profile <authAudience>/.default.')
param authOidcScopes string = ''

@description('Name on the sign-in button (AUTH_OIDC_PROVIDER_NAME); empty = derived from the issuer.')
param authOidcProviderName string = ''

@description('Lifetime of a download link (seconds).')
param downloadUrlTtlSeconds int

@description('Reports one user may have Pending or Processing at once (REPORTS_MAX_ACTIVE_PER_USER).')
param reportsMaxActivePerUser int

@description('Report requests one user may make per minute (REPORT_REQUESTS_PER_MINUTE).')
param reportRequestsPerMinute int

@description('Most schedules one user may have (SCHEDULES_MAX_PER_USER).')
param schedulesMaxPerUser int

@description('pino log level.')
param logLevel string

@description('Minimum replicas; 1 avoids a cold start on the first request after idle.')
param minReplicas int

@description('Maximum replicas.')
param maxReplicas int

var port = 3000

// The placeholder (an ASP.NET sample) listens where ASPNETCORE_HTTP_PORTS says, so ingress,
// probes and PORT are the real app's from the first revision on: azd deploy later swaps only
// the image, and a port mismatch would fail the first revision. The variable stays until the
// next provision after the first deploy; the Node.js server ignores it.
var placeholderEnv = placeholder ? [{ name: 'ASPNETCORE_HTTP_PORTS', value: string(port) }] : []

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: port
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: containerRegistryServer
          identity: identityId
        }
      ]
      // No secrets: every credential is the managed identity's token.
      secrets: []
    }
    template: {
      containers: [
        {
          name: 'web'
          image: imageName
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: concat(placeholderEnv, [
            { name: 'NODE_ENV', value: 'production' }
            { name: 'APP_ENV', value: 'production' }
            { name: 'LOG_LEVEL', value: logLevel }
            { name: 'LOG_PRETTY', value: 'false' }
            { name: 'PORT', value: string(port) }
            { name: 'HOSTNAME', value: '0.0.0.0' }
            { name: 'DATABASE_URL', value: databaseUrl }
            { name: 'DATABASE_AUTH', value: 'entra' }
            { name: 'BLOB_ACCOUNT_URL', value: blobAccountUrl }
            { name: 'BLOB_CONTAINER', value: blobContainer }
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'AUTH_MODE', value: 'oidc' }
            { name: 'AUTH_ISSUER', value: authIssuer }
            { name: 'AUTH_AUDIENCE', value: authAudience }
            { name: 'AUTH_JWKS_URL', value: authJwksUrl }
            { name: 'AUTH_API_SCOPE', value: authApiScope }
            { name: 'AUTH_API_ROLE', value: authApiRole }
            { name: 'AUTH_ADMIN_ROLE', value: authAdminRole }
            { name: 'SERVICEBUS_NAMESPACE', value: serviceBusFullyQualifiedNamespace }
            { name: 'SERVICEBUS_QUEUE', value: queueName }
            // Browser sign-in (authorization code + PKCE). An empty value counts as unset.
            { name: 'PUBLIC_URL', value: publicUrl }
            { name: 'AUTH_OIDC_CLIENT_ID', value: authOidcClientId }
            { name: 'AUTH_OIDC_SCOPES', value: authOidcScopes }
            { name: 'AUTH_OIDC_PROVIDER_NAME', value: authOidcProviderName }
            { name: 'DOWNLOAD_URL_TTL_SECONDS', value: string(downloadUrlTtlSeconds) }
            { name: 'REPORTS_MAX_ACTIVE_PER_USER', value: string(reportsMaxActivePerUser) }
            { name: 'REPORT_REQUESTS_PER_MINUTE', value: string(reportRequestsPerMinute) }
            { name: 'SCHEDULES_MAX_PER_USER', value: string(schedulesMaxPerUser) }
          ])
          // /healthz answers 503 while the database is unreachable. It drives readiness only:
          // restarting or refusing to start replicas cannot fix a database outage, so the
          // startup and liveness probes check that the server accepts connections. A new
          // revision needs the migrations applied before it turns ready: azd runs them before it
          // deploys the worker and the web app (azure.yaml), never after. The placeholder
          // answers /healthz with 200 too.
          probes: [
            {
              type: 'Startup'
              tcpSocket: {
                port: port
              }
              initialDelaySeconds: 3
              periodSeconds: 5
              failureThreshold: 10
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/healthz'
                port: port
              }
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 3
            }
            {
              type: 'Liveness'
              tcpSocket: {
                port: port
              }
              periodSeconds: 30
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
