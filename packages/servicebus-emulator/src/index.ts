export { startEmulator } from "./emulator.ts";
export type { EmulatorOptions, QueueOptions, RunningEmulator } from "./options.ts";
