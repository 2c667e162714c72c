export { CERTIFICATE_FILE as EMULATOR_CERTIFICATE_FILE } from "./admin/certificate.ts";
export { startEmulator } from "./emulator.ts";
export { type RedeliverCompletedRequest, redeliverCompleted } from "./fault-control.ts";
export type { EmulatorOptions, QueueOptions, RunningEmulator } from "./options.ts";
export type { FaultOptions } from "./store/faults.ts";
