/**
 * /v2/reserved_ips and the legacy /v2/floating_ips aliases. The aliases answer with the old
 * key names (floating_ip, floating_ips), as DigitalOcean still does.
 */
import { ApiProblem } from "../api-problem";
import { paginate } from "../pagination";
import { actionJson, reservedIpJson } from "../render";
import { route, type Route, type RouteContext } from "../router";
import type { ActionRequest, ReservedIpView } from "../store";
import { isRecord } from "../http";

interface Flavor {
  prefix: string;
  one: string;
  many: string;
  resourceType: string;
}

const FLAVORS: Flavor[] = [
  { prefix: "/v2/reserved_ips", one: "reserved_ip", many: "reserved_ips", resourceType: "reserved_ip" },
  { prefix: "/v2/floating_ips", one: "floating_ip", many: "floating_ips", resourceType: "floating_ip" },
];

export const reservedIpRoutes: Route[] = FLAVORS.flatMap((f) => [
  route("GET", f.prefix, ({ url, store }) => {
    const page = paginate(store.listReservedIps(), url);
    return { status: 200, body: { [f.many]: page.items.map((r) => render(r, store)), links: page.links, meta: page.meta } };
  }),
  route("GET", `${f.prefix}/:ip`, ({ params, store }) => ({
    status: 200,
    body: { [f.one]: render(store.getReservedIp(params.ip!), store) },
  })),
  route("POST", `${f.prefix}/:ip/actions`, ({ params, body, runner, store }) => {
    store.getReservedIp(params.ip!); // an unknown IP is a 404 before any body validation
    const action = runner.start(params.ip!, parseActionRequest(body));
    return { status: 201, body: { action: { ...actionJson(action), resource_type: f.resourceType } } };
  }),
  route("GET", `${f.prefix}/:ip/actions`, (ctx) => listActions(ctx, f)),
  route("GET", `${f.prefix}/:ip/actions/:id`, ({ params, store }) => {
    const action = store.getAction(actionId(params.id!));
    if (action.ip !== params.ip) throw ApiProblem.notFound();
    return { status: 200, body: { action: { ...actionJson(action), resource_type: f.resourceType } } };
  }),
]);

function listActions({ params, store, url }: RouteContext, f: Flavor) {
  const page = paginate(store.listActionsForIp(params.ip!), url);
  return {
    status: 200,
    body: { actions: page.items.map((a) => ({ ...actionJson(a), resource_type: f.resourceType })), links: page.links, meta: page.meta },
  };
}

function render(r: ReservedIpView, store: RouteContext["store"]) {
  return reservedIpJson(r, r.dropletId === null ? null : store.getDroplet(r.dropletId));
}

function parseActionRequest(body: unknown): ActionRequest {
  if (!isRecord(body)) throw ApiProblem.unprocessable('body must be {"type":"assign","droplet_id":N} or {"type":"unassign"}.');
  if (body.type === "unassign") return { type: "unassign" };
  if (body.type === "assign") {
    const id = body.droplet_id;
    if (typeof id !== "number" || !Number.isInteger(id) || id < 1) {
      throw ApiProblem.unprocessable(`droplet_id must be a positive integer; got ${JSON.stringify(id)}.`);
    }
    return { type: "assign", dropletId: id };
  }
  throw ApiProblem.unprocessable(`type must be "assign" or "unassign"; got ${JSON.stringify(body.type)}.`);
}

export function actionId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw ApiProblem.notFound();
  return Number(raw);
}
