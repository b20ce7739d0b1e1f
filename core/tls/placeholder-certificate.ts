import { posix } from "node:path";
import { shellQuote } from "../shell-quote";

/**
 * HAProxy refuses to start with a `crt` that does not exist, so a balancer boots with a self-signed placeholder when no
 * PEM is there yet: TLS=auto's deploy hook replaces it within minutes, TLS=manual expects the user's own. An existing
 * file is never touched. 30 days: long enough for any retry, short enough that nobody mistakes it for a real one.
 */
export function placeholderCertificateScript(pem: string, commonName: string): string {
  const [p, key, crt] = [pem, `${pem}.key`, `${pem}.crt`].map(shellQuote);
  const create = [
    "umask 077",
    `mkdir -p ${shellQuote(posix.dirname(pem))}`,
    `openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj ${shellQuote(`/CN=${commonName}`)} -keyout ${key} -out ${crt} 2>/dev/null`,
    `cat ${crt} ${key} > ${p}`,
    `rm -f ${crt} ${key}`,
  ].join(" && ");
  return `test -s ${p} || { ${create}; }`;
}
