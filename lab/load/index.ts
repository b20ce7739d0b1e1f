export { startLoad, type StartedLoadRun } from "./start-load";
export { assertLabTarget, isLabHost, LoadTargetRefusedError } from "./target";
export { InvalidLoadOptionsError, DEFAULT_CONNECTIONS, DEFAULT_POST_PATH, DEFAULT_TIMEOUT_MS } from "./options";

export type * from "./types";
export * from "./stats";
