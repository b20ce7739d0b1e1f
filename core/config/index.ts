export { loadConfig } from "./load";
export type { Config, Purpose } from "./load";
export { VARIABLES } from "./variables";
export type { VariableSpec, VariableKey } from "./variables";
