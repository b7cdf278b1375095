/*
 * A MAX30102 (the distal pulse sensor's chip) as an I2C slave on simavr's TWI: its
 * register file, PART_ID 0x15, and the 32-deep FIFO with its write, read and
 * overflow pointers; FIFO_DATA (0x07) pops three bytes per sample and the register
 * address does not advance while it is read. The harness pushes the samples.
 */
#ifndef MAX30102_MODEL_H
#define MAX30102_MODEL_H

#include <simavr/sim_avr.h>
#include <stdbool.h>
#include <stdint.h>

#define MAX30102_FIFO 32

typedef struct {
  avr_irq_t *twi_input;
  uint8_t address; /* 7-bit */
  bool present;
  bool selected;
  bool reading;
  bool pointer_set;
  uint8_t pointer;
  uint8_t registers[256];
  uint32_t fifo[MAX30102_FIFO];
  uint8_t unread, write_pointer, read_pointer, overflow;
  uint8_t sample_bytes[3];
  uint8_t sample_left;
} max30102_t;

void max30102_attach(max30102_t *chip, avr_t *avr, uint8_t address);
/* A new sample enters the FIFO (a full FIFO drops its oldest and counts the loss). */
void max30102_push(max30102_t *chip, uint32_t counts);

#endif
