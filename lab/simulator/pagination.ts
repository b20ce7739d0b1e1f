/** DigitalOcean-style paging: ?page=&per_page= (default 20, at most 200), `links.pages` and `meta.total`. */
import { ApiProblem } from "./api-problem";

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 200;

export interface Page<T> {
  items: T[];
  links: { pages?: { first?: string; prev?: string; next?: string; last?: string } };
  meta: { total: number };
}

export function paginate<T>(all: T[], url: URL): Page<T> {
  const perPage = positiveInt(url.searchParams.get("per_page"), DEFAULT_PER_PAGE, "per_page");
  if (perPage > MAX_PER_PAGE) throw ApiProblem.badRequest(`per_page must be at most ${MAX_PER_PAGE}; got ${perPage}.`);
  const page = positiveInt(url.searchParams.get("page"), 1, "page");
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);

  const pageUrl = (n: number): string => {
    const u = new URL(url.href);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return u.href;
  };
  const pages: NonNullable<Page<T>["links"]["pages"]> = {};
  if (page > 1) {
    pages.first = pageUrl(1);
    pages.prev = pageUrl(Math.min(page - 1, lastPage));
  }
  if (page < lastPage) {
    pages.next = pageUrl(page + 1);
    pages.last = pageUrl(lastPage);
  }
  return { items, links: Object.keys(pages).length > 0 ? { pages } : {}, meta: { total: all.length } };
}

function positiveInt(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw ApiProblem.badRequest(`${name} must be a positive integer; got "${raw}".`);
  return Number(raw);
}
