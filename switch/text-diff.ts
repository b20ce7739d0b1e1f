/**
 * A unified diff of two small texts (haproxy.cfg, authorized_keys: tens of lines), `diff -u` style: `---`/`+++`
 * headers, `@@ -a,b +c,d @@` hunks with `context` unchanged lines around each change. Empty when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, labels: { readonly before: string; readonly after: string }, context = 3): string[] {
  const a = linesOf(before);
  const b = linesOf(after);
  const ops = editScript(a, b);
  if (ops.every((o) => o.kind === "same")) return [];
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  // Group changes whose context overlaps into one hunk.
  const changed = ops.map((o, i) => (o.kind === "same" ? -1 : i)).filter((i) => i >= 0);
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (end + 1 < changed.length && changed[end + 1] - changed[end] <= 2 * context + 1) end++;
    const from = Math.max(0, changed[start] - context);
    const to = Math.min(ops.length - 1, changed[end] + context);
    const hunk = ops.slice(from, to + 1);
    const aStart = ops.slice(0, from).filter((o) => o.kind !== "add").length;
    const bStart = ops.slice(0, from).filter((o) => o.kind !== "del").length;
    const aLen = hunk.filter((o) => o.kind !== "add").length;
    const bLen = hunk.filter((o) => o.kind !== "del").length;
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const o of hunk) out.push(`${o.kind === "same" ? " " : o.kind === "del" ? "-" : "+"}${o.line}`);
    start = end + 1;
  }
  return out;
}

type Op = { readonly kind: "same" | "del" | "add"; readonly line: string };

function linesOf(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `diff -u` numbering: a hunk starts at line start+1, or at `start` when it is empty. */
function range(start: number, length: number): string {
  return `${length === 0 ? start : start + 1},${length}`;
}

/** A shortest edit script by longest common subsequence (quadratic: fine for config files). */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: "same", line: a[i++] }), j++;
    // Deletions before additions, as `diff -u` prints a changed line.
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ kind: "del", line: a[i++] });
    else ops.push({ kind: "add", line: b[j++] });
  }
  return ops;
}
