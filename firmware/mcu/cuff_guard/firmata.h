/*
 * The Firmata 2.6 subset that firmata.js and johnny-five use: an incremental
 * parser that hands complete messages to the handlers below (implemented by
 * the sketch), and the encoders for what the board sends.
 */
#ifndef CUFF_FIRMATA_H
#define CUFF_FIRMATA_H

#include <stdint.h>

#define FIRMATA_DIGITAL_MESSAGE 0x90
#define FIRMATA_REPORT_ANALOG 0xC0
#define FIRMATA_REPORT_DIGITAL 0xD0
#define FIRMATA_ANALOG_MESSAGE 0xE0
#define FIRMATA_START_SYSEX 0xF0
#define FIRMATA_SET_PIN_MODE 0xF4
#define FIRMATA_SET_DIGITAL_PIN_VALUE 0xF5
#define FIRMATA_END_SYSEX 0xF7
#define FIRMATA_REPORT_VERSION 0xF9
#define FIRMATA_SYSTEM_RESET 0xFF

#define SYSEX_ANALOG_MAPPING_QUERY 0x69
#define SYSEX_ANALOG_MAPPING_RESPONSE 0x6A
#define SYSEX_CAPABILITY_QUERY 0x6B
#define SYSEX_CAPABILITY_RESPONSE 0x6C
#define SYSEX_PIN_STATE_QUERY 0x6D
#define SYSEX_PIN_STATE_RESPONSE 0x6E
#define SYSEX_EXTENDED_ANALOG 0x6F
#define SYSEX_QUERY_FIRMWARE 0x79
#define SYSEX_SAMPLING_INTERVAL 0x7A
#define SYSEX_I2C_REQUEST 0x76
#define SYSEX_I2C_REPLY 0x77
#define SYSEX_I2C_CONFIG 0x78

#define MODE_INPUT 0x00
#define MODE_OUTPUT 0x01
#define MODE_ANALOG 0x02
#define MODE_PWM 0x03
#define MODE_PULLUP 0x0B

/* StandardFirmata's MAX_DATA_BYTES: a longer sysex is dropped whole. */
#define FIRMATA_MAX_SYSEX 64

void firmata_reset_parser(void);
void firmata_feed(uint8_t byte);

/* Handlers, called from firmata_feed. */
void on_report_version(void);
void on_system_reset(void);
void on_digital_port(uint8_t port, uint16_t value);
void on_analog_write(uint8_t pin, uint16_t value);
void on_report_analog(uint8_t channel, uint8_t enable);
void on_report_digital(uint8_t port, uint8_t enable);
void on_pin_mode(uint8_t pin, uint8_t mode);
void on_digital_pin(uint8_t pin, uint8_t value);
void on_sysex(uint8_t id, const uint8_t *data, uint8_t len);

void firmata_send_version(void);
void firmata_send_firmware(void);
void firmata_send_analog(uint8_t channel, uint16_t value);
void firmata_send_port(uint8_t port, uint16_t value);
void firmata_send_sysex(uint8_t id, const uint8_t *data, uint8_t len);

#endif
