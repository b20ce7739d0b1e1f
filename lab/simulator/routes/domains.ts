import { paginate } from "../pagination";
import { domainJson, domainRecordJson } from "../render";
import { route, type Route } from "../router";

/** Read only: the switch never changes DNS, the stack owns it. */
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
];
