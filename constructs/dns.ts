import { Domain } from "@cdktf/provider-digitalocean/lib/domain";
import { Record as DnsRecord } from "@cdktf/provider-digitalocean/lib/record";
import { Construct } from "constructs";
import { PROTECTED } from "./lifecycle";
import { isNonEmpty, PropsValidator } from "./props-validation";

export interface DnsProps {
  /** The domain DigitalOcean serves, e.g. example.com (its registrar must point at DigitalOcean's name servers). */
  readonly domain: string;
  /** Record name inside the domain; @ is the apex. @default "@" */
  readonly recordName?: string;
  /** IPv4 address the A record points to: the balancer's own reserved IP (EntryIp), which never moves. */
  readonly ipv4Address: string;
  /** Record TTL in seconds. @default 300 */
  readonly ttl?: number;
}

/** The domain and the A record that sends visitors to HAProxy (never to a worker: cutovers do not wait for DNS). */
export class Dns extends Construct {
  readonly domain: Domain;
  readonly record: DnsRecord;

  constructor(scope: Construct, id: string, props: DnsProps) {
    super(scope, id);
    const ttl = props.ttl ?? 300;
    new PropsValidator(this)
      .check(isNonEmpty(props.domain), "domain", props.domain, "empty domain", "use a domain such as example.com")
      .check(isNonEmpty(props.recordName ?? "@"), "recordName", props.recordName, "empty record name", "use @ or a label such as www")
      .check(Number.isInteger(ttl) && ttl >= 30, "ttl", ttl, "DigitalOcean's minimum TTL is 30 seconds", "use 30 or more")
      .throwIfInvalid();
    // Deleting the domain deletes every record in it, including ones this stack does not manage.
    this.domain = new Domain(this, "domain", { name: props.domain, lifecycle: PROTECTED });
    this.record = new DnsRecord(this, "a-record", { domain: this.domain.name, type: "A", name: props.recordName ?? "@", value: props.ipv4Address, ttl });
  }
}
