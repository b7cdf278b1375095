/**
 * The wiring diagram of the reference build. Pin names come from the reference
 * hardware profile and part labels from the BOM, so the drawing follows both.
 */
import type { Bom } from "../bom.ts";
import type { HardwareProfile } from "../profile.ts";
import { type Point, SvgDoc } from "./svg.ts";

export const WIRE = {
  fused12v: "#d62728",
  switched12v: "#ff7f0e",
  supply5v: "#9467bd",
  ground: "#222222",
  gate: "#1f77b4",
  sda: "#2ca02c",
  scl: "#17a2b8",
  sensor: "#8c564b",
  sense: "#e377c2",
  usb: "#7f7f7f",
} as const;

const W = 1400;
const H = 1010;

function ground(svg: SvgDoc, x: number, y: number): void {
  svg.line([x, y], [x, y + 10], WIRE.ground);
  svg.line([x - 12, y + 10], [x + 12, y + 10], WIRE.ground);
  svg.line([x - 7, y + 15], [x + 7, y + 15], WIRE.ground);
  svg.line([x - 2, y + 20], [x + 2, y + 20], WIRE.ground);
}

/** IEC resistor: a box. `from` and `to` are the lead ends; the body sits in the middle. */
function resistor(svg: SvgDoc, from: Point, to: Point, label: string[], labelAt: Point, anchor: "start" | "end" = "start"): void {
  const vertical = from[0] === to[0];
  const [mx, my] = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2];
  if (vertical) {
    svg.line(from, [mx, my - 22]);
    svg.rect(mx - 8, my - 22, 16, 44, { fill: "#fff" });
    svg.line([mx, my + 22], to);
  } else {
    svg.line(from, [mx - 22, my]);
    svg.rect(mx - 22, my - 8, 44, 16, { fill: "#fff" });
    svg.line([mx + 22, my], to);
  }
  svg.lines(labelAt[0], labelAt[1], label, { anchor, size: 12 });
}

/** Capacitor drawn vertically between top and bottom lead ends. */
function capacitor(svg: SvgDoc, top: Point, bottom: Point, polarised: boolean, label: string[], labelAt: Point, anchor: "start" | "end" = "start"): void {
  const [x] = top;
  const my = (top[1] + bottom[1]) / 2;
  svg.line(top, [x, my - 5]);
  svg.line([x - 16, my - 5], [x + 16, my - 5], "#222", 3);
  if (polarised) {
    svg.path(`M ${x - 16} ${my + 9} Q ${x} ${my + 1} ${x + 16} ${my + 9}`, { width: 3 });
    svg.text(x - 24, my - 8, "+", { size: 12, anchor: "middle" });
  } else {
    svg.line([x - 16, my + 5], [x + 16, my + 5], "#222", 3);
  }
  svg.line([x, polarised ? my + 5 : my + 5], bottom);
  svg.lines(labelAt[0], labelAt[1], label, { anchor, size: 12 });
}

/** Diode drawn vertically, cathode (stripe) at the top. */
function diodeCathodeUp(svg: SvgDoc, top: Point, bottom: Point, label: string[], labelAt: Point): void {
  const [x] = top;
  const my = (top[1] + bottom[1]) / 2;
  svg.line(top, [x, my - 10]);
  svg.polygon([[x - 11, my + 10], [x + 11, my + 10], [x, my - 10]], "#fff");
  svg.line([x - 11, my - 10], [x + 11, my - 10], "#222", 3);
  svg.line([x, my + 10], bottom);
  svg.lines(labelAt[0], labelAt[1], label, { size: 12 });
}

/** N-channel MOSFET: drain at the top, source at the bottom, gate on the left (all lead ends). */
function nMosfet(svg: SvgDoc, drain: Point, gate: Point, source: Point, label: string[]): void {
  const x = drain[0];
  const gy = gate[1];
  svg.line(drain, [x, gy - 18]);
  svg.line([x, gy - 18], [x - 12, gy - 18]);
  svg.line([x - 12, gy + 18], [x, gy + 18]);
  svg.line([x, gy + 18], source);
  svg.line([x - 12, gy - 24], [x - 12, gy + 24], "#222", 3);
  svg.line([x - 20, gy - 18], [x - 20, gy + 18], "#222", 2);
  svg.line(gate, [x - 20, gy]);
  svg.line([x - 12, gy], [x, gy]);
  svg.polygon([[x - 12, gy], [x - 4, gy - 5], [x - 4, gy + 5]], "#222");
  svg.text(x + 6, gy - 22, "D", { size: 11, fill: "#555" });
  svg.text(x + 6, gy + 30, "S", { size: 11, fill: "#555" });
  svg.text(x - 30, gy - 6, "G", { size: 11, fill: "#555", anchor: "end" });
  svg.lines(x + 16, gy - 4, label, { size: 12 });
}

function pinLabel(svg: SvgDoc, x: number, y: number, name: string, side: "left" | "right" | "top" | "bottom"): void {
  const inset = 8;
  if (side === "left") svg.text(x + inset, y + 4, name, { size: 12 });
  if (side === "right") svg.text(x - inset, y + 4, name, { size: 12, anchor: "end" });
  if (side === "top") svg.text(x, y + 18, name, { size: 12, anchor: "middle" });
  if (side === "bottom") svg.text(x, y - 8, name, { size: 12, anchor: "middle" });
  svg.circle(x, y, 3, { fill: "#fff", width: 1.5 });
}

function legendSwatch(svg: SvgDoc, x: number, y: number, colour: string, text: string): void {
  svg.line([x, y - 4], [x + 34, y - 4], colour, 4);
  svg.text(x + 42, y, text, { size: 12 });
}

export function renderWiring(bom: Bom, profile: HardwareProfile): string {
  const svg = new SvgDoc(W, H, "Wiring diagram: open occlusion cuff, reference build");
  const placed = new Set<string>();
  const part = (designator: string, draw: () => void): void => {
    const owner = bom.parts.find((p) => p.designators.includes(designator));
    if (!owner) throw new Error(`designator ${designator} is not in the BOM`);
    placed.add(owner.id);
    svg.part(designator, owner.id, draw);
  };
  const pins = profile.pins;
  const railY = 110;

  svg.text(24, 34, "Wiring: open occlusion cuff, reference build", { size: 20, weight: "bold" });
  svg.text(24, 56, `Pins from the hardware profile "${profile.board}"; part references match hardware/bom.json. Generated by hardware/drawings/draw.ts.`, { size: 12, fill: "#444" });

  part("ENC1", () => {
    svg.path("M 190 70 L 1392 70 L 1392 790 L 8 790 L 8 184 L 190 184 Z", { stroke: "#888", width: 1.5, dash: "8 6" });
    svg.text(1380, 778, "ENC1 enclosure (everything inside the dashed line)", { size: 12, fill: "#666", anchor: "end" });
  });

  // Power input: adapter -> jack -> fuse -> fused rail; the button switches the actuator rail.
  part("PSU1", () => {
    svg.rect(20, 95, 140, 60, { fill: "#f4f4f4" });
    svg.lines(90, 118, ["PSU1", "12 V 2 A adapter"], { anchor: "middle", size: 12 });
  });
  svg.line([160, 125], [220, 125], WIRE.usb, 5);
  part("J1", () => {
    svg.rect(220, 95, 80, 60, { fill: "#f4f4f4" });
    svg.lines(260, 118, ["J1", "DC jack"], { anchor: "middle", size: 12 });
    svg.text(306, 104, "+", { size: 12 });
    svg.text(306, 152, "−", { size: 12 });
  });
  svg.polyline([[300, 140], [330, 140], [330, 150]], WIRE.ground);
  ground(svg, 330, 150);
  svg.lines(344, 160, ["star ground:", "all GND to J1 −"], { size: 11, fill: "#444" });
  svg.line([300, railY], [355, railY], WIRE.fused12v, 3);
  part("F1", () => {
    svg.rect(355, railY - 10, 70, 20, { fill: "#fff" });
    svg.line([355, railY], [425, railY], "#222", 1.5);
    svg.lines(390, railY - 18, ["F1 T1.6A"], { anchor: "middle", size: 12 });
  });
  svg.line([425, railY], [560, railY], WIRE.fused12v, 3);
  svg.dot(500, railY, WIRE.fused12v);
  // Bulk capacitor before S1: pressing S1 leaves no stored energy on the actuator rail.
  svg.dot(470, railY, WIRE.fused12v);
  svg.line([470, railY], [470, 196], WIRE.fused12v, 3);
  part("C3", () => capacitor(svg, [470, 196], [470, 240], true, ["C3", "470 µF", "25 V"], [436, 212], "end"));
  ground(svg, 470, 240);
  svg.text(508, 220, "+12 V fused", { size: 11, fill: WIRE.fused12v });

  part("S1", () => {
    svg.circle(560, railY, 4, { fill: "#fff" });
    svg.circle(640, railY, 4, { fill: "#fff" });
    svg.line([556, railY + 8], [644, railY + 8], "#222", 3);
    svg.line([600, railY + 8], [600, railY - 30], "#222", 2, "4 3");
    svg.path(`M 576 ${railY - 30} Q 600 ${railY - 52} 624 ${railY - 30} Z`, { fill: "#d62728", stroke: "#222", width: 1.5 });
    svg.lines(600, railY + 30, ["S1 EMERGENCY DEFLATE", "latching, NC: pressed =", "pump and valve unpowered"], { anchor: "middle", size: 11, weight: "bold" });
  });
  svg.line([644, railY], [1200, railY], WIRE.switched12v, 3);
  svg.text(1190, railY - 8, "+12 V switched (actuator rail)", { size: 11, fill: "#b35900", anchor: "end" });

  // Nano.
  const nano = { x: 420, y: 300, w: 260, h: 380 };
  part("U1", () => {
    svg.rect(nano.x, nano.y, nano.w, nano.h, { fill: "#e8f1fb", radius: 6 });
    svg.lines(nano.x + nano.w / 2, 508, ["U1", "Arduino Nano", "(ATmega328P)"], { anchor: "middle", size: 13, weight: "bold" });
    svg.lines(nano.x + nano.w / 2 - 20, 596, [`${pins.pressure}: Firmata channel that`, "carries ADS1115 AIN0;", "the pin itself stays free"], {
      anchor: "middle",
      size: 10,
      fill: "#555",
    });
  });
  pinLabel(svg, 500, nano.y, "VIN", "top");
  pinLabel(svg, nano.x, 360, "5V", "left");
  pinLabel(svg, nano.x, 400, "GND", "left");
  pinLabel(svg, nano.x, 450, "A4 SDA", "left");
  pinLabel(svg, nano.x, 490, "A5 SCL", "left");
  const sensePin = pins.emergencyButton ?? "D2";
  pinLabel(svg, nano.x + nano.w, 380, `${sensePin} button sense`, "right");
  pinLabel(svg, nano.x + nano.w, 460, `${pins.pump} pump PWM`, "right");
  pinLabel(svg, nano.x + nano.w, 560, `${pins.vent} vent PWM`, "right");
  pinLabel(svg, nano.x + nano.w, 620, "GND", "right");
  pinLabel(svg, 550, nano.y + nano.h, "USB", "bottom");
  svg.polyline([[500, railY], [500, nano.y]], WIRE.fused12v, 3);
  svg.polyline([[680, 620], [710, 620], [710, 632]], WIRE.ground);
  ground(svg, 710, 632);

  // USB to the host, leaving the enclosure.
  part("W2", () => {
    svg.polyline([[550, 680], [550, 840]], WIRE.usb, 5);
    svg.lines(560, 730, ["W2 USB cable", "Firmata 57600 baud,", "guard keep-alive"], { size: 11 });
  });
  svg.rect(450, 840, 200, 54, { fill: "#f4f4f4" });
  svg.lines(550, 862, ["host computer", "(runs the cuff firmware)"], { anchor: "middle", size: 12 });

  // ADC and sensor.
  part("U2", () => {
    svg.rect(200, 320, 140, 220, { fill: "#eef7ee", radius: 6 });
    svg.lines(270, 340, ["U2 ADS1115"], { anchor: "middle", size: 13, weight: "bold" });
    svg.lines(270, 548 + 10, ["I2C 0x48, ±4.096 V, 860 SPS,", "read every 10 ms"], { anchor: "middle", size: 10, fill: "#555" });
  });
  pinLabel(svg, 340, 360, "VDD", "right");
  pinLabel(svg, 340, 400, "GND", "right");
  pinLabel(svg, 340, 450, "SDA", "right");
  pinLabel(svg, 340, 490, "SCL", "right");
  pinLabel(svg, 340, 520, "ADDR", "right");
  pinLabel(svg, 200, 460, "AIN0", "left");
  svg.line([340, 360], [420, 360], WIRE.supply5v, 2.5);
  svg.line([340, 400], [420, 400], WIRE.ground, 2.5);
  svg.line([340, 450], [420, 450], WIRE.sda, 2.5);
  svg.line([340, 490], [420, 490], WIRE.scl, 2.5);
  svg.polyline([[340, 520], [370, 520], [370, 528]], WIRE.ground);
  ground(svg, 370, 528);
  svg.dot(380, 360, WIRE.supply5v);
  svg.polyline([[380, 360], [380, 280], [90, 280], [90, 300]], WIRE.supply5v, 2.5);
  svg.text(240, 274, "+5 V from the Nano regulator (fed from VIN)", { size: 11, fill: WIRE.supply5v, anchor: "middle" });
  svg.dot(170, 280, WIRE.supply5v);
  svg.polyline([[170, 280], [170, 420], [150, 420]], WIRE.supply5v, 2.5);
  part("C2", () => {
    capacitor(svg, [90, 300], [90, 350], false, ["C2", "100 nF"], [60, 318], "end");
  });
  ground(svg, 90, 350);

  part("PS1", () => {
    svg.rect(20, 400, 130, 120, { fill: "#fdf3e7", radius: 6 });
    svg.lines(72, 436, ["PS1", "XGZP6847A", "050KPG"], { anchor: "middle", size: 12, weight: "bold" });
    svg.lines(68, 492, ["0–375 mmHg", "0.5–4.5 V"], { anchor: "middle", size: 10, fill: "#555" });
    svg.rect(4, 470, 16, 12, { fill: "#ddd" });
    svg.lines(20, 540, ["pressure port:", "hose to tee T3"], { size: 11, fill: "#444" });
  });
  pinLabel(svg, 150, 420, "VS", "right");
  pinLabel(svg, 150, 460, "OUT", "right");
  pinLabel(svg, 150, 500, "GND", "right");
  svg.line([150, 460], [200, 460], WIRE.sensor, 2.5);
  svg.polyline([[150, 500], [175, 500], [175, 510]], WIRE.ground);
  ground(svg, 175, 510);

  // The second sensor: its own wire from the Nano's 5V pin, its own tee, the Nano's own ADC on its analog pin.
  const secondPin = pins.secondaryPressure;
  if (secondPin !== undefined) {
    part("PS2", () => {
      svg.rect(20, 600, 130, 120, { fill: "#fdf3e7", radius: 6 });
      svg.lines(72, 628, ["PS2", "MPX5050GP"], { anchor: "middle", size: 12, weight: "bold" });
      svg.lines(68, 686, ["0–375 mmHg", "0.2–4.7 V"], { anchor: "middle", size: 10, fill: "#555" });
      svg.rect(4, 664, 16, 12, { fill: "#ddd" });
      svg.lines(20, 740, ["pressure port:", "hose to tee T4"], { size: 11, fill: "#444" });
    });
    pinLabel(svg, 150, 620, "VS", "right");
    pinLabel(svg, 150, 660, "OUT", "right");
    pinLabel(svg, 150, 700, "GND", "right");
    svg.dot(395, 360, WIRE.supply5v);
    svg.polyline([[395, 360], [395, 590], [190, 590], [190, 620], [150, 620]], WIRE.supply5v, 2.5);
    svg.lines(292, 584, ["own +5 V wire to the 5V pin"], { anchor: "middle", size: 10, fill: WIRE.supply5v });
    svg.dot(230, 590, WIRE.supply5v);
    part("C5", () => capacitor(svg, [230, 590], [230, 625], false, ["C5 100 nF"], [252, 612]));
    ground(svg, 230, 625);
    svg.line([150, 660], [250, 660], WIRE.sensor, 2.5);
    part("R7", () => resistor(svg, [250, 660], [330, 660], ["R7 4.7 kΩ"], [262, 646]));
    svg.line([330, 660], [370, 660], WIRE.sensor, 2.5);
    svg.dot(370, 660, WIRE.sensor);
    part("C4", () => capacitor(svg, [370, 660], [370, 700], false, ["C4", "100 nF"], [348, 676], "end"));
    ground(svg, 370, 700);
    svg.polyline([[370, 660], [385, 660], [385, 640], [420, 640]], WIRE.sensor, 2.5);
    pinLabel(svg, nano.x, 640, `${secondPin} second sensor`, "left");
    svg.polyline([[150, 700], [175, 700], [175, 710]], WIRE.ground);
    ground(svg, 175, 710);
  }

  // Emergency-button sense divider on the switched rail.
  const divX = 720;
  svg.dot(divX, railY, WIRE.switched12v);
  part("R5", () => resistor(svg, [divX, railY], [divX, 250], ["R5", "10 kΩ"], [divX + 14, 176]));
  svg.dot(divX, 270, WIRE.sense);
  svg.line([divX, 250], [divX, 270]);
  part("R6", () => resistor(svg, [divX, 270], [divX, 360], ["R6", "4.7 kΩ"], [divX + 14, 312]));
  ground(svg, divX, 360);
  svg.polyline([[divX, 270], [700, 270], [700, 380], [680, 380]], WIRE.sense, 2.5);
  svg.lines(694, 254, ["3.8 V = rail live,", "0 V = button pressed"], { size: 10, fill: "#a0306e", anchor: "end" });

  // Pump stage.
  const pumpX = 900;
  svg.dot(pumpX, railY, WIRE.switched12v);
  svg.line([pumpX, railY], [pumpX, 192], WIRE.switched12v, 3);
  svg.dot(pumpX, 160, WIRE.switched12v);
  part("M1", () => {
    svg.circle(pumpX, 220, 28, { fill: "#fff" });
    svg.text(pumpX, 226, "M", { size: 18, anchor: "middle", weight: "bold" });
    svg.text(pumpX + 12, 320, "M1 pump, 12 V", { size: 12, weight: "bold" });
  });
  svg.line([pumpX, 248], [pumpX, 360]);
  svg.dot(pumpX, 290);
  part("C1", () => {
    svg.polyline([[pumpX, 160], [840, 160], [840, 200]]);
    capacitor(svg, [840, 200], [840, 250], false, ["C1", "100 nF"], [818, 212], "end");
    svg.polyline([[840, 250], [840, 290], [pumpX, 290]]);
  });
  part("CR1", () => {
    svg.polyline([[pumpX, 160], [990, 160], [990, 200]]);
    diodeCathodeUp(svg, [990, 200], [990, 250], ["CR1", "1N5819"], [1002, 222]);
    svg.polyline([[990, 250], [990, 290], [pumpX, 290]]);
  });
  part("Q1", () => nMosfet(svg, [pumpX, 360], [860, 400], [pumpX, 440], ["Q1", "IRLZ44N"]));
  ground(svg, pumpX, 440);
  svg.polyline([[680, 460], [750, 460], [750, 400], [760, 400]], WIRE.gate, 2.5);
  part("R1", () => resistor(svg, [760, 400], [830, 400], ["R1 220 Ω"], [766, 384], "start"));
  svg.line([830, 400], [860, 400], WIRE.gate, 2.5);
  svg.dot(840, 400, WIRE.gate);
  part("R3", () => resistor(svg, [840, 400], [840, 490], ["R3", "10 kΩ"], [826, 440], "end"));
  ground(svg, 840, 490);

  // Vent valve stage.
  const ventX = 1200;
  svg.line([ventX, railY], [ventX, 190], WIRE.switched12v, 3);
  svg.dot(ventX, 160, WIRE.switched12v);
  part("Y1", () => {
    svg.rect(ventX - 20, 190, 40, 60, { fill: "#fff" });
    svg.line([ventX - 20, 250], [ventX + 20, 190], "#222", 1.5);
    svg.lines(ventX + 12, 320, ["Y1 vent valve", "normally open:", "powered = closed"], { size: 12, weight: "bold" });
  });
  svg.line([ventX, 250], [ventX, 520]);
  svg.dot(ventX, 290);
  part("CR2", () => {
    svg.polyline([[ventX, 160], [1290, 160], [1290, 200]]);
    diodeCathodeUp(svg, [1290, 200], [1290, 250], ["CR2", "1N5819"], [1302, 222]);
    svg.polyline([[1290, 250], [1290, 290], [ventX, 290]]);
  });
  part("Q2", () => nMosfet(svg, [ventX, 520], [1160, 560], [ventX, 600], ["Q2", "IRLZ44N"]));
  ground(svg, ventX, 600);
  svg.polyline([[680, 560], [1050, 560]], WIRE.gate, 2.5);
  part("R2", () => resistor(svg, [1050, 560], [1120, 560], ["R2 220 Ω"], [1056, 544], "start"));
  svg.line([1120, 560], [1160, 560], WIRE.gate, 2.5);
  svg.dot(1140, 560, WIRE.gate);
  part("R4", () => resistor(svg, [1140, 560], [1140, 650], ["R4", "10 kΩ"], [1126, 600], "end"));
  ground(svg, 1140, 650);


  // Assembly notes and legend, below the enclosure.
  part("PCB1", () => {
    svg.rect(690, 698, 690, 64, { fill: "#fafafa", stroke: "#aaa", width: 1, radius: 6 });
    svg.lines(700, 716, [
      "PCB1 perfboard carries U2, PS2, Q1, Q2, R1–R7, CR1, CR2, C1–C5; M1, Y1, S1, J1, F1 and PS1 connect to it by wire.",
      "IRLZ44N pins, front view: G D S. Diode stripe (cathode) to +12 V. R3/R4 hold the gates low while the Nano boots",
      "or is unplugged, so the pump stays off and the vent stays open. S1 and F1 carry the full actuator current.",
    ], { size: 11 });
  });
  part("W1", () => {
    svg.text(24, 930, "W1 hook-up wire colours:", { size: 12, weight: "bold" });
    legendSwatch(svg, 24, 954, WIRE.fused12v, "+12 V fused (red)");
    legendSwatch(svg, 24, 976, WIRE.switched12v, "+12 V switched by S1 (orange)");
    legendSwatch(svg, 24, 998, WIRE.supply5v, "+5 V sensor and ADC supply");
    legendSwatch(svg, 280, 954, WIRE.ground, "ground (black)");
    legendSwatch(svg, 280, 976, WIRE.gate, "MOSFET gate drive (PWM)");
    legendSwatch(svg, 280, 998, WIRE.sensor, "sensor output (analog)");
    legendSwatch(svg, 680, 954, WIRE.sda, "I2C SDA");
    legendSwatch(svg, 680, 976, WIRE.scl, "I2C SCL");
    legendSwatch(svg, 680, 998, WIRE.sense, "button sense");
    legendSwatch(svg, 900, 954, WIRE.usb, "adapter cable / USB");
  });
  svg.lines(900, 976, ["• junction (wires joined); crossing without a dot = not joined"], { size: 12 });

  // The option: a pulse sensor on the cuffed limb's fingertip or toe, on the same I2C bus.
  part("U10", () => {
    svg.rect(1100, 800, 280, 96, { fill: "#f7f0fb", dash: "6 4", radius: 6 });
    svg.lines(1112, 820, [
      "U10 option: MAX30102 finger clip",
      "I2C 0x57 on the U2 bus: SDA to A4, SCL to A5,",
      "VIN to +5 V, GND; 1 m cable, bus at 100 kHz;",
      "pull-ups to 3.3 V, not 1.8 V (hardware/README.md)",
    ], { size: 11 });
  });

  // The option of box mode: a small Linux computer in the box is the USB host of the Nano.
  part("U11", () => {
    svg.rect(790, 800, 290, 96, { fill: "#eef6ff", dash: "6 4", radius: 6 });
    svg.lines(802, 820, [
      "U11 option (box mode): Raspberry Pi Zero 2 W",
      "on the Nano's USB in place of a laptop;",
      "runs cuff app --board, serves the app on Wi-Fi;",
      "5 V from its own USB supply (hardware/box/)",
    ], { size: 11 });
  });

  const missing = bom.parts.filter((p) => (p.category === "electronics" || p.category === "power" || p.category === "assembly") && !placed.has(p.id));
  if (missing.length > 0) throw new Error(`wiring diagram lacks BOM parts: ${missing.map((p) => p.id).join(", ")}`);
  return svg.toString();
}
