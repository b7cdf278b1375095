/** The LinkHub on the in-process simulated cuff, in virtual time, with pages as fake sockets. */
import { createSimStack, type SimStack } from "../../hardware/sim/sim-stack.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { LinkHub } from "../../host/app/hub/link-hub.ts";
import type { HubSocket } from "../../host/app/hub/peer.ts";
import { CuffClient } from "../../host/client/client.ts";
import { duplexConnector } from "../../host/client/stream-port.ts";
import { ManualClock } from "../../shared/clock.ts";
import { crc16Hex, decodeFirmwareFrame, encodeFrame, type FirmwareMessage, type HostBody, pairingProof, PROTOCOL_VERSION, SCHEMA_FINGERPRINT, type TelemetryMessage } from "../../shared/protocol/index.ts";

export class FakePage implements HubSocket {
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | null = null;
  /** The page went away (its socket closed from its side). */
  left = false;
  bufferedBytes = 0;
  private seq = 0;
  handle!: ReturnType<LinkHub["attach"]>;

  send(text: string): void {
    this.sent.push(text);
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }

  messages(): FirmwareMessage[] {
    return this.sent.map((line) => {
      const decoded = decodeFirmwareFrame(line);
      if (!decoded.ok) throw new Error(`the hub sent an invalid frame: ${decoded.detail}`);
      return decoded.message;
    });
  }

  leave(): void {
    this.left = true;
    this.handle.closed();
  }

  last(): FirmwareMessage | undefined {
    return this.messages().at(-1);
  }

  replyTo(seq: number): FirmwareMessage | undefined {
    return this.messages().find((m) => "ref" in m && m.ref === seq && m.type !== "status");
  }

  /** Send a command or request as a frame; returns its seq. */
  frame(body: HostBody, seq = this.seq++): number {
    this.handle.receive(encodeFrame({ v: PROTOCOL_VERSION, seq, ...body } as never), false);
    return seq;
  }

  /** A hello; with `key`, proving it over the nonce of the hub's latest hello to this page. */
  hello(instance = "page", key?: Uint8Array): void {
    const nonce = this.messages().filter((m) => m.type === "hello").at(-1)?.nonce;
    const proof = key && nonce ? { proof: pairingProof(key, nonce, instance) } : {};
    this.frame({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "test page", instance, ...proof });
  }

  /** A raw text message, frame or not. */
  raw(text: string | Buffer, isBinary = false): void {
    this.handle.receive(text, isBinary);
  }
}

/** A frame with a correct checksum over any JSON text. */
export function framed(json: string): string {
  return `${json}|${crc16Hex(new TextEncoder().encode(json))}\n`;
}

export interface HubRig {
  clock: ManualClock;
  stack: SimStack;
  upstream: CuffClient;
  hub: LinkHub;
  telemetry: TelemetryMessage[];
  /** A page that says hello (proving the rig's page key, if it has one, unless told `key: null`). */
  page(instance?: string, key?: Uint8Array | null): FakePage;
  advance(seconds: number): Promise<void>;
  until(test: () => boolean, limitSeconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function hubRig(options: { pageKey?: Uint8Array } = {}): Promise<HubRig> {
  const clock = new ManualClock();
  const stack = createSimStack({ clock, scenario: parseScenario({ name: "hub", seed: 5, limb: "leg", subject: { lopMmhg: 195 } }) });
  const opening = CuffClient.open({ connect: duplexConnector(() => stack.hostStream), clock, instance: "app-host", reconnect: false });
  let upstream: CuffClient | null = null;
  void opening.then((c) => (upstream = c));
  for (let i = 0; i < 100 && upstream === null; i++) await stack.advance(0.1);
  if (upstream === null) throw new Error("the hub's host did not connect to the simulated cuff");
  const client: CuffClient = upstream;
  const hub = new LinkHub({ upstream: client, clock, maxTelemetryHz: 1000, ...(options.pageKey ? { pageKey: options.pageKey } : {}) });
  const telemetry: TelemetryMessage[] = [];
  client.telemetry$.subscribe((m) => telemetry.push(m));
  const advance = (seconds: number) => stack.advance(seconds);
  return {
    clock,
    stack,
    upstream: client,
    hub,
    telemetry,
    page(instance = "page", key = options.pageKey ?? null) {
      const page = new FakePage();
      page.handle = hub.attach(page, "test page");
      page.hello(instance, key ?? undefined);
      // a live page heartbeats every half second, as CuffClient does
      const beat = () => {
        if (page.closedWith || page.left) return;
        page.frame({ type: "heartbeat" });
        clock.schedule(0.5, beat);
      };
      clock.schedule(0.5, beat);
      return page;
    },
    advance,
    async until(test, limitSeconds) {
      for (let t = 0; t < limitSeconds && !test(); t += 0.05) await advance(0.05);
      if (!test()) throw new Error(`condition not met within ${limitSeconds} simulated seconds`);
    },
    async close() {
      hub.close();
      await client.close();
      await stack.close();
    },
  };
}
