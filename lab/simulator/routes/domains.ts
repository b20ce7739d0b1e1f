import { ApiProblem } from "../api-problem";
import { paginate } from "../pagination";
import { domainJson, domainRecordJson } from "../render";
import { route, type Route } from "../router";

/**
 * Domains are the seed's; their records can be created, changed and deleted as on DigitalOcean (the stack's
 * `digitalocean_record`), and the lab's DNS server answers from them at once. The switch never changes DNS.
 */
export const domainRoutes: Route[] = [
  route("GET", "/v2/domains", ({ url, store }) => {
    const page = paginate(store.listDomains(), url);
    return { status: 200, body: { domains: page.items.map(domainJson), links: page.links, meta: page.meta } };
  }),
  route("GET", "/v2/domains/:name", ({ params, store }) => ({
    status: 200,
    body: { domain: domainJson(store.getDomain(params.name!)) },
  })),
  route("GET", "/v2/domains/:name/records", ({ params, url, store }) => {
    const type = url.searchParams.get("type");
    const name = url.searchParams.get("name");
    const domain = store.getDomain(params.name!);
    // DigitalOcean filters by the record's fully qualified name ("www.example.com"; "@" is the apex).
    const fqdn = (recordName: string) => (recordName === "@" ? domain.name : `${recordName}.${domain.name}`);
    const records = domain.records.filter(
      (r) => (type === null || r.type === type.toUpperCase()) && (name === null || fqdn(r.name) === name),
    );
    const page = paginate(records, url);
    return { status: 200, body: { domain_records: page.items.map(domainRecordJson), links: page.links, meta: page.meta } };
  }),
  route("POST", "/v2/domains/:name/records", ({ params, body, store }) => ({
    status: 201,
    body: { domain_record: domainRecordJson(store.createDomainRecord(params.name!, body)) },
  })),
  route("GET", "/v2/domains/:name/records/:id", ({ params, store }) => ({
    status: 200,
    body: { domain_record: domainRecordJson(store.getDomainRecord(params.name!, recordId(params.id!))) },
  })),
  ...["PUT", "PATCH"].map((method) =>
    route(method, "/v2/domains/:name/records/:id", ({ params, body, store }) => ({
      status: 200,
      body: { domain_record: domainRecordJson(store.updateDomainRecord(params.name!, recordId(params.id!), body)) },
    })),
  ),
  route("DELETE", "/v2/domains/:name/records/:id", ({ params, store }) => {
    store.deleteDomainRecord(params.name!, recordId(params.id!));
    return { status: 204 };
  }),
];

function recordId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw ApiProblem.notFound();
  return id;
}
