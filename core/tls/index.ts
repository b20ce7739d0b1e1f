export { CERT_NAME, certbotDirArgs, certonlyArgv, lineageDir } from "./certbot-command";
export type { CertbotConfig } from "./certbot-command";
export { DROPLET_CERTIFICATE_SCRIPTS, RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS, deployHookScript, obtainScript } from "./certificate-scripts";
export type { CertificateScriptConfig, CertificateScriptPaths } from "./certificate-scripts";
export { CERTIFICATE_STATUS_FILE, certificateStatusPath, describeCertificate, parseCertificateStatus } from "./certificate-status";
export type { CertificateStatus } from "./certificate-status";
export { placeholderCertificateScript } from "./placeholder-certificate";
