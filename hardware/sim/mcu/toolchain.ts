/**
 * Building the cuff_guard image and the simavr harness from source with
 * Debian's toolchain (gcc-avr, avr-libc, simavr, libsimavr-dev; installed by
 * scripts/install-test-tools.sh). Builds are serialised with flock, so test
 * files running in parallel share one build.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const MCU_DIR = fileURLToPath(new URL("../../../firmware/mcu/", import.meta.url));
export const FIRMWARE_ELF = fileURLToPath(new URL("../../../firmware/mcu/build/cuff_guard.elf", import.meta.url));
export const FIRMWARE_HEX = fileURLToPath(new URL("../../../firmware/mcu/build/cuff_guard.hex", import.meta.url));
export const HARNESS_BIN = fileURLToPath(new URL("../../../firmware/mcu/harness/build/cuff-harness", import.meta.url));

const REQUIRED_COMMANDS: ReadonlyArray<readonly [command: string, debianPackage: string]> = [
  ["avr-gcc", "gcc-avr"],
  ["avr-objcopy", "binutils-avr"],
  ["avr-size", "binutils-avr"],
  ["make", "make"],
  ["cc", "gcc"],
  ["flock", "util-linux"],
];
const SIMAVR_HEADER = "/usr/include/simavr/sim_avr.h";
const AVR_LIBC_HEADER = "/usr/lib/avr/include/avr/io.h";

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Debian packages that are missing for building and simulating the image (empty when all are there). */
export function missingToolchain(): string[] {
  const missing = new Set<string>();
  for (const [command, pkg] of REQUIRED_COMMANDS) if (!onPath(command)) missing.add(pkg);
  if (!existsSync(AVR_LIBC_HEADER)) missing.add("avr-libc");
  if (!existsSync(SIMAVR_HEADER)) missing.add("libsimavr-dev");
  return [...missing];
}

export interface ImageSize {
  /** Flash used: .text + .data, bytes. */
  flashBytes: number;
  /** RAM used statically: .data + .bss + .noinit, bytes. */
  ramBytes: number;
}

export interface BuildResult {
  elfPath: string;
  hexPath: string;
  harnessPath: string;
  size: ImageSize;
  /** What make printed. */
  log: string;
}

/** Build (or bring up to date) the image and the harness. Throws with make's output on failure. */
export function buildFirmware(): BuildResult {
  const lock = `${MCU_DIR}.build.lock`;
  let log: string;
  try {
    log = execFileSync("flock", [lock, "make", "-C", MCU_DIR, "--no-print-directory", "all", "harness"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`building firmware/mcu failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
  return { elfPath: FIRMWARE_ELF, hexPath: FIRMWARE_HEX, harnessPath: HARNESS_BIN, size: imageSize(FIRMWARE_ELF), log };
}

/** Flash and static RAM use of an image, from avr-size's Berkeley output. */
export function imageSize(elfPath: string): ImageSize {
  const out = execFileSync("avr-size", ["-B", elfPath], { encoding: "utf8" });
  const row = out.trim().split("\n")[1]?.trim().split(/\s+/).map(Number);
  if (!row || row.length < 3 || row.slice(0, 3).some((n) => !Number.isFinite(n))) {
    throw new Error(`avr-size gave an unexpected answer for ${elfPath}: ${out}`);
  }
  const [text, data, bss] = row as [number, number, number];
  return { flashBytes: text + data, ramBytes: data + bss };
}
