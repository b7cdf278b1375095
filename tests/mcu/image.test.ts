import { existsSync, readFileSync, statSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import { imageSize, type BuildResult } from "../../firmware/mcu/toolchain.ts";
import { SimavrBoard } from "../../firmware/mcu/simavr-board.ts";
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
