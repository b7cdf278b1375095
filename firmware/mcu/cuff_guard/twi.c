#include "twi.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/twi.h>

#define TWI_GO (_BV(TWINT) | _BV(TWEN) | _BV(TWIE))

static volatile uint8_t state = TWI_IDLE;
static uint8_t owner_now;
static uint8_t sla_write, sla_read;
static const uint8_t *tx_bytes;
static uint8_t tx_count, tx_pos;
static uint8_t *rx_bytes;
static uint8_t rx_count, rx_pos;

void twi_init(void) {
  TWSR = 0; /* prescaler 1 */
  TWBR = (uint8_t)((F_CPU / 400000UL - 16) / 2);
  TWCR = _BV(TWEN);
  state = TWI_IDLE;
}

static void finish(uint8_t result) {
  TWCR = _BV(TWINT) | _BV(TWEN) | _BV(TWSTO);
  state = result;
}

ISR(TWI_vect) {
  switch (TW_STATUS) {
    case TW_START:
      TWDR = tx_count ? sla_write : sla_read;
      TWCR = TWI_GO;
      break;
    case TW_REP_START:
      TWDR = sla_read;
      TWCR = TWI_GO;
      break;
    case TW_MT_SLA_ACK:
    case TW_MT_DATA_ACK:
      if (tx_pos < tx_count) {
        TWDR = tx_bytes[tx_pos++];
        TWCR = TWI_GO;
      } else if (rx_count) {
        TWCR = TWI_GO | _BV(TWSTA); /* repeated start for the read */
      } else {
        finish(TWI_DONE);
      }
      break;
    case TW_MR_SLA_ACK:
      TWCR = TWI_GO | (rx_count > 1 ? _BV(TWEA) : 0);
      break;
    case TW_MR_DATA_ACK:
      rx_bytes[rx_pos++] = TWDR;
      TWCR = TWI_GO | (rx_pos + 1 < rx_count ? _BV(TWEA) : 0);
      break;
    case TW_MR_DATA_NACK:
      rx_bytes[rx_pos++] = TWDR;
      finish(TWI_DONE);
      break;
    default: /* not acknowledged, arbitration lost, bus error */
      finish(TWI_FAILED);
      break;
  }
}

bool twi_begin(uint8_t owner, uint8_t address, const uint8_t *tx, uint8_t tx_len, uint8_t *rx, uint8_t rx_len) {
  if (state != TWI_IDLE) return false;
  owner_now = owner;
  sla_write = (uint8_t)(address << 1);
  sla_read = (uint8_t)((address << 1) | 1);
  tx_bytes = tx;
  tx_count = tx_len;
  tx_pos = 0;
  rx_bytes = rx;
  rx_count = rx_len;
  rx_pos = 0;
  state = TWI_BUSY;
  /* A START must wait for the previous STOP to leave the bus (2.5 us at 400 kHz). */
  for (uint8_t spin = 0; spin < 100 && (TWCR & _BV(TWSTO)); spin++) {
  }
  TWCR = TWI_GO | _BV(TWSTA);
  return true;
}

uint8_t twi_result(uint8_t owner) { return owner == owner_now ? state : TWI_IDLE; }

void twi_release(uint8_t owner) {
  if (owner == owner_now && (state == TWI_DONE || state == TWI_FAILED)) state = TWI_IDLE;
}

void twi_abort(uint8_t owner) {
  if (owner != owner_now) return;
  TWCR = 0; /* releases the bus lines; the next transaction starts from scratch */
  TWCR = _BV(TWEN);
  state = TWI_IDLE;
}
