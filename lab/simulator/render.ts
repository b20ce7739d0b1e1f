/** DigitalOcean's JSON shapes for the simulator's records (field names as in the official OpenAPI spec). */
import { regionJson } from "./regions";
import type { ActionRecord, ReservedIpView } from "./store";
import type { SimulatedDomain, SimulatedDomainRecord, SimulatedDroplet } from "./types";

/** Droplets "created" at a fixed time so responses are stable between runs. */
const CREATED_AT = "2026-01-01T00:00:00Z";

const SIZE_SPECS: Record<string, { memory: number; vcpus: number; disk: number; price: number }> = {
  "s-1vcpu-512mb-10gb": { memory: 512, vcpus: 1, disk: 10, price: 4 },
  "s-1vcpu-1gb": { memory: 1024, vcpus: 1, disk: 25, price: 6 },
  "s-1vcpu-2gb": { memory: 2048, vcpus: 1, disk: 50, price: 12 },
  "s-2vcpu-2gb": { memory: 2048, vcpus: 2, disk: 60, price: 18 },
  "s-2vcpu-4gb": { memory: 4096, vcpus: 2, disk: 80, price: 24 },
  "s-4vcpu-8gb": { memory: 8192, vcpus: 4, disk: 160, price: 48 },
};

export function dropletJson(d: SimulatedDroplet): Record<string, unknown> {
  const sizeSlug = d.sizeSlug ?? "s-1vcpu-1gb";
  const spec = SIZE_SPECS[sizeSlug] ?? SIZE_SPECS["s-1vcpu-1gb"]!;
  const imageSlug = d.imageSlug ?? "debian-12-x64";
  return {
    id: d.id,
    name: d.name,
    memory: spec.memory,
    vcpus: spec.vcpus,
    disk: spec.disk,
    locked: false,
    status: "active",
    kernel: null,
    created_at: CREATED_AT,
    features: ["monitoring", "private_networking"],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: {
      id: 100_000_001,
      name: imageSlug,
      distribution: imageSlug.split("-")[0] ?? imageSlug,
      slug: imageSlug,
      public: true,
      regions: [d.region],
      created_at: CREATED_AT,
      type: "base",
      min_disk_size: 10,
      size_gigabytes: 1.5,
      description: "",
      tags: [],
      status: "available",
    },
    volume_ids: [],
    size: {
      slug: sizeSlug,
      memory: spec.memory,
      vcpus: spec.vcpus,
      disk: spec.disk,
      transfer: 1.0,
      price_monthly: spec.price,
      price_hourly: Math.round((spec.price / 672) * 100_000) / 100_000,
      regions: [d.region],
      available: true,
      description: "Basic",
    },
    size_slug: sizeSlug,
    networks: {
      v4: [
        { ip_address: d.privateIpv4, netmask: "255.255.0.0", gateway: "", type: "private" },
        { ip_address: d.publicIpv4, netmask: "255.255.255.0", gateway: gatewayOf(d.publicIpv4), type: "public" },
      ],
      v6: [],
    },
    region: regionJson(d.region),
    tags: [...d.tags],
    vpc_uuid: "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
  };
}

function gatewayOf(ipv4: string): string {
  const parts = ipv4.split(".");
  return `${parts.slice(0, 3).join(".")}.1`;
}

export function reservedIpJson(r: ReservedIpView, droplet: SimulatedDroplet | null): Record<string, unknown> {
  return {
    ip: r.ip,
    region: regionJson(r.region),
    droplet: droplet ? dropletJson(droplet) : null,
    locked: r.pendingActionId !== null,
    project_id: "746c6152-2fa2-11ed-92d3-27aaa54e4988",
  };
}

export function actionJson(a: ActionRecord): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    type: a.type,
    started_at: isoSeconds(a.startedAt),
    completed_at: a.completedAt === null ? null : isoSeconds(a.completedAt),
    resource_id: ipv4AsInteger(a.ip),
    resource_type: "reserved_ip",
    region: regionJson(a.region),
    region_slug: a.region,
  };
}

/** DigitalOcean identifies a reserved IP in actions by its address as a 32-bit integer. */
export function ipv4AsInteger(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** DigitalOcean's timestamps have whole seconds ("2015-11-12T17:51:03Z"). */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function domainJson(d: SimulatedDomain): Record<string, unknown> {
  const soa = d.records.find((r) => r.type === "SOA");
  return { name: d.name, ttl: soa?.ttl ?? 1800, zone_file: zoneFile(d) };
}

function zoneFile(d: SimulatedDomain): string {
  return d.records
    .map((r) => `${r.name === "@" ? `${d.name}.` : r.name} ${r.ttl} IN ${r.type} ${r.data}`)
    .join("\n");
}

export function domainRecordJson(r: SimulatedDomainRecord): Record<string, unknown> {
  return { id: r.id, type: r.type, name: r.name, data: r.data, priority: null, port: null, ttl: r.ttl, weight: null, flags: null, tag: null };
}
