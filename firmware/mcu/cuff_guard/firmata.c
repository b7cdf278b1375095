#include "firmata.h"
#include "config.h"
#include "hw.h"

#include <stdbool.h>

static uint8_t command;     /* status byte of the message being collected, 0 if none */
static uint8_t needed;      /* data bytes it takes */
static uint8_t data[FIRMATA_MAX_SYSEX];
static uint8_t count;
static bool in_sysex;
static bool sysex_overflow;

void firmata_reset_parser(void) {
  command = 0;
  needed = 0;
  count = 0;
  in_sysex = false;
  sysex_overflow = false;
}

static uint8_t data_length(uint8_t status) {
  if (status >= 0x90 && status <= 0x9F) return 2;
  if (status >= 0xC0 && status <= 0xDF) return 1;
  if (status >= 0xE0 && status <= 0xEF) return 2;
  if (status == FIRMATA_SET_PIN_MODE || status == FIRMATA_SET_DIGITAL_PIN_VALUE) return 2;
  if (status == FIRMATA_REPORT_VERSION || status == FIRMATA_SYSTEM_RESET) return 0;
  return 0xFF;
}

static void dispatch(void) {
  uint8_t status = command;
  uint8_t a = data[0], b = data[1];
  firmata_reset_parser();
  switch (status) {
    case FIRMATA_REPORT_VERSION: on_report_version(); return;
    case FIRMATA_SYSTEM_RESET: on_system_reset(); return;
    case FIRMATA_SET_PIN_MODE: on_pin_mode(a, b); return;
    case FIRMATA_SET_DIGITAL_PIN_VALUE: on_digital_pin(a, b); return;
    default: break;
  }
  uint8_t low = status & 0x0F;
  switch (status & 0xF0) {
    case FIRMATA_DIGITAL_MESSAGE: on_digital_port(low, (uint16_t)(a | ((uint16_t)b << 7))); break;
    case FIRMATA_ANALOG_MESSAGE: on_analog_write(low, (uint16_t)(a | ((uint16_t)b << 7))); break;
    case FIRMATA_REPORT_ANALOG: on_report_analog(low, a); break;
    case FIRMATA_REPORT_DIGITAL: on_report_digital(low, a); break;
    default: break;
  }
}

/* A status byte always starts a new message: a truncated one is dropped, never completed by the next. */
void firmata_feed(uint8_t byte) {
  if (byte & 0x80) {
    if (in_sysex && byte == FIRMATA_END_SYSEX) {
      bool usable = !sysex_overflow && count > 0;
      uint8_t len = count;
      firmata_reset_parser();
      if (usable) on_sysex(data[0], data + 1, (uint8_t)(len - 1));
      return;
    }
    firmata_reset_parser();
    if (byte == FIRMATA_START_SYSEX) {
      in_sysex = true;
      return;
    }
    uint8_t length = data_length(byte);
    if (length == 0xFF) return;
    command = byte;
    needed = length;
    if (needed == 0) dispatch();
    return;
  }
  if (in_sysex) {
    if (count < FIRMATA_MAX_SYSEX) data[count++] = byte;
    else sysex_overflow = true;
    return;
  }
  if (!command) return;
  data[count++] = byte;
  if (count == needed) dispatch();
}

void firmata_send_version(void) {
  hw_tx_byte(FIRMATA_REPORT_VERSION);
  hw_tx_byte(FIRMATA_MAJOR);
  hw_tx_byte(FIRMATA_MINOR);
}

void firmata_send_firmware(void) {
  static const char name[] = FIRMWARE_NAME;
  hw_tx_byte(FIRMATA_START_SYSEX);
  hw_tx_byte(SYSEX_QUERY_FIRMWARE);
  hw_tx_byte(FIRMWARE_MAJOR);
  hw_tx_byte(FIRMWARE_MINOR);
  for (uint8_t i = 0; i < sizeof name - 1; i++) {
    hw_tx_byte((uint8_t)(name[i] & 0x7F));
    hw_tx_byte((uint8_t)((name[i] >> 7) & 0x7F));
  }
  hw_tx_byte(FIRMATA_END_SYSEX);
}

void firmata_send_analog(uint8_t channel, uint16_t value) {
  hw_tx_byte((uint8_t)(FIRMATA_ANALOG_MESSAGE | (channel & 0x0F)));
  hw_tx_byte((uint8_t)(value & 0x7F));
  hw_tx_byte((uint8_t)((value >> 7) & 0x7F));
}

void firmata_send_port(uint8_t port, uint16_t value) {
  hw_tx_byte((uint8_t)(FIRMATA_DIGITAL_MESSAGE | (port & 0x0F)));
  hw_tx_byte((uint8_t)(value & 0x7F));
  hw_tx_byte((uint8_t)((value >> 7) & 0x7F));
}

void firmata_send_sysex(uint8_t id, const uint8_t *bytes, uint8_t len) {
  hw_tx_byte(FIRMATA_START_SYSEX);
  hw_tx_byte(id & 0x7F);
  for (uint8_t i = 0; i < len; i++) hw_tx_byte(bytes[i] & 0x7F);
  hw_tx_byte(FIRMATA_END_SYSEX);
}
