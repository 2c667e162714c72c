export {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type RunningAzurite,
  type StartAzuriteOptions,
  startAzurite,
} from "./azurite.ts";
export { type ManagedChild, spawnManaged, waitForLine } from "./child-process.ts";
export {
  LOCAL_REPORT_REQUESTS_QUEUE,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
  startWorkerProcess,
} from "./stack.ts";
export { readDotenv } from "./state.ts";
