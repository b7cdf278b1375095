#include "ads1115.h"
#include "config.h"

#include "twi.h"

/* OS=0, MUX=100 (AIN0 vs GND), PGA=001 (+-4.096 V), MODE=0 (continuous), DR=111 (860 SPS), comparator off. */
#define CONFIG_MSB 0x42
#define CONFIG_LSB 0xE3
static const uint8_t set_config[] = {0x01, CONFIG_MSB, CONFIG_LSB};
static const uint8_t point_at_config[] = {0x01};
/* Leave the pointer on the conversion register so that each read is a bare 2-byte read. */
static const uint8_t point_at_conversion[] = {0x00};

/* A transaction takes ~0.1 ms at 400 kHz; one still running after this is abandoned. */
#define TRANSACTION_TIMEOUT_MS 3
#define RETRY_MS 10
/*
 * A chip that browned out and reset comes back in single-shot power-down and reads 0
 * forever, without a bus error; reading its configuration back catches that.
 */
#define CONFIG_CHECK_MS 100

static uint8_t rx[2];

enum { ADS_UNCONFIGURED, ADS_CONFIGURING, ADS_POINTING, ADS_READING, ADS_CHECK_POINTING, ADS_CHECKING };
static uint8_t ads_state;
static uint32_t started_ms, retry_ms, check_ms;

void ads1115_init(void) {
  twi_init();
  ads_state = ADS_UNCONFIGURED;
}

/* The next step of the sequence, now or (the bus lent to the host) on a later tick. */
static uint8_t next_state;
static const uint8_t *next_tx;
static uint8_t next_tx_len, next_rx_len;
static bool next_waiting;

static void begin(uint8_t state, const uint8_t *tx, uint8_t tx_len, uint8_t rx_len) {
  next_state = state;
  next_tx = tx;
  next_tx_len = tx_len;
  next_rx_len = rx_len;
  next_waiting = true;
}

static void start_waiting(uint32_t now_ms, bool may_start) {
  if (!next_waiting || !may_start) return;
  if (!twi_begin(TWI_OWNER_ADS1115, ADS1115_ADDRESS, next_tx, next_tx_len, rx, next_rx_len)) return;
  next_waiting = false;
  ads_state = next_state;
  started_ms = now_ms;
}

static bool ads1115_step(uint32_t now_ms, int16_t *code) {
  uint8_t result = twi_result(TWI_OWNER_ADS1115);
  if (result == TWI_BUSY) {
    if ((uint32_t)(now_ms - started_ms) < TRANSACTION_TIMEOUT_MS) return false;
    twi_abort(TWI_OWNER_ADS1115);
    result = TWI_FAILED;
  }
  if (result == TWI_FAILED) {
    twi_release(TWI_OWNER_ADS1115);
    ads_state = ADS_UNCONFIGURED;
    next_waiting = false;
    retry_ms = now_ms + RETRY_MS;
    return false;
  }
  if (result == TWI_DONE) {
    twi_release(TWI_OWNER_ADS1115);
    switch (ads_state) {
      case ADS_CHECK_POINTING:
        begin(ADS_CHECKING, 0, 0, 2);
        return false;
      case ADS_CHECKING:
        /* Bit 15 (OS) reads back as conversion status, not as written. */
        if ((rx[0] & 0x7F) == CONFIG_MSB && rx[1] == CONFIG_LSB) {
          begin(ADS_POINTING, point_at_conversion, sizeof point_at_conversion, 0);
        } else {
          begin(ADS_CONFIGURING, set_config, sizeof set_config, 0);
        }
        return false;
      case ADS_CONFIGURING:
        begin(ADS_POINTING, point_at_conversion, sizeof point_at_conversion, 0);
        return false;
      default:
        break;
    }
    bool fresh = ads_state == ADS_READING;
    if (fresh) *code = (int16_t)(((uint16_t)rx[0] << 8) | rx[1]);
    if ((int32_t)(now_ms - check_ms) >= 0) {
      check_ms = now_ms + CONFIG_CHECK_MS;
      begin(ADS_CHECK_POINTING, point_at_config, sizeof point_at_config, 0);
    } else {
      begin(ADS_READING, 0, 0, 2);
    }
    return fresh;
  }
  if (ads_state == ADS_UNCONFIGURED && !next_waiting && (int32_t)(now_ms - retry_ms) >= 0) {
    begin(ADS_CONFIGURING, set_config, sizeof set_config, 0);
  }
  return false;
}

bool ads1115_tick(uint32_t now_ms, int16_t *code, bool may_start) {
  bool fresh = ads1115_step(now_ms, code);
  start_waiting(now_ms, may_start);
  return fresh;
}
