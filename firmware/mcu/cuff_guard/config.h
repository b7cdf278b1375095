/*
 * Build-time configuration of the reference board: hardware/profiles/reference-nano.json
 * and the guard limits of shared/guard.ts. tests/mcu checks the built image against them.
 */
#ifndef CUFF_CONFIG_H
#define CUFF_CONFIG_H

#define FIRMWARE_NAME "cuff_guard"
#define FIRMWARE_MAJOR 1
#define FIRMWARE_MINOR 0
#define FIRMATA_MAJOR 2
#define FIRMATA_MINOR 6

#define SERIAL_BAUD 57600UL

/* Firmata pin numbers (D0..D13 = 0..13, A0 = 14). */
#define PIN_PUMP 5    /* PD5 / OC0B, PWM to the pump MOSFET */
#define PIN_VENT 9    /* PB1 / OC1A, PWM to the vent valve MOSFET; valve powered = closed */
#define PIN_BUTTON 2  /* PD2, reads the emergency-deflate button (the button itself cuts power) */
#define PIN_PRESSURE 14 /* A0: the channel the ADS1115 reading is reported on */
#define PRESSURE_CHANNEL 0
#define PIN_PRESSURE2 15 /* A1: the second sensor (MPX5050GP), read by the ATmega's own ADC */
#define PRESSURE2_CHANNEL 1
#define TOTAL_PINS 20

/* Both MOSFETs conduct with the pin high; "safe" = both actuators unpowered. */
#define PUMP_ACTIVE_HIGH 1
#define VENT_ACTIVE_HIGH 1
#define PUMP_SAFE_LEVEL (PUMP_ACTIVE_HIGH ? 0 : 255)
#define VENT_SAFE_LEVEL (VENT_ACTIVE_HIGH ? 0 : 255)

/* Pressure samples: ADS1115 AIN0 at +-4.096 V, 15-bit positive range reported as 14 bits. */
#define ADS1115_ADDRESS 0x48
#define PRESSURE_BITS 14
#define SAMPLE_PERIOD_MS 10        /* profile sensor.sampleHz = 100: the guard checks every sample */

/*
 * The second sensor: the ATmega's 10-bit ADC against AVCC (the sensor is ratiometric to the same
 * 5 V), one conversion every millisecond. The guard judges the mean of the last PRESSURE2_GUARD_READS
 * conversions every millisecond; the host receives the mean of each 10 ms window.
 */
#define PRESSURE2_BITS 10
#define PRESSURE2_GUARD_READS 4

/*
 * The distal pulse sensor (MAX30102) on the same I2C bus: the only device the host's
 * Firmata I2C requests may reach (hardware/profiles: distalPulseSensor.i2cAddress).
 * A read returns at most I2C_READ_MAX bytes (ten 3-byte samples).
 */
#define DISTAL_PULSE_ADDRESS 0x57
#define I2C_READ_MAX 30

/* shared/guard.ts */
#define GUARD_SYSEX 0x0C
#define GUARD_DEFAULT_DEADLINE_MS 500
#define GUARD_MIN_DEADLINE_MS 50
#define GUARD_MAX_DEADLINE_MS 2000
/* GUARD_MAX_TRIP_MMHG (330) through the profile's sensor: mmhgToCounts(profile, 330). */
#define GUARD_MAX_TRIP_COUNTS 16079
/* The same through the second sensor: secondaryMmhgToCounts(profile, 330). */
#define GUARD_MAX_TRIP_COUNTS2 851
#define GUARD_TRIP_COUNT_MAX 127

#endif
