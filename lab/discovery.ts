import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { UsageError } from "../core/errors";
import { ipCommands } from "./network/ip-commands";
import { labIndexFromName, LAB_DATA_ROOT, LAB_STATE_ROOT, MAX_LAB_INDEX, MIN_LAB_INDEX } from "./plan";
import { CommandRunner } from "./runner";

export class NoFreeLabIndexError extends UsageError {}

/** Every lab index that left any trace: state dirs, data dirs, namespaces, bridges. */
export async function discoverLabIndices(runner: CommandRunner, roots: readonly string[] = [LAB_STATE_ROOT, LAB_DATA_ROOT]): Promise<number[]> {
  const found = new Set<number>();
  for (const root of roots) {
    for (const entry of existsSync(root) ? readdirSync(root) : []) {
      const index = Number(entry);
      if (Number.isInteger(index) && index >= MIN_LAB_INDEX && index <= MAX_LAB_INDEX) found.add(index);
    }
  }
  const namespaces = await runner.run(ipCommands.listNamespaces());
  const links = await runner.run(ipCommands.listLinks());
  const names = [
    ...(namespaces.stdout.trim() ? (JSON.parse(namespaces.stdout) as { name: string }[]) : []).map((n) => n.name),
    ...(links.stdout.trim() ? (JSON.parse(links.stdout) as { ifname: string }[]) : []).map((l) => l.ifname),
  ];
  for (const name of names) {
    const index = labIndexFromName(name.split("@")[0]);
    if (index !== undefined) found.add(index);
  }
  return [...found].sort((a, b) => a - b);
}

export async function claimFreeIndex(runner: CommandRunner): Promise<number> {
  const taken = new Set(await discoverLabIndices(runner));
  mkdirSync(LAB_STATE_ROOT, { recursive: true });
  for (let index = MIN_LAB_INDEX; index <= MAX_LAB_INDEX; index++) {
    if (taken.has(index)) continue;
    try {
      mkdirSync(`${LAB_STATE_ROOT}/${index}`); // atomic: two labs starting at once never get the same index
      return index;
    } catch {
      // Claimed meanwhile by another lab.
    }
  }
  throw new NoFreeLabIndexError("no free lab index", "run `npm run lab -- down` to remove old labs");
}

