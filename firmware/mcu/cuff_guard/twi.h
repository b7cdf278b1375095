/*
 * The ATmega328P's TWI (I2C) master at 400 kHz, interrupt-driven and non-blocking,
 * shared by the pressure ADC (ads1115.c) and the host's I2C requests (i2c_bridge.c).
 * One transaction at a time: a write of up to tx_len bytes, then (repeated start)
 * a read of rx_len bytes. Each transaction belongs to an owner; an owner sees only
 * its own transaction's result.
 */
#ifndef CUFF_TWI_H
#define CUFF_TWI_H

#include <stdbool.h>
#include <stdint.h>

enum { TWI_IDLE, TWI_BUSY, TWI_DONE, TWI_FAILED };
enum { TWI_OWNER_ADS1115 = 1, TWI_OWNER_BRIDGE = 2 };

void twi_init(void);
/* False (nothing started) while another transaction is under way. */
bool twi_begin(uint8_t owner, uint8_t address, const uint8_t *tx, uint8_t tx_len, uint8_t *rx, uint8_t rx_len);
/* TWI_BUSY, TWI_DONE or TWI_FAILED for the owner's transaction; TWI_IDLE if it has none. */
uint8_t twi_result(uint8_t owner);
/* The owner has taken its result: the bus is free. */
void twi_release(uint8_t owner);
/* Give up the owner's transaction (it ran too long): the bus lines are released. */
void twi_abort(uint8_t owner);

#endif
