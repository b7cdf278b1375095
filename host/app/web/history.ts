/**
 * Past sessions, read from the recordings the app keeps (the files of its
 * recordings folder, served as they are): each one's first line (when, limb,
 * plan) and last summary, fetched by byte range so long sessions stay cheap;
 * a whole recording when opened, drawn on the same chart; CSV of them all.
 */
import { byId, show } from "./dom.ts";
import { PressureChart } from "./chart.ts";
import { type RecordingSummary, summariseRecording, sessionsCsv, tracePoints } from "./recordings.ts";

const HEAD_BYTES = 4096;
const TAIL_BYTES = 16384;

interface Listed {
  name: string;
  bytes: number;
}

export class HistoryPanel {
  private readonly list = byId("history-list");
  private readonly empty = byId("history-empty");
  private readonly chartBox = byId("history-chart");
  private chart: PressureChart | null = null;
  private sessions: RecordingSummary[] = [];

  constructor(private readonly recordsPath: string) {
    byId("history-refresh").addEventListener("click", () => void this.refresh());
    byId("history-export").addEventListener("click", () => this.exportCsv());
  }

  async refresh(): Promise<void> {
    try {
      const response = await fetch(this.recordsPath, { cache: "no-store" });
      if (!response.ok) throw new Error(`${response.status}`);
      const files = ((await response.json()) as { files: Listed[] }).files;
      const sessions = await Promise.all(files.map((file) => this.summary(file)));
      this.sessions = sessions.filter((s): s is RecordingSummary => s !== null).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    } catch {
      this.sessions = [];
    }
    this.renderList();
  }

  private async summary(file: Listed): Promise<RecordingSummary | null> {
    const url = this.fileUrl(file.name);
    const head = await this.range(url, `bytes=0-${HEAD_BYTES - 1}`);
    const tail = file.bytes > HEAD_BYTES ? await this.range(url, `bytes=-${TAIL_BYTES}`) : "";
    return summariseRecording(file.name, head, tail);
  }

  private async range(url: string, range: string): Promise<string> {
    const response = await fetch(url, { headers: { Range: range }, cache: "no-store" });
    return response.ok ? response.text() : "";
  }

  private fileUrl(name: string): string {
    return `${this.recordsPath.replace(/\/?$/, "/")}${encodeURIComponent(name)}`;
  }

  private renderList(): void {
    this.list.replaceChildren();
    show(this.empty, this.sessions.length === 0);
    for (const session of this.sessions) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      const when = document.createElement("span");
      when.className = "ended";
      when.textContent = `${session.startedAt.slice(0, 16).replace("T", " ")} · ${session.limb ?? "?"} · ${session.ending}`;
      const detail = document.createElement("span");
      detail.textContent = ` · LOP ${session.lopMmhg ?? "-"} · target ${session.targetMmhg ?? "-"} · sets ${session.sets || "-"}`;
      button.append(when, detail);
      button.addEventListener("click", () => void this.open(session));
      item.append(button);
      this.list.append(item);
    }
  }

  private async open(session: RecordingSummary): Promise<void> {
    const response = await fetch(this.fileUrl(session.file), { cache: "no-store" });
    if (!response.ok) return;
    show(this.chartBox, true);
    this.chart ??= new PressureChart(this.chartBox, { label: `Pressure of the session of ${session.startedAt}` });
    this.chart.load(tracePoints(await response.text()));
  }

  private exportCsv(): void {
    const blob = new Blob([sessionsCsv(this.sessions)], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "cuff-sessions.csv";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
}
