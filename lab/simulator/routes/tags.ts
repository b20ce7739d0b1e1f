import { isRecord } from "../http";
import { route, type Route, type RouteContext } from "../router";
import type { SimulatorStore } from "../store";

export const tagRoutes: Route[] = [
  route("POST", "/v2/tags", ({ body, store }) => {
    // DigitalOcean answers 201 with the tag whether or not it already existed (create is idempotent).
    const { name } = store.createTag(isRecord(body) ? body.name : undefined);
    return { status: 201, body: { tag: tagJson(store, name) } };
  }),
  route("GET", "/v2/tags/:tag", ({ params, store }) => ({ status: 200, body: { tag: tagJson(store, params.tag!) } })),
  route("POST", "/v2/tags/:tag/resources", (ctx) => changeTagging(ctx, "tag")),
  route("DELETE", "/v2/tags/:tag/resources", (ctx) => changeTagging(ctx, "untag")),
];

function changeTagging({ params, body, store }: RouteContext, change: "tag" | "untag") {
  const resources = isRecord(body) ? body.resources : undefined;
  if (change === "tag") store.tagResources(params.tag!, resources);
  else store.untagResources(params.tag!, resources);
  return { status: 204 };
}

function tagJson(store: SimulatorStore, name: string): Record<string, unknown> {
  const tag = store.getTag(name);
  const last = tag.dropletIds.at(-1);
  const lastUri = last === undefined ? "" : `/v2/droplets/${last}`;
  const none = { count: 0, last_tagged_uri: "" };
  return {
    name: tag.name,
    resources: {
      count: tag.dropletIds.length,
      last_tagged_uri: lastUri,
      droplets: { count: tag.dropletIds.length, last_tagged_uri: lastUri },
      images: none,
      volumes: none,
      volume_snapshots: none,
      databases: none,
    },
  };
}
