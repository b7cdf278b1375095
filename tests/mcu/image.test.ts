import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import { imageSize, type BuildResult } from "../../hardware/sim/mcu/toolchain.ts";
import { SimavrBoard } from "../../hardware/sim/mcu/simavr-board.ts";
import { describeMcu, ensureBuilt } from "./setup.ts";

/** ATmega328P: 32 KiB flash less the 2 KiB the old Nano bootloader reserves; 2 KiB SRAM. */
const FLASH_FOR_SKETCH = 32768 - 2048;
const SRAM = 2048;

describeMcu("the cuff_guard image", () => {
  let build: BuildResult;
  beforeAll(() => {
    build = ensureBuilt();
  });

  it("builds from source into an ELF and an Intel HEX that fit the Nano with room for its stack", () => {
    expect(existsSync(build.elfPath)).toBe(true);
    const hex = readFileSync(build.hexPath, "utf8");
    expect(hex.startsWith(":")).toBe(true);
    expect(hex.trimEnd().endsWith(":00000001FF")).toBe(true);
    expect(statSync(build.elfPath).size).toBeGreaterThan(0);
    const size = imageSize(build.elfPath);
    console.log(`cuff_guard image: flash ${size.flashBytes} B of ${FLASH_FOR_SKETCH} B, static RAM ${size.ramBytes} B of ${SRAM} B`);
    expect(size.flashBytes).toBeLessThan(FLASH_FOR_SKETCH);
    // Leave at least 1 KiB of SRAM for the stack.
    expect(size.ramBytes).toBeLessThan(SRAM - 1024);
  });

  it("drives pump and vent low before anything else runs, RAM set-up included", () => {
    const listing = execFileSync("avr-objdump", ["-d", "-j", ".text", build.elfPath], { encoding: "utf8" });
    const startup = listing.slice(listing.indexOf("<__ctors_end>:"), listing.indexOf("<__do_copy_data>:"));
    expect(startup.length).toBeGreaterThan(0);
    // PORTD bit 5 and PORTB bit 1 cleared, then DDRD bit 5 and DDRB bit 1 set: D5 and D9 driven low.
    const writes = [...startup.matchAll(/\b(cbi|sbi)\s+0x([0-9a-f]+), (\d)/g)].map((m) => `${m[1]} ${Number.parseInt(m[2]!, 16)}.${m[3]}`);
    expect(writes.slice(0, 4)).toEqual(["cbi 11.5", "cbi 5.1", "sbi 10.5", "sbi 4.1"]);
  });

  it("sets its UART to 57600 baud within 2 %, as firmata-io expects", async () => {
    const sim = new SimavrBoard();
    try {
      await sim.advance(0.002);
      const baud = await sim.baudRate();
      expect(Math.abs(baud - 57600) / 57600).toBeLessThan(0.02);
    } finally {
      await sim.close();
    }
  });
});
