#!/bin/sh
# Points the migration job at the worker image azd just deployed, starts it and waits for
# the result. Run by azd as the postdeploy hook (the variables come from the azd
# environment), or by hand with the same variables exported.
set -eu

: "${AZURE_RESOURCE_GROUP:?set by azd (or export it)}"
: "${MIGRATION_JOB_NAME:?set by azd (or export it)}"
: "${SERVICE_WORKER_IMAGE_NAME:?set by azd after deploying the worker (or export it)}"

echo "migration job ${MIGRATION_JOB_NAME}: image ${SERVICE_WORKER_IMAGE_NAME}"
az containerapp job update \
  --name "$MIGRATION_JOB_NAME" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --image "$SERVICE_WORKER_IMAGE_NAME" \
  --output none

execution=$(az containerapp job start \
  --name "$MIGRATION_JOB_NAME" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --query name --output tsv)
echo "started execution ${execution}"

# Poll up to 30 minutes (the job's replicaTimeout).
attempt=0
while [ "$attempt" -lt 180 ]; do
  status=$(az containerapp job execution show \
    --name "$MIGRATION_JOB_NAME" \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --job-execution-name "$execution" \
    --query properties.status --output tsv)
  case "$status" in
    Succeeded)
      echo "migrations applied"
      exit 0
      ;;
    Failed | Stopped | Degraded)
      echo "migration execution ${execution} ended ${status}; its logs are in Log Analytics (ContainerAppConsoleLogs, job ${MIGRATION_JOB_NAME})" >&2
      exit 1
      ;;
  esac
  attempt=$((attempt + 1))
  sleep 10
done
echo "migration execution ${execution} still running after 30 minutes" >&2
exit 1
