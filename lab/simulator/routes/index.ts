import type { Route } from "../router";
import { actionRoutes } from "./actions";
import { domainRoutes } from "./domains";
import { dropletRoutes } from "./droplets";
import { reservedIpRoutes } from "./reserved-ips";
import { tagRoutes } from "./tags";

export const apiRoutes: readonly Route[] = [...dropletRoutes, ...tagRoutes, ...reservedIpRoutes, ...actionRoutes, ...domainRoutes];
