/**
 * What the simulator accepts as a domain record on create and update, checked the way DigitalOcean's API does for the
 * types the lab's DNS server answers: a wrong field is a 422 naming the field, never a record that DNS cannot serve.
 */
import { isIP } from "node:net";
import { ApiProblem } from "./api-problem";
import { isRecord } from "./http";
import type { SimulatedDomainRecord } from "./types";

export type RecordFields = Omit<SimulatedDomainRecord, "id">;

const TYPES = new Set(["A", "AAAA", "CNAME", "TXT"]);
/** DigitalOcean's default when a record is created without a TTL. */
const DEFAULT_TTL = 1800;
const MIN_TTL = 30;
/** One or more DNS labels relative to the zone, or the apex. No wildcards: the lab's DNS server matches names literally. */
const RECORD_NAME = /^(@|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*)$/;
/** A host name, absolute (trailing dot) or relative to the zone, or the apex. */
const HOST = /^(@|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?)$/;

/** A new record's fields from a POST body; `others` are the zone's records, which a CNAME may not share a name with. */
export function recordToCreate(body: unknown, others: readonly SimulatedDomainRecord[]): RecordFields {
  if (!isRecord(body)) throw ApiProblem.unprocessable("The request body must be a JSON object.");
  const type = typeof body.type === "string" ? body.type.toUpperCase() : body.type;
  return fitsBeside(checked({ type: type as string, name: body.name as string, data: body.data as string, ttl: (body.ttl ?? DEFAULT_TTL) as number }), others);
}

/** An existing record with a PUT/PATCH body's fields applied; the type cannot change, as on DigitalOcean. */
export function recordUpdated(existing: SimulatedDomainRecord, body: unknown, others: readonly SimulatedDomainRecord[]): RecordFields {
  if (!isRecord(body)) throw ApiProblem.unprocessable("The request body must be a JSON object.");
  if (body.type !== undefined && String(body.type).toUpperCase() !== existing.type) throw ApiProblem.unprocessable("A record's type cannot be changed.");
  const fields = checked({
    type: existing.type,
    name: (body.name ?? existing.name) as string,
    data: (body.data ?? existing.data) as string,
    ttl: (body.ttl ?? existing.ttl) as number,
  });
  return fitsBeside(fields, others.filter((r) => r.id !== existing.id));
}

/** RFC 1034 3.6.2: a CNAME is the only record at its name, so never at the apex (SOA, NS) and never beside another. */
function fitsBeside(r: RecordFields, others: readonly SimulatedDomainRecord[]): RecordFields {
  if (r.type === "CNAME" && r.name === "@") throw ApiProblem.unprocessable("A CNAME record is not allowed at the apex (@).");
  const sameName = others.filter((o) => o.name === r.name);
  if (r.type === "CNAME" && sameName.length > 0) throw ApiProblem.unprocessable(`A CNAME record cannot share the name ${r.name} with other records.`);
  if (sameName.some((o) => o.type === "CNAME")) throw ApiProblem.unprocessable(`${r.name} has a CNAME record, which must be the only record at its name.`);
  return r;
}

function checked(r: RecordFields): RecordFields {
  if (typeof r.type !== "string" || !TYPES.has(r.type)) throw ApiProblem.unprocessable(`type must be one of ${[...TYPES].join(", ")}.`);
  if (typeof r.name !== "string" || !RECORD_NAME.test(r.name.toLowerCase())) throw ApiProblem.unprocessable("name must be @ or a host name relative to the domain.");
  if (typeof r.data !== "string" || !dataFits(r.type, r.data)) throw ApiProblem.unprocessable(`data is not a valid ${r.type} record value.`);
  if (!Number.isInteger(r.ttl) || r.ttl < MIN_TTL) throw ApiProblem.unprocessable(`ttl must be an integer of at least ${MIN_TTL}.`);
  return { type: r.type, name: r.name.toLowerCase(), data: r.type === "CNAME" ? r.data.toLowerCase() : r.data, ttl: r.ttl };
}

function dataFits(type: string, data: string): boolean {
  switch (type) {
    case "A":
      return isIP(data) === 4;
    case "AAAA":
      return isIP(data) === 6;
    case "CNAME":
      return HOST.test(data.toLowerCase());
    default:
      return data.length > 0 && data.length <= 512;
  }
}
