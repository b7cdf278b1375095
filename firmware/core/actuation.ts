/** What the controller asks of the pump and the vent on one tick. */
export interface Actuation {
  /** Pump duty 0..1. */
  pump: number;
  /** Vent opening 0..1, 1 = fully open. */
  vent: number;
}

/** Pump off, vent open: where boot, every fault and every end of session goes. */
export const SAFE_ACTUATION: Actuation = Object.freeze({ pump: 0, vent: 1 });

/** Pump off, vent shut: the cuff holds what it has. */
export const SEALED: Actuation = Object.freeze({ pump: 0, vent: 0 });
