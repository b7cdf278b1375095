#include "max30102_model.h"

#include <simavr/avr_twi.h>
#include <string.h>

enum { FIFO_WR_PTR = 0x04, OVF_COUNTER = 0x05, FIFO_RD_PTR = 0x06, FIFO_DATA = 0x07, MODE_CONFIG = 0x09, PART_ID = 0xFF };

static void reply(max30102_t *chip, uint8_t msg, uint8_t addr, uint8_t data) {
  avr_raise_irq(chip->twi_input, avr_twi_irq_msg(msg, addr, data));
}

void max30102_push(max30102_t *chip, uint32_t counts) {
  if (chip->unread == MAX30102_FIFO) {
    memmove(chip->fifo, chip->fifo + 1, sizeof chip->fifo[0] * (MAX30102_FIFO - 1));
    chip->unread--;
    chip->read_pointer = (uint8_t)((chip->read_pointer + 1) % MAX30102_FIFO);
    if (chip->overflow < 0x1F) chip->overflow++;
  }
  chip->fifo[chip->unread++] = counts & 0x3FFFF;
  chip->write_pointer = (uint8_t)((chip->write_pointer + 1) % MAX30102_FIFO);
}

static uint8_t fifo_byte(max30102_t *chip) {
  if (chip->sample_left == 0) {
    if (chip->unread == 0) return 0;
    uint32_t v = chip->fifo[0];
    memmove(chip->fifo, chip->fifo + 1, sizeof chip->fifo[0] * (MAX30102_FIFO - 1));
    chip->unread--;
    chip->read_pointer = (uint8_t)((chip->read_pointer + 1) % MAX30102_FIFO);
    chip->overflow = 0;
    chip->sample_bytes[0] = (uint8_t)((v >> 16) & 0x03);
    chip->sample_bytes[1] = (uint8_t)(v >> 8);
    chip->sample_bytes[2] = (uint8_t)v;
    chip->sample_left = 3;
  }
  return chip->sample_bytes[3 - chip->sample_left--];
}

static uint8_t read_register(max30102_t *chip) {
  switch (chip->pointer) {
    case FIFO_DATA: return fifo_byte(chip);
    case FIFO_WR_PTR: return chip->write_pointer;
    case FIFO_RD_PTR: return chip->read_pointer;
    case OVF_COUNTER: return chip->overflow;
    case PART_ID: return 0x15;
    default: return chip->registers[chip->pointer];
  }
}

static void write_register(max30102_t *chip, uint8_t value) {
  switch (chip->pointer) {
    case FIFO_WR_PTR:
    case FIFO_RD_PTR:
      /* Setting a pointer restarts the FIFO from it (the set-up clears both). */
      chip->write_pointer = chip->read_pointer = value & 0x1F;
      chip->unread = 0;
      chip->sample_left = 0;
      break;
    case OVF_COUNTER: chip->overflow = value & 0x1F; break;
    case MODE_CONFIG:
      if (value & 0x40) memset(chip->registers, 0, sizeof chip->registers);
      else chip->registers[MODE_CONFIG] = value;
      break;
    default: chip->registers[chip->pointer] = value; break;
  }
}

static void advance(max30102_t *chip) {
  if (chip->pointer != FIFO_DATA) chip->pointer++;
}

static void on_twi(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  max30102_t *chip = param;
  avr_twi_msg_irq_t v;
  v.u.v = value;
  uint8_t msg = v.u.twi.msg;
  if (msg & TWI_COND_STOP) chip->selected = false;
  if (msg & TWI_COND_START) {
    chip->selected = chip->present && (v.u.twi.addr >> 1) == chip->address;
    chip->reading = v.u.twi.addr & 1;
    chip->pointer_set = false;
    if (chip->selected) reply(chip, TWI_COND_ACK, v.u.twi.addr, 1);
  }
  if (!chip->selected) return;
  if (msg & TWI_COND_WRITE) {
    reply(chip, TWI_COND_ACK, v.u.twi.addr, 1);
    if (!chip->pointer_set) {
      chip->pointer = v.u.twi.data;
      chip->pointer_set = true;
    } else {
      write_register(chip, v.u.twi.data);
      advance(chip);
    }
  }
  if (msg & TWI_COND_READ) {
    reply(chip, TWI_COND_READ, v.u.twi.addr, read_register(chip));
    advance(chip);
  }
}

void max30102_attach(max30102_t *chip, avr_t *avr, uint8_t address) {
  memset(chip, 0, sizeof *chip);
  chip->address = address;
  chip->present = true;
  chip->twi_input = avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_INPUT);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_OUTPUT), on_twi, chip);
}
