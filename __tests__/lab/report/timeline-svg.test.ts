import { bucketize, NO_VERSION, type Bucket } from "../../../lab/load/stats";
import type { RequestSample } from "../../../lab/load/types";
import { ERROR_COLOR, escapeXml, niceCeiling, renderLoadTimelineSvg, renderTimelineSvg } from "../../../lab/report/timeline-svg";

/**
 * A small XML well-formedness check: one root, every tag closed in order, attributes quoted,
 * no raw "<" or stray "&" in text or attribute values. Enough to catch what string-built SVG gets wrong.
 */
function assertWellFormedXml(xml: string): void {
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  for (let match = token.exec(xml); match; match = token.exec(xml)) {
    assertText(xml.slice(last, match.index));
    last = token.lastIndex;
    const [whole, closing, name, attributes, selfClosing] = match;
    if (whole.startsWith("<!--") || whole.startsWith("<?")) continue;
    for (const [, value] of (attributes ?? "").matchAll(/="([^"]*)"/g)) assertText(value);
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name);
    }
  }
  assertText(xml.slice(last));
  if (stack.length) throw new Error(`unclosed <${stack.join("><")}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);

  function assertText(text: string): void {
    if (text.includes("<") || text.includes(">")) throw new Error(`unparsed markup near ${JSON.stringify(text.slice(0, 60))}`);
    const stray = text.match(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
    if (stray) throw new Error(`unescaped & near ${JSON.stringify(text.slice(0, 60))}`);
  }
}

const count = (svg: string, pattern: RegExp) => svg.match(new RegExp(pattern.source, "g"))?.length ?? 0;

function bucket(startMs: number, versions: Record<string, number>, errors = 0): Bucket {
  const answered = Object.values(versions).reduce((a, b) => a + b, 0);
  return { startMs, count: answered + errors, errors, versions };
}

describe("renderTimelineSvg", () => {
  const buckets = [
    bucket(0, { v1: 10 }),
    bucket(100, { v1: 6, v2: 3 }, 1),
    bucket(200, {}),
    bucket(300, { v2: 10 }),
    bucket(400, { [NO_VERSION]: 2 }, 8),
  ];
  const marks = [
    { label: "switch-started", atMs: 50 },
    { label: "switch-done", atMs: 260 },
  ];

  it("GIVEN five buckets WHEN rendered THEN the SVG is well-formed and has one bar per non-empty series segment", () => {
    const svg = renderTimelineSvg({ title: "cutover", buckets, marks });
    assertWellFormedXml(svg);
    // v1 | v1 v2 errors | (empty) | v2 | none errors
    expect(count(svg, /<rect class="bar"/)).toBe(7);
    expect(count(svg, /<rect class="bar" data-series="errors"[^>]*fill="#d62728"/)).toBe(2);
    expect(count(svg, /data-series="v1"/)).toBe(2);
    expect(count(svg, /data-series="v2"/)).toBe(2);
    expect(count(svg, /<rect class="error-tick"/)).toBe(2); // buckets 100 and 400 had failures
    expect(ERROR_COLOR).toBe("#d62728");
  });

  it("GIVEN marks WHEN rendered THEN each has a dashed line and a label with its time in seconds", () => {
    const svg = renderTimelineSvg({ title: "cutover", buckets, marks });
    expect(count(svg, /<line class="mark"/)).toBe(2);
    expect(svg).toContain(">switch-started 0.05 s</text>");
    expect(svg).toContain(">switch-done 0.26 s</text>");
  });

  it("GIVEN versions v1, v2 and an unreadable one WHEN rendered THEN the legend names each plus failures, in stacking order", () => {
    const svg = renderTimelineSvg({ title: "cutover", buckets, marks: [] });
    const legend = svg.slice(svg.indexOf('<g class="legend"'), svg.indexOf("</g>", svg.indexOf('<g class="legend"')));
    expect([...legend.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])).toEqual([
      "answered by v1",
      "answered by v2",
      `answered by ${NO_VERSION}`,
      "failed (non-2xx, socket error, timeout)",
    ]);
  });

  it("GIVEN a stacked bucket WHEN rendered THEN v1 sits below v2 and failures on top", () => {
    const svg = renderTimelineSvg({ title: "t", buckets: [bucket(0, { v2: 3, v1: 6 }, 1)], marks: [] });
    const ys = Object.fromEntries(
      [...svg.matchAll(/data-series="([^"]+)" x="[^"]*" y="([^"]*)"/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(ys.v1).toBeGreaterThan(ys.v2);
    expect(ys.v2).toBeGreaterThan(ys.errors);
  });

  it("GIVEN text with markup characters WHEN rendered THEN it is escaped and the SVG stays well-formed", () => {
    const svg = renderTimelineSvg({
      title: `v1 -> v2 <"drain"> & 'verify'`,
      buckets: [bucket(0, { "<v&2>": 5 })],
      marks: [{ label: "a<b & c", atMs: 10 }],
    });
    assertWellFormedXml(svg);
    expect(svg).toContain("v1 -&gt; v2 &lt;&quot;drain&quot;&gt; &amp; &apos;verify&apos;");
    expect(svg).toContain("a&lt;b &amp; c 0.01 s");
    expect(svg).toContain('data-series="&lt;v&amp;2&gt;"');
  });

  it("GIVEN the output WHEN inspected THEN it is self-contained: no scripts, links, external fonts or images", () => {
    const svg = renderTimelineSvg({ title: "t", buckets, marks });
    expect(svg).not.toMatch(/<script|<image|<use|href=|@import|url\(|<foreignObject/i);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it("GIVEN no buckets and no marks WHEN rendered THEN it still renders empty axes", () => {
    const svg = renderTimelineSvg({ title: "nothing yet", buckets: [], marks: [] });
    assertWellFormedXml(svg);
    expect(count(svg, /<rect class="bar"/)).toBe(0);
    expect(svg).toContain("requests / 100 ms");
  });

  it("GIVEN 30 s of real samples bucketized by 100 ms WHEN rendered THEN there are 300 bars and second ticks on the axis", () => {
    const samples: RequestSample[] = Array.from({ length: 30_000 }, (_, i) => ({
      startMs: i,
      endMs: i + 1,
      method: "GET",
      status: 200,
      version: "v1",
    }));
    const svg = renderTimelineSvg({ title: "30 s", buckets: bucketize(samples, 100), marks: [{ label: "late mark", atMs: 29_990 }] });
    assertWellFormedXml(svg);
    expect(count(svg, /<rect class="bar"/)).toBe(300);
    expect(count(svg, /class="error-tick"/)).toBe(0);
    expect(svg).toContain(">0 s</text>");
    expect(svg).toContain(">30 s</text>");
    expect(svg).toContain('text-anchor="end">late mark 29.99 s</text>'); // flipped left so it stays inside the picture
  });

  it("GIVEN a load result WHEN rendered with 250 ms buckets THEN bars follow that width and the marks are drawn", () => {
    const samples: RequestSample[] = [0, 100, 260, 900].map((startMs) => ({ startMs, endMs: startMs + 1, method: "POST", status: 200, version: "v2" }));
    const svg = renderLoadTimelineSvg("run", { samples, marks: [{ label: "switch-done", atMs: 300 }] }, 250);
    assertWellFormedXml(svg);
    expect(count(svg, /<rect class="bar"/)).toBe(3); // buckets 0, 250, 750 (500 is empty)
    expect(svg).toContain("requests / 250 ms");
    expect(count(svg, /<line class="mark"/)).toBe(1);
  });

  it("GIVEN 50 ms buckets WHEN rendered THEN the y axis says so", () => {
    const svg = renderTimelineSvg({ title: "t", buckets: [bucket(0, { v1: 1 }), bucket(50, { v1: 1 })], marks: [] });
    expect(svg).toContain("requests / 50 ms");
  });
});

describe("the well-formedness check itself", () => {
  it.each([
    ["an unclosed tag", "<svg><g></svg>"],
    ["a raw ampersand", "<svg><text>a & b</text></svg>"],
    ["a raw < in text", "<svg><text>a < b</text></svg>"],
    ["two roots", "<svg/><svg/>"],
    ["an unquoted attribute", "<svg><rect x=1/></svg>"],
  ])("GIVEN %s THEN it is rejected", (_what, xml) => {
    expect(() => assertWellFormedXml(xml)).toThrow();
  });
});

describe("niceCeiling and escapeXml", () => {
  it.each([
    [1, 1],
    [3, 5],
    [7, 10],
    [100, 100],
    [101, 200],
    [0.3, 0.5],
  ])("GIVEN %p THEN the nice ceiling is %p", (value, expected) => {
    expect(niceCeiling(value)).toBeCloseTo(expected, 10);
  });

  it("GIVEN all five XML specials THEN each is escaped", () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  });
});
