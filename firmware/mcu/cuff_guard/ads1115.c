#include "ads1115.h"
#include "config.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/twi.h>

/* OS=0, MUX=100 (AIN0 vs GND), PGA=001 (+-4.096 V), MODE=0 (continuous), DR=111 (860 SPS), comparator off. */
#define CONFIG_MSB 0x42
#define CONFIG_LSB 0xE3
static const uint8_t set_config[] = {0x01, CONFIG_MSB, CONFIG_LSB};
static const uint8_t point_at_config[] = {0x01};
/* Leave the pointer on the conversion register so that each read is a bare 2-byte read. */
static const uint8_t point_at_conversion[] = {0x00};

#define SLA_W (ADS1115_ADDRESS << 1)
#define SLA_R ((ADS1115_ADDRESS << 1) | 1)
#define TWI_GO (_BV(TWINT) | _BV(TWEN) | _BV(TWIE))
/* A transaction takes ~0.1 ms at 400 kHz; one still running after this is abandoned. */
#define TRANSACTION_TIMEOUT_MS 3
#define RETRY_MS 10
/*
 * A chip that browned out and reset comes back in single-shot power-down and reads 0
 * forever, without a bus error; reading its configuration back catches that.
 */
#define CONFIG_CHECK_MS 100

enum { TWI_IDLE, TWI_BUSY, TWI_DONE, TWI_FAILED };
static volatile uint8_t twi_state;
static uint8_t twi_sla;
static const uint8_t *twi_tx;
static uint8_t twi_tx_len, twi_tx_pos;
static volatile uint8_t twi_rx[2];
static uint8_t twi_rx_len, twi_rx_pos;

static void twi_finish(uint8_t result) {
  TWCR = _BV(TWINT) | _BV(TWEN) | _BV(TWSTO);
  twi_state = result;
}

ISR(TWI_vect) {
  switch (TW_STATUS) {
    case TW_START:
    case TW_REP_START:
      TWDR = twi_sla;
      TWCR = TWI_GO;
      break;
    case TW_MT_SLA_ACK:
    case TW_MT_DATA_ACK:
      if (twi_tx_pos < twi_tx_len) {
        TWDR = twi_tx[twi_tx_pos++];
        TWCR = TWI_GO;
      } else {
        twi_finish(TWI_DONE);
      }
      break;
    case TW_MR_SLA_ACK:
      TWCR = TWI_GO | (twi_rx_len > 1 ? _BV(TWEA) : 0);
      break;
    case TW_MR_DATA_ACK:
      twi_rx[twi_rx_pos++] = TWDR;
      TWCR = TWI_GO | (twi_rx_pos + 1 < twi_rx_len ? _BV(TWEA) : 0);
      break;
    case TW_MR_DATA_NACK:
      twi_rx[twi_rx_pos++] = TWDR;
      twi_finish(TWI_DONE);
      break;
    default: /* not acknowledged, arbitration lost, bus error */
      twi_finish(TWI_FAILED);
      break;
  }
}

static void twi_begin(uint8_t sla, const uint8_t *tx, uint8_t tx_len, uint8_t rx_len) {
  twi_sla = sla;
  twi_tx = tx;
  twi_tx_len = tx_len;
  twi_tx_pos = 0;
  twi_rx_len = rx_len;
  twi_rx_pos = 0;
  twi_state = TWI_BUSY;
  /* A START must wait for the previous STOP to leave the bus (2.5 us at 400 kHz). */
  for (uint8_t spin = 0; spin < 100 && (TWCR & _BV(TWSTO)); spin++) {
  }
  TWCR = TWI_GO | _BV(TWSTA);
}

static void twi_abort(void) {
  TWCR = 0; /* releases the bus lines; the next transaction starts from scratch */
  TWCR = _BV(TWEN);
  twi_state = TWI_IDLE;
}

enum { ADS_UNCONFIGURED, ADS_CONFIGURING, ADS_POINTING, ADS_READING, ADS_CHECK_POINTING, ADS_CHECKING };
static uint8_t ads_state;
static uint32_t started_ms, retry_ms, check_ms;

void ads1115_init(void) {
  TWSR = 0; /* prescaler 1 */
  TWBR = (uint8_t)((F_CPU / 400000UL - 16) / 2);
  TWCR = _BV(TWEN);
  ads_state = ADS_UNCONFIGURED;
}

static void begin(uint8_t state, uint32_t now_ms, uint8_t sla, const uint8_t *tx, uint8_t tx_len, uint8_t rx_len) {
  ads_state = state;
  started_ms = now_ms;
  twi_begin(sla, tx, tx_len, rx_len);
}

bool ads1115_tick(uint32_t now_ms, int16_t *code) {
  uint8_t result = twi_state;
  if (result == TWI_BUSY) {
    if ((uint32_t)(now_ms - started_ms) < TRANSACTION_TIMEOUT_MS) return false;
    twi_abort();
    result = TWI_FAILED;
  }
  if (result == TWI_FAILED) {
    twi_state = TWI_IDLE;
    ads_state = ADS_UNCONFIGURED;
    retry_ms = now_ms + RETRY_MS;
    return false;
  }
  if (result == TWI_DONE) {
    twi_state = TWI_IDLE;
    switch (ads_state) {
      case ADS_CHECK_POINTING:
        begin(ADS_CHECKING, now_ms, SLA_R, 0, 0, 2);
        return false;
      case ADS_CHECKING:
        /* Bit 15 (OS) reads back as conversion status, not as written. */
        if ((twi_rx[0] & 0x7F) == CONFIG_MSB && twi_rx[1] == CONFIG_LSB) {
          begin(ADS_POINTING, now_ms, SLA_W, point_at_conversion, sizeof point_at_conversion, 0);
        } else {
          begin(ADS_CONFIGURING, now_ms, SLA_W, set_config, sizeof set_config, 0);
        }
        return false;
      case ADS_CONFIGURING:
        begin(ADS_POINTING, now_ms, SLA_W, point_at_conversion, sizeof point_at_conversion, 0);
        return false;
      default:
        break;
    }
    bool fresh = ads_state == ADS_READING;
    if (fresh) *code = (int16_t)(((uint16_t)twi_rx[0] << 8) | twi_rx[1]);
    if ((int32_t)(now_ms - check_ms) >= 0) {
      check_ms = now_ms + CONFIG_CHECK_MS;
      begin(ADS_CHECK_POINTING, now_ms, SLA_W, point_at_config, sizeof point_at_config, 0);
    } else {
      begin(ADS_READING, now_ms, SLA_R, 0, 0, 2);
    }
    return fresh;
  }
  if (ads_state == ADS_UNCONFIGURED && (int32_t)(now_ms - retry_ms) >= 0) {
    begin(ADS_CONFIGURING, now_ms, SLA_W, set_config, sizeof set_config, 0);
  }
  return false;
}
