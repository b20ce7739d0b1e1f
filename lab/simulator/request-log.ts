/** Every /v2 request served, so tests can count API calls per cutover. */
import { createWriteStream, type WriteStream } from "node:fs";
import type { RequestRecord } from "./types";

export class RequestLog {
  private records: RequestRecord[] = [];
  private readonly file: WriteStream | null;

  constructor(filePath?: string) {
    this.file = filePath ? createWriteStream(filePath, { flags: "a" }) : null;
  }

  add(record: RequestRecord): void {
    this.records.push(record);
    this.file?.write(`${JSON.stringify(record)}\n`);
  }

  all(): RequestRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  clear(): void {
    this.records = [];
  }

  close(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    return new Promise((resolve, reject) => {
      file.once("error", reject);
      file.end(() => resolve());
    });
  }
}
