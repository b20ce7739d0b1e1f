/** A tiny method + path router: "/v2/droplets/:id" patterns with named parameters. */
import type { ActionRunner } from "./action-runner";
import type { SimulatorStore } from "./store";

export interface RouteContext {
  url: URL;
  params: Record<string, string>;
  body: unknown;
  store: SimulatorStore;
  runner: ActionRunner;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface Route<C = RouteContext> {
  method: string;
  pattern: RegExp;
  handler: (ctx: C) => Reply | Promise<Reply>;
}

export function route<C = RouteContext>(method: string, path: string, handler: Route<C>["handler"]): Route<C> {
  const source = path.replace(/:(\w+)/g, (_, name: string) => `(?<${name}>[^/]+)`);
  return { method, pattern: new RegExp(`^${source}/?$`), handler };
}

export function matchRoute<C>(
  routes: readonly Route<C>[],
  method: string,
  pathname: string,
): { handler: Route<C>["handler"]; params: Record<string, string> } | null {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = safeDecode(v);
    return { handler: r.handler, params };
  }
  return null;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
