/**
 * Past sessions, read from the recordings the app keeps (the files of its
 * recordings folder, served as they are): each one's first and last bytes
 * (when, limb, plan; how it ended), fetched by byte range so long sessions stay
 * cheap; a whole recording when opened, drawn on the same chart; and the CSV of
 * `cuff export`.
 */
import { historyCsv, type HistoryEntry } from "../../record/history-entry.ts";
import { describeSets } from "../../record/session-record.ts";
import { PressureChart } from "./chart.ts";
import { byId, show } from "./dom.ts";
import { entryFromSlices, tracePoints } from "./recordings.ts";

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 256 * 1024;

interface Listed {
  name: string;
  bytes: number;
}

export class HistoryPanel {
  private readonly list = byId("history-list");
  private readonly empty = byId("history-empty");
  private readonly chartBox = byId("history-chart");
  private chart: PressureChart | null = null;
  private sessions: HistoryEntry[] = [];
  private busy = false;

  constructor(private readonly recordsPath: string) {
    byId("history-refresh").addEventListener("click", () => void this.refresh());
    byId("history-export").addEventListener("click", () => this.exportCsv());
  }

  /** `busy`: a session is under way, so the newest recording without an end is that session, not one cut short. */
  async refresh(busy = false): Promise<void> {
    this.busy = busy;
    try {
      const response = await fetch(this.recordsPath, { cache: "no-store" });
      if (!response.ok) throw new Error(`${response.status}`);
      const files = ((await response.json()) as { files: Listed[] }).files;
      const sessions = await Promise.all(files.map((file) => this.entry(file)));
      this.sessions = sessions.filter((s): s is HistoryEntry => s !== null).sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? ""));
    } catch {
      this.sessions = [];
    }
    this.renderList();
  }

  private async entry(file: Listed): Promise<HistoryEntry | null> {
    const url = this.fileUrl(file.name);
    const head = await this.range(url, `bytes=0-${HEAD_BYTES - 1}`);
    const tail = file.bytes > HEAD_BYTES ? await this.range(url, `bytes=-${TAIL_BYTES}`) : null;
    return entryFromSlices(file.name, head, tail);
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
    for (const [index, session] of this.sessions.entries()) {
      const ended = index === 0 && this.busy && session.outcome === "unknown" ? "under way" : session.ended;
      const button = document.createElement("button");
      button.type = "button";
      const when = document.createElement("span");
      when.className = "ended";
      when.textContent = `${(session.startedAt ?? "").slice(0, 16).replace("T", " ")} · ${session.person ? `${session.person} · ` : ""}${session.limb ?? "?"} · ${ended}`;
      const detail = document.createElement("span");
      const lop = session.lopMmhg === null ? "-" : Math.round(session.lopMmhg);
      const target = session.targetMmhg === null ? "-" : Math.round(session.targetMmhg);
      detail.textContent = ended === "under way" ? "" : ` · LOP ${lop} · target ${target} · ${describeSets(session.sets)}`;
      button.append(when, detail);
      button.addEventListener("click", () => void this.open(session));
      const item = document.createElement("li");
      item.append(button);
      this.list.append(item);
    }
  }

  private async open(session: HistoryEntry): Promise<void> {
    const response = await fetch(this.fileUrl(session.file), { cache: "no-store" });
    if (!response.ok) return;
    show(this.chartBox, true);
    this.chart ??= new PressureChart(this.chartBox, { label: `Pressure of the session of ${session.startedAt ?? "unknown date"}` });
    this.chart.load(tracePoints(await response.text()));
  }

  private exportCsv(): void {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([historyCsv(this.sessions)], { type: "text/csv" }));
    link.download = "cuff-sessions.csv";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
}
