import { ApiProblem } from "../../../lab/simulator/api-problem";
import { paginate } from "../../../lab/simulator/pagination";

const items = Array.from({ length: 45 }, (_, i) => i + 1);
const at = (query: string) => new URL(`http://127.0.0.1:1234/v2/droplets${query}`);

describe("paginate", () => {
  it.each([
    ["", 20, 1, 20],
    ["?per_page=200", 45, 1, 45],
    ["?per_page=20&page=3", 5, 41, 45],
    ["?per_page=20&page=9", 0, undefined, undefined],
  ])("GIVEN 45 items WHEN paging with '%s' THEN %i items from %s to %s", (query, count, first, last) => {
    const page = paginate(items, at(query));
    expect(page.items.length).toBe(count);
    expect(page.items[0]).toBe(first);
    expect(page.items.at(-1)).toBe(last);
    expect(page.meta.total).toBe(45);
  });

  it("GIVEN one page WHEN paginated THEN links is empty like DigitalOcean's", () => {
    expect(paginate([1, 2], at("")).links).toEqual({});
  });

  it("GIVEN a middle page WHEN paginated THEN links carry absolute URLs that keep other parameters", () => {
    const page = paginate(items, at("?tag_name=PROD&per_page=10&page=2"));
    expect(page.links.pages).toEqual({
      first: "http://127.0.0.1:1234/v2/droplets?tag_name=PROD&per_page=10&page=1",
      prev: "http://127.0.0.1:1234/v2/droplets?tag_name=PROD&per_page=10&page=1",
      next: "http://127.0.0.1:1234/v2/droplets?tag_name=PROD&per_page=10&page=3",
      last: "http://127.0.0.1:1234/v2/droplets?tag_name=PROD&per_page=10&page=5",
    });
  });

  it.each([["?per_page=500"], ["?page=0"], ["?per_page=abc"]])("GIVEN %s WHEN paginated THEN a 400 problem", (query) => {
    expect(() => paginate(items, at(query))).toThrow(ApiProblem);
  });
});
