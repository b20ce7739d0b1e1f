import { paginate } from "../pagination";
import { dropletJson } from "../render";
import { route, type Route } from "../router";
import { ApiProblem } from "../api-problem";

export const dropletRoutes: Route[] = [
  route("GET", "/v2/droplets", ({ url, store }) => {
    const tagName = url.searchParams.get("tag_name") ?? undefined;
    const page = paginate(store.listDroplets(tagName), url);
    return { status: 200, body: { droplets: page.items.map(dropletJson), links: page.links, meta: page.meta } };
  }),
  route("GET", "/v2/droplets/:id", ({ params, store }) => {
    return { status: 200, body: { droplet: dropletJson(store.getDroplet(dropletId(params.id!))) } };
  }),
];

export function dropletId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw ApiProblem.notFound();
  return Number(raw);
}
