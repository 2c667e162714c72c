export {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type RunningAzurite,
  type StartAzuriteOptions,
  startAzurite,
} from "./azurite.ts";
