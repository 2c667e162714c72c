export {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type RunningAzurite,
  type StartAzuriteOptions,
  startAzurite,
} from "./azurite.ts";
export {
  LOCAL_REPORT_REQUESTS_QUEUE,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from "./stack.ts";
export { readDotenv } from "./state.ts";
