/** `cuff ports`: list serial ports with their descriptions. */
import { readdirSync, readlinkSync } from "node:fs";
import { basename, join, resolve as resolvePath } from "node:path";
import { SerialPort } from "serialport";
import { type Command, parseOptions } from "../command.ts";
import { jsonLine } from "../output.ts";

const HELP = `Usage: cuff ports [--json]

Lists the serial ports of this computer with what is known about them
(manufacturer, USB vendor:product, serial number) and which look like the
cuff's board: an Arduino-class board on USB (/dev/ttyUSB* or /dev/ttyACM* on
Linux, /dev/cu.usbserial-* or /dev/cu.usbmodem* on macOS, COMn on Windows).
Pass a board to --board ("cuff session --board PATH ..."): the controller runs
in that command. A Bluetooth serial port (/dev/rfcomm*) carries a cuff link
served by "cuff firmware" elsewhere: pass it to --port.
Where the system's port listing is unavailable (Linux without udev, e.g. in
containers), the ports are found in /dev directly and described from
/dev/serial/by-id.

  --json     one JSON object per port: {"type":"port","path":...,"description":...,"looksLike":"board"|
             "link"|null,"flag":"--board"|"--port"|null,...}, then {"type":"summary","count":N,
             "source":"serialport"|"dev"}

Exit codes: 0 listed (even if none), 2 bad usage.

Examples:
  cuff ports
  cuff ports --json
`;

/** USB vendors of Arduino boards and of the USB-serial chips on Nano clones. */
const BOARD_VENDORS = new Set(["2341", "2a03", "1a86", "0403", "10c4", "067b"]);

/** What a port looks like to this program: a cuff board (--board), a served cuff link (--port), or neither. */
export function portRole(p: PortInfo): { looksLike: "board" | "link" | null; flag: "--board" | "--port" | null } {
  const name = basename(p.path);
  if (/^rfcomm\d+$/.test(name) || /bluetooth/i.test(p.path)) return { looksLike: "link", flag: "--port" };
  const usbName = /^(ttyUSB|ttyACM)\d+$|^cu\.(usbserial|usbmodem|wchusbserial)/.test(name);
  if ((p.vendorId && BOARD_VENDORS.has(p.vendorId.toLowerCase())) || usbName || (/^COM\d+$/i.test(name) && p.vendorId)) {
    return { looksLike: "board", flag: "--board" };
  }
  return { looksLike: null, flag: null };
}

export interface PortInfo {
  path: string;
  description: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

type Lister = () => Promise<Awaited<ReturnType<typeof SerialPort.list>>>;

const DEV_PATTERNS = [/^ttyUSB\d+$/, /^ttyACM\d+$/, /^ttyAMA\d+$/, /^rfcomm\d+$/, /^ttyS[0-3]$/, /^cu\..+/];

/** Ports found in /dev, described from the /dev/serial/by-id links when they exist. */
export function scanDevPorts(devDir = "/dev"): PortInfo[] {
  const byId = new Map<string, string>();
  try {
    const dir = join(devDir, "serial", "by-id");
    for (const name of readdirSync(dir)) {
      try {
        byId.set(resolvePath(dir, readlinkSync(join(dir, name))), name);
      } catch {
        // a dangling link: the device just went away
      }
    }
  } catch {
    // no by-id folder: no USB serial devices, or no udev to make it
  }
  let names: string[] = [];
  try {
    names = readdirSync(devDir).filter((n) => DEV_PATTERNS.some((p) => p.test(n)));
  } catch {
    names = [];
  }
  const ports = names.map((name): PortInfo => {
    const path = join(devDir, name);
    const id = byId.get(path);
    return { path, description: id ? describeById(id) : describeByName(name) };
  });
  return ports.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
}

/** usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0 -> FTDI FT232R USB UART (serial A50285BI) */
function describeById(id: string): string {
  const m = /^(usb|pci|platform)-(.+?)(?:-if\d+)?(?:-port\d+)?$/.exec(id);
  const body = m ? m[2]! : id;
  const parts = body.split("_");
  const last = parts.length > 1 ? parts.pop()! : null;
  return `${parts.join(" ")}${last ? ` (serial ${last})` : ""}`;
}

function describeByName(name: string): string {
  if (name.startsWith("ttyACM")) return "USB CDC-ACM device (Arduino Leonardo/Micro/Uno R4, native-USB boards)";
  if (name.startsWith("ttyUSB")) return "USB serial adapter (CH340, CP210x, FTDI: Arduino Nano and clones)";
  if (name.startsWith("ttyAMA")) return "on-board UART (Raspberry Pi)";
  if (name.startsWith("rfcomm")) return "Bluetooth serial (SPP)";
  if (name.startsWith("ttyS")) return "built-in serial port (often not connected)";
  return "serial device";
}

export function makePortsCommand(list: Lister = () => SerialPort.list(), devDir = "/dev"): Command {
  return {
    name: "ports",
    summary: "list serial ports with their descriptions",
    help: HELP,
    async run(argv, io) {
      const { values } = parseOptions(argv, { json: { type: "boolean" } });
      let ports: PortInfo[];
      let source: "serialport" | "dev" = "serialport";
      let note: string | null = null;
      try {
        ports = (await list()).map((p) => ({
          path: p.path,
          description: [p.manufacturer, p.pnpId && !p.manufacturer ? p.pnpId : undefined].filter(Boolean).join(" ") || describeByName(basename(p.path)),
          ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
          ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
          ...(p.vendorId ? { vendorId: p.vendorId } : {}),
          ...(p.productId ? { productId: p.productId } : {}),
        }));
      } catch (error) {
        source = "dev";
        ports = scanDevPorts(devDir);
        const text = (error as Error).message;
        note = /udevadm/.test(text)
          ? "(udev is not available here, so ports were found in /dev and described from /dev/serial/by-id)"
          : `(the system port listing failed: ${text.replace(/\.$/, "")}; ports were found in /dev instead)`;
      }
      if (values.json) {
        for (const p of ports) io.stdout.write(jsonLine({ type: "port", ...p, ...portRole(p) }));
        io.stdout.write(jsonLine({ type: "summary", count: ports.length, source }));
        return 0;
      }
      if (ports.length === 0) {
        io.stdout.write("No serial ports found. Plug the cuff in (a USB data cable, not a charge-only one) and run this again.\n");
      } else {
        const width = Math.max(...ports.map((p) => p.path.length));
        for (const p of ports) {
          const ids = p.vendorId ? `  [${p.vendorId}:${p.productId ?? "?"}${p.serialNumber ? ` ${p.serialNumber}` : ""}]` : "";
          const role = portRole(p);
          const hint = role.looksLike === "board" ? `  <- looks like a cuff board: --board ${p.path}` : role.looksLike === "link" ? `  <- a Bluetooth link: --port ${p.path}` : "";
          io.stdout.write(`${p.path.padEnd(width)}  ${p.description}${ids}${hint}\n`);
        }
      }
      if (note) io.stderr.write(note + "\n");
      return 0;
    },
  };
}

export const portsCommand = makePortsCommand();
