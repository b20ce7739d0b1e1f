export { renderCloudConfig } from "./cloud-config";
export type { CloudConfig, WriteFile } from "./cloud-config";
export { renderWorkerUserData, workerCloudConfig } from "./worker-user-data";
export type { WorkerUserDataOptions } from "./worker-user-data";
export { renderBalancerUserData, balancerCloudConfig, HAPROXY_CONFIG_PATH } from "./balancer-user-data";
export type { BalancerUserDataOptions } from "./balancer-user-data";
