/**
 * The cuff app's page. It speaks the cuff link itself, over a WebSocket, with
 * the command line's own client (CuffClient) and session logic (runner.ts):
 * telemetry and events fold into the terminal display's SessionView, which the
 * meter, counters, chart, alarms and cues show.
 */
import { SystemClock } from "../../../shared/clock.ts";
import { parsePairingKey } from "../../../shared/protocol/pairing.ts";
import { type PlanMode, PlanSchema } from "../../../shared/plan.ts";
import type { SessionSummary, StatusMessage } from "../../../shared/protocol/index.ts";
import { type CuffEvent, CuffClient } from "../../client/client.ts";
import { NackError } from "../../client/errors.ts";
import { renderSummary } from "../../display/render.ts";
import { foldEvent, foldTelemetry, initialView, type SessionView } from "../../display/view.ts";
import { measureLop, runSession } from "../../session/runner.ts";
import { InterruptedError } from "../../session/wait.ts";
import type { PageConfig } from "../page-config.ts";
import { AlarmBanner } from "./alarms.ts";
import { PressureChart } from "./chart.ts";
import { cuesBetween } from "./cue-rules.ts";
import { CuePlayer } from "./cues.ts";
import { byId, setText, show } from "./dom.ts";
import { HistoryPanel } from "./history.ts";
import { LivePanel } from "./live.ts";
import { PlanForm } from "./plan-form.ts";
import { Screening } from "./screening.ts";
import { webSocketConnector } from "./ws-port.ts";

const config = JSON.parse(byId("cuff-config").textContent ?? "{}") as PageConfig;
const storage = (() => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
})();
const clock = new SystemClock();
const pageKey = parsePairingKey(config.pageKey ?? "") ?? undefined;
const live = new LivePanel();
const chart = new PressureChart(byId("chart"), { label: "Cuff pressure over time, with the target band and the LOP line" });
const cues = new CuePlayer(storage);
const form = new PlanForm(config.limb, config.plan);
const screening = new Screening(storage);
const history = new HistoryPanel(config.recordsPath);
const notice = byId("notice");
const connection = byId("connection");
const summaryBox = byId("summary");
const muteButton = byId<HTMLButtonElement>("mute");

let client: CuffClient | null = null;
let view: SessionView = initialView("cuff", config.limb, null);
let mode: PlanMode | null = null;
/** This page runs a session or an LOP measurement now. */
let running = false;
/** Stops what this page runs (its waits, and the steps still to come) when someone presses Deflate. */
let stopRun: AbortController | null = null;
let renderPending = false;
let formEnabled: boolean | null = null;

setText(byId("source"), config.source);
const alarms = new AlarmBanner(
  () => cues.play("alarm"),
  () => void client?.ackFault().catch((error: Error) => say(error.message)),
);

function say(text: string | null): void {
  notice.textContent = text ?? "";
  show(notice, text !== null);
}

function render(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    live.render(view, mode);
    alarms.state(view.state);
    const enabled = !running && (view.state === null || view.state === "vented");
    if (enabled !== formEnabled) form.enable(enabled);
    formEnabled = enabled;
  });
}

function update(next: SessionView): void {
  for (const cue of cuesBetween(view, next)) cues.play(cue);
  const newAlarm = next.alarms[next.alarms.length - 1];
  if (newAlarm && newAlarm !== view.alarms[view.alarms.length - 1]) alarms.raise(newAlarm);
  view = next;
  render();
}

function adoptStatus(status: StatusMessage): void {
  if (status.plan && !running) {
    mode = status.plan.mode;
    const planned = initialView("cuff", status.limb, status.plan);
    view = { ...view, plannedSets: planned.plannedSets, restSeconds: planned.restSeconds, set: status.set, rep: status.rep, lop: status.lop ?? view.lop };
  }
  if (status.state === "fault" && status.activeAlarms.length > 0) {
    alarms.raise({ t: status.t, kind: status.activeAlarms[0]!, severity: "fault", detail: "the cuff vented and holds this fault until it is cleared" });
  }
  if (status.state !== "vented" && status.state !== "fault" && !running) say("A session started elsewhere is under way: this page follows it live.");
  render();
}

function showSummary(summary: SessionSummary): void {
  const [headline, ...details] = renderSummary(summary);
  summaryBox.replaceChildren();
  const title = document.createElement("h3");
  title.textContent = headline ?? "";
  summaryBox.append(title);
  for (const line of details) {
    const p = document.createElement("p");
    p.textContent = line.trim().replace(/\s{2,}/g, " ");
    summaryBox.append(p);
  }
  summaryBox.classList.toggle("ended-early", !summary.ok);
  show(summaryBox, true);
}

function explain(error: unknown): string {
  if (error instanceof InterruptedError) return "Deflated: the session was stopped.";
  if (error instanceof NackError && error.reason === "busy") return `Watching: ${error.detail}.`;
  return (error as Error).message.replace(/\.?$/, ".");
}

function wire(c: CuffClient): void {
  c.telemetry$.subscribe((m) => {
    live.pressure(m.mmhg);
    chart.append(m.t, m.mmhg, m.target, m.lop ?? view.lop);
    update(foldTelemetry(view, m));
  });
  c.events$.subscribe((e: CuffEvent) => {
    update(foldEvent(view, e));
    if (e.type === "summary") {
      showSummary(e.summary);
      // a session this page followed from elsewhere is over: nothing left to say about it
      if (!running) say(null);
      // the app records the summary as it relays it: the history has the session's end by now
      setTimeout(() => void history.refresh(false), 500);
    }
  });
  c.status$.subscribe(adoptStatus);
  c.connection$.subscribe((state) => {
    // a page served before the app restarted holds an old page key: it watches, and can deflate
    if (state === "connected" && c.firmware?.authenticated === false) say("This page is out of date (the cuff app restarted): reload it to control the cuff. Deflate works as it is.");
    const down = state !== "connected";
    connection.classList.toggle("down", down);
    setText(connection, state === "connected" ? "connected" : state === "reconnecting" ? "reconnecting…" : state === "closed" ? "disconnected: reload the page" : "connecting…");
  });
  if (c.lastStatus) adoptStatus(c.lastStatus);
}

async function connect(): Promise<void> {
  const url = new URL(config.linkPath, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  for (;;) {
    try {
      client = await CuffClient.open({
        connect: webSocketConnector(url.href),
        clock,
        label: "the cuff app",
        reconnect: { initialSeconds: 0.25, maxSeconds: 2, giveUpSeconds: Number.MAX_SAFE_INTEGER },
        ...(pageKey ? { pairingKey: pageKey } : {}),
      });
      wire(client);
      return;
    } catch (error) {
      connection.classList.add("down");
      setText(connection, `no cuff yet: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function startSession(event: Event): Promise<void> {
  event.preventDefault();
  cues.unlock();
  const c = client;
  if (!c?.connected) return form.showError("Not connected to the cuff yet.");
  const choice = form.read();
  if (!choice.ok) return;
  if (!config.sim && !(await screening.ask())) return;
  const plan = PlanSchema.parse(choice.plan);
  running = true;
  stopRun = new AbortController();
  mode = plan.mode;
  say(null);
  show(summaryBox, false);
  view = { ...initialView("cuff", choice.limb, plan), mmhg: view.mmhg, state: view.state, lop: view.lop, alarms: view.alarms };
  chart.clear();
  render();
  window.scrollTo({ top: 0, behavior: "smooth" });
  try {
    await c.status();
    const summary = runSession({ client: c, clock, limb: choice.limb, plan, signal: stopRun.signal });
    summary.catch(() => undefined);
    // the history lists this session as under way once its recording has opened
    setTimeout(() => void history.refresh(true), 1500);
    showSummary(await summary);
  } catch (error) {
    say(explain(error));
  } finally {
    running = false;
    stopRun = null;
    render();
  }
}

async function measure(): Promise<void> {
  cues.unlock();
  const c = client;
  if (!c?.connected) return form.showError("Not connected to the cuff yet.");
  if (!config.sim && !(await screening.ask())) return;
  running = true;
  stopRun = new AbortController();
  mode = null;
  say("Measuring LOP: keep the limb still and relaxed (about a minute).");
  render();
  try {
    await c.status();
    const result = await measureLop(c, clock, form.limb(), stopRun.signal);
    if (result.ok && result.mmhg !== null) {
      form.useLop(result.mmhg);
      say(`LOP measured: ${Math.round(result.mmhg)} mmHg. The plan uses it now.`);
    } else {
      say(`LOP measurement failed: ${result.reason}.`);
    }
  } catch (error) {
    say(explain(error));
  } finally {
    running = false;
    stopRun = null;
    render();
  }
}

form.form.addEventListener("submit", (event) => void startSession(event));
byId("measure-lop").addEventListener("click", () => void measure());
byId("set-done").addEventListener("click", () => void client?.setDone().catch((error) => say(explain(error))));
byId("deflate").addEventListener("click", () => {
  cues.unlock();
  stopRun?.abort();
  if (!client?.connected) {
    say("Deflate could not reach the cuff: the page has no link to it. Use the emergency-deflate button on the cuff.");
    return;
  }
  client.deflate().catch((error) => say(`Deflate: ${explain(error)}`));
});
function syncMute(): void {
  muteButton.setAttribute("aria-pressed", String(cues.muted));
  setText(muteButton, cues.muted ? "Sound off" : "Sound on");
}
muteButton.addEventListener("click", () => {
  cues.unlock();
  cues.setMuted(!cues.muted);
  syncMute();
});
syncMute();
render();
void connect().then(() => history.refresh(view.state !== null && view.state !== "vented"));
