import type { LoadResult } from "../../lab/load";
import { renderLoadTimelineSvg } from "../../lab/report";
import type { BenchLab } from "../bench-lab";
import type { LoadProfile } from "./load-phase";

/** What every method gets: the lab, the shared load profile, where charts go, and a progress line printer. */
export interface MethodContext {
  readonly bench: BenchLab;
  readonly profile: LoadProfile;
  /** Absolute directory for the charts, and the same directory as the report links it. */
  readonly chartDir: string;
  readonly chartLinkDir: string;
  /** Rendered charts by file name, written with the report at the end (an interrupted run writes nothing). */
  readonly charts: Map<string, string>;
  readonly log: (line: string) => void;
}

/** Renders a method's timeline (requests per 100 ms by answering version, failures, the method's marks); returns its link path. */
export function writeChart(ctx: MethodContext, file: string, title: string, result: LoadResult): string {
  ctx.charts.set(file, renderLoadTimelineSvg(title, result, 100));
  return `${ctx.chartLinkDir}/${file}`;
}

export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "oneLine" in error && typeof (error as { oneLine: unknown }).oneLine === "function") {
    return (error as { oneLine(): string }).oneLine();
  }
  return error instanceof Error ? error.message : String(error);
}
