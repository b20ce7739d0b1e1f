export { loadConfig } from "./load";
export { recordHostName } from "./load";
export type { Config, Purpose, TlsSettings } from "./load";
export { VARIABLES } from "./variables";
export type { VariableSpec, VariableKey } from "./variables";
