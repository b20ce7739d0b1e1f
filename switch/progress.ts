import type { Redactor } from "../core/redact";

export interface StepRecord {
  readonly name: string;
  readonly status: "done" | "failed";
  readonly ms: number;
}

/** Where the live step list goes. The cutover only says what it is doing; the reporter decides how it looks. */
export interface Reporter {
  step<T>(name: string, title: string, run: () => Promise<T>): Promise<T>;
  info(line: string): void;
  warn(line: string): void;
  readonly records: readonly StepRecord[];
}

type Write = (text: string) => void;
type Now = () => number;

/**
 * Plain lines for CI and subprocess callers (the lab parses them): `step <name> started`,
 * `step <name> done (<ms> ms)`, `step <name> failed: <reason>`. With CI=true each step is a
 * GitLab collapsible section. Every line is masked and stripped of terminal controls (only the section markers the
 * reporter writes itself carry ESC and CR).
 */
export class PlainReporter implements Reporter {
  readonly records: StepRecord[] = [];
  private sectionSeq = 0;

  constructor(private readonly write: Write, private readonly redactor: Redactor, private readonly options: { gitlabSections: boolean; now?: Now }) {}

  private line(text: string): void {
    this.write(this.redactor.clean(text) + "\n");
  }

  async step<T>(name: string, title: string, run: () => Promise<T>): Promise<T> {
    const now = this.options.now ?? Date.now;
    const started = now();
    const section = `switch_${name.replace(/[^a-z0-9_]/gi, "_")}_${++this.sectionSeq}`;
    if (this.options.gitlabSections) this.write(`\x1b[0Ksection_start:${Math.floor(started / 1000)}:${section}[collapsed=false]\r\x1b[0K${this.redactor.clean(title)}\n`);
    this.line(`step ${name} started`);
    try {
      const result = await run();
      const ms = now() - started;
      this.records.push({ name, status: "done", ms });
      this.line(`step ${name} done (${ms} ms)`);
      return result;
    } catch (error) {
      const ms = now() - started;
      this.records.push({ name, status: "failed", ms });
      this.line(`step ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      if (this.options.gitlabSections) this.write(`\x1b[0Ksection_end:${Math.floor(now() / 1000)}:${section}\r\x1b[0K\n`);
    }
  }

  info(line: string): void {
    this.line(line);
  }

  warn(line: string): void {
    this.line(`warning: ${line}`);
  }
}

/** On a terminal: a live list of steps with spinners and timings (listr2), one single-task list per step so steps can be decided as we go. */
export class TtyReporter implements Reporter {
  readonly records: StepRecord[] = [];

  constructor(private readonly write: Write, private readonly redactor: Redactor) {}

  async step<T>(name: string, title: string, run: () => Promise<T>): Promise<T> {
    // listr2 is ESM-first; its CommonJS build is loaded lazily so plain/CI runs never pay for it.
    const { Listr, PRESET_TIMER } = await import("listr2");
    const started = Date.now();
    let result: T | undefined;
    const list = new Listr(
      [
        {
          title: this.redactor.clean(`${name}: ${title}`),
          task: async () => {
            try {
              result = await run();
            } catch (error) {
              // listr2 renders the message itself: it must be masked before it gets there.
              if (error instanceof Error) error.message = this.redactor.clean(error.message);
              throw error;
            }
          },
        },
      ],
      { exitOnError: true, rendererOptions: { timer: PRESET_TIMER, collapseErrors: false } },
    );
    try {
      await list.run();
      this.records.push({ name, status: "done", ms: Date.now() - started });
      return result as T;
    } catch (error) {
      this.records.push({ name, status: "failed", ms: Date.now() - started });
      throw error;
    }
  }

  info(line: string): void {
    this.write(this.redactor.clean(line) + "\n");
  }

  warn(line: string): void {
    this.write(this.redactor.clean(`warning: ${line}`) + "\n");
  }
}
