/*
 * The ADS1115 16-bit I2C ADC on A4/A5, converting AIN0 continuously at 860 SPS.
 * Interrupt-driven and non-blocking (twi.c): each tick collects the read started on
 * the previous tick and starts the next, so a dead bus never stalls the main loop.
 */
#ifndef CUFF_ADS1115_H
#define CUFF_ADS1115_H

#include <stdbool.h>
#include <stdint.h>

void ads1115_init(void);
/*
 * Call every millisecond. True, with the conversion code (1 LSB = 125 uV), when a read completed.
 * `may_start` false: the next transaction waits (the bus is lent to the host's I2C request).
 */
bool ads1115_tick(uint32_t now_ms, int16_t *code, bool may_start);

#endif
