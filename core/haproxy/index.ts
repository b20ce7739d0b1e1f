export { SLOT_PLACEHOLDER_ADDRESS, renderBalancerHaproxyConfig, renderHaproxyConfig, slotPlaceholderHost } from "./render-config";
export { EMPTY_SERVER_STATE, SERVER_STATE_FILE, serverStatePath } from "./server-state";
export type { HaproxyRenderOptions } from "./render-config";
export {
  DEFAULT_MAINTENANCE_MESSAGE,
  MAINTENANCE_MAP_FILE,
  MAINTENANCE_MAP_KEY,
  MAINTENANCE_MESSAGE_MAX_LENGTH,
  MAINTENANCE_RETRY_AFTER_SECONDS,
  maintenanceMapPath,
  maintenanceMapValue,
  maintenanceMessage,
  messageOfMapValue,
} from "./maintenance";
export { ACME_BACKEND, ACME_CHALLENGE_ADDRESS, ACME_CHALLENGE_PATH, HTTPS_REDIRECT_FILE, httpsRedirectPath } from "./tls-frontend";
