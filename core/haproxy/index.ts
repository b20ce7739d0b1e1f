export { renderHaproxyConfig } from "./render-config";
export type { HaproxyRenderOptions } from "./render-config";
