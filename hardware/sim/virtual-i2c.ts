/**
 * The virtual board's I2C bus, as the cuff_guard sketch serves it over Firmata: the
 * distal pulse sensor's chip at the profile's address and nothing else. A write
 * sets registers; a read-once answers I2C_REPLY with the bytes, or with none when
 * no chip answers (no sensor clipped on, or any other address: the pressure
 * sensor's ADC on the same bus is the guard's and is never lent to the host).
 * Continuous reads are not offered: the host polls.
 */
import type { HardwareProfile } from "../profile.ts";
import { decodeI2cRequest, encodeI2cReply, FIRMATA, I2cMode } from "./firmata-protocol.ts";
import { Max30102Model } from "./max30102-model.ts";
import type { CuffPlant } from "./plant.ts";

/** The sketch reads at most this many bytes in one request (a sysex reply must fit its buffers). */
export const MAX_I2C_READ_BYTES = 30;

export class VirtualI2cBus {
  private readonly chip: Max30102Model | null;
  private readonly address: number | null;

  constructor(profile: HardwareProfile, plant: CuffPlant) {
    this.address = profile.distalPulseSensor?.i2cAddress ?? null;
    this.chip = this.address !== null && plant.distalPulse ? new Max30102Model(plant.distalPulse) : null;
  }

  /** A sysex the bus takes (I2C_CONFIG, I2C_REQUEST): the reply to send, [] for none; null when the sysex is not an I2C one. */
  handle(id: number, data: readonly number[]): number[] | null {
    if (id === FIRMATA.I2C_CONFIG) return [];
    if (id !== FIRMATA.I2C_REQUEST) return null;
    const request = decodeI2cRequest(data);
    if (!request) return [];
    const chip = request.address === this.address ? this.chip : null;
    const [register = 0, ...values] = request.bytes;
    if (request.mode === I2cMode.WRITE) {
      chip?.write(register, values);
      return [];
    }
    if (request.mode !== I2cMode.READ_ONCE) return [];
    // Read once: [register, count] or [count] alone (from register 0).
    const [from, count] = request.bytes.length >= 2 ? [register, values[0]!] : [0, register];
    const bytes = chip ? chip.read(from, Math.min(MAX_I2C_READ_BYTES, count)) : [];
    return encodeI2cReply(request.address, from, bytes);
  }
}
