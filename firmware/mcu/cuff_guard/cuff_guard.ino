/*
 * cuff_guard - Firmata-compatible sketch with the cuff guard (keep-alive
 * deadline, overpressure trip on either pressure sensor, safe outputs at boot)
 * for the reference board: Arduino Nano / Uno (ATmega328P, 16 MHz), pump PWM on
 * D5, normally-open vent valve on D9, emergency button on D2, ADS1115 on A4/A5
 * reported as A0, the second sensor (MPX5050GP) on A1 through the ATmega's ADC.
 *
 * The sketch is plain C in the .c files of this folder, with its own main():
 * the Arduino IDE compiles and links them as they are (none of the Arduino
 * core is used, so its timers and serial driver stay out of the image).
 * From the command line: `make -C firmware/mcu` (see firmware/mcu/README.md).
 */
