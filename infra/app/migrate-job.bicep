// Database migrations as a manually triggered Container Apps job, started by azd before it
// deploys the worker (the worker's predeploy hook, infra/scripts/run-migrations.mjs), with
// the worker image azd has just pushed. Both apps' new revisions therefore find the schema
// they need, on the first deployment as on every later one.
//
// Why a job and not an init container: an init container runs once per replica start (the
// worker scales out on queue length) instead of once per release; azd deploy swaps only the
// first container's image, so an init container would keep running the previous release's
// migrations; its failure would be a crash-looping revision instead of a failed execution
// with its own logs; and the job runs under its own identity, the only one with DDL rights,
// so neither app can alter the schema.

@description('Name of the Container Apps job.')
param name string

@description('Azure region of the job.')
param location string = resourceGroup().location

@description('Tags applied to the job.')
param tags object = {}

@description('Resource id of the Container Apps environment.')
param containerAppsEnvironmentId string

@description('Login server of the registry the image is pulled from.')
param containerRegistryServer string

@description('Worker image reference (the migrator and the role script ship in the worker image). The migration hook sets the image of each release before it starts the job.')
param imageName string

@description('Resource id of the migration identity (Entra administrator of the PostgreSQL server).')
param identityId string

@description('Client id of the migration identity (AZURE_CLIENT_ID for DefaultAzureCredential).')
param identityClientId string

@description('PostgreSQL connection URL for the migration identity.')
param databaseUrl string

@description('Database role (identity name) of the web app.')
param webRoleName string

@description('Entra object id of the web app identity.')
param webPrincipalId string

@description('Database role (identity name) of the worker.')
param workerRoleName string

@description('Entra object id of the worker identity.')
param workerPrincipalId string

@description('pino log level.')
param logLevel string

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: name
  location: location
  tags: tags
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
      triggerType: 'Manual'
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      replicaTimeout: 1800
      // A failed migration is not retried blindly: the operator reads the execution log.
      replicaRetryLimit: 0
      registries: [
        {
          server: containerRegistryServer
          identity: identityId
        }
      ]
      secrets: []
    }
    template: {
      containers: [
        {
          name: 'migrate'
          image: imageName
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          // 1. create the database and the apps' Entra roles if missing (as Entra admin),
          // 2. apply the project's migrations (the same migrator as `npm run db:migrate`),
          //    with an Entra access token as PGPASSWORD (node-postgres reads it when the URL
          //    has no password; the token outlives the migration by far),
          // 3. grant the apps their table privileges on what the migrations created.
          command: [
            'sh'
            '-c'
            'set -e; node infra/scripts/database-access.mjs prepare; PGPASSWORD="$(node infra/scripts/database-access.mjs token)"; export PGPASSWORD; node --import tsx packages/db/src/cli/migrate.ts; node infra/scripts/database-access.mjs grant'
          ]
          env: [
            { name: 'NODE_ENV', value: 'production' }
            { name: 'LOG_LEVEL', value: logLevel }
            { name: 'LOG_PRETTY', value: 'false' }
            { name: 'DATABASE_URL', value: databaseUrl }
            { name: 'DATABASE_AUTH', value: 'entra' }
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'DB_WEB_ROLE', value: webRoleName }
            { name: 'DB_WEB_PRINCIPAL_ID', value: webPrincipalId }
            { name: 'DB_WORKER_ROLE', value: workerRoleName }
            { name: 'DB_WORKER_PRINCIPAL_ID', value: workerPrincipalId }
          ]
        }
      ]
    }
  }
}

output name string = job.name
