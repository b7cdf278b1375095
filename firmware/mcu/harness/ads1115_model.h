/*
 * An ADS1115 as an I2C slave on simavr's TWI: pointer, config and conversion
 * registers, the PGA and data rate as configured by the firmware, continuous
 * and single-shot conversions timed in simulated cycles. AIN0 is driven by
 * the harness (microvolts, with the time of each change); AIN1-3 sit at 0 V.
 */
#ifndef ADS1115_MODEL_H
#define ADS1115_MODEL_H

#include <simavr/sim_avr.h>
#include <stdbool.h>
#include <stdint.h>

#define ADS_HISTORY 16

typedef struct {
  avr_t *avr;
  avr_irq_t *twi_input;
  uint8_t address; /* 7-bit */
  bool present;
  bool selected;
  bool reading;
  uint8_t index;
  uint8_t pointer;
  uint8_t write_msb;
  uint16_t config;
  uint16_t lo_thresh, hi_thresh;
  int16_t conversion;
  /* continuous mode: conversions complete at start + k * period */
  bool continuous;
  bool single_pending;
  avr_cycle_count_t start_cycle;
  avr_cycle_count_t period_cycles;
  /* AIN0 as a step function of time */
  struct { avr_cycle_count_t cycle; int64_t microvolts; } history[ADS_HISTORY];
  unsigned history_len;
} ads1115_t;

void ads1115_attach(ads1115_t *ads, avr_t *avr, uint8_t address);
void ads1115_set_input(ads1115_t *ads, int64_t microvolts);
/* Power-on reset (a brown-out): registers back to their defaults, conversion register 0. */
void ads1115_power_on_reset(ads1115_t *ads);

#endif
