import { actionJson } from "../render";
import { route, type Route } from "../router";
import { actionId } from "./reserved-ips";

export const actionRoutes: Route[] = [
  route("GET", "/v2/actions/:id", ({ params, store }) => ({
    status: 200,
    body: { action: actionJson(store.getAction(actionId(params.id!))) },
  })),
];
