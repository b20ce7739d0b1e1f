export { renderCloudConfig } from "./cloud-config";
export type { CloudConfig, CloudUser, WriteFile } from "./cloud-config";
export { renderWorkerUserData, workerCloudConfig } from "./worker-user-data";
export type { WorkerUserDataOptions } from "./worker-user-data";
export { renderBalancerUserData, balancerCloudConfig, HAPROXY_CONFIG_PATH } from "./balancer-user-data";
export type { BalancerUserDataOptions } from "./balancer-user-data";
export { DEFAULT_DEPLOY_USER, SSHD_DROP_IN, sshAccess } from "./ssh-port";
export type { SshAccessOptions } from "./ssh-port";
