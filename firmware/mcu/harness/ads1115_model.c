#include "ads1115_model.h"

#include <simavr/avr_twi.h>
#include <string.h>

#define CONFIG_RESET 0x8583
#define OS_BIT 0x8000
#define MODE_SINGLE 0x0100

static const int64_t full_scale_uv[8] = {6144000, 4096000, 2048000, 1024000, 512000, 256000, 256000, 256000};
static const uint32_t samples_per_second[8] = {8, 16, 32, 64, 128, 250, 475, 860};

static int64_t input_at(const ads1115_t *ads, avr_cycle_count_t cycle) {
  int64_t value = 0;
  for (unsigned i = 0; i < ads->history_len; i++) {
    if (ads->history[i].cycle <= cycle) value = ads->history[i].microvolts;
  }
  return value;
}

/* The code a conversion finishing at `cycle` produces for the configured input and gain. */
static int16_t convert(const ads1115_t *ads, avr_cycle_count_t cycle) {
  unsigned mux = (ads->config >> 12) & 7;
  /* AIN0-AIN1 (000), AIN0-AIN3 (001) and AIN0-GND (100) see AIN0; the other inputs are grounded. */
  int64_t uv = (mux == 0 || mux == 1 || mux == 4) ? input_at(ads, cycle) : 0;
  int64_t fs = full_scale_uv[(ads->config >> 9) & 7];
  int64_t code = uv * 32768;
  code = code >= 0 ? code / fs : -((-code + fs - 1) / fs);
  if (code > 32767) code = 32767;
  if (code < -32768) code = -32768;
  return (int16_t)code;
}

static void settle(ads1115_t *ads) {
  avr_cycle_count_t now = ads->avr->cycle;
  if (ads->continuous && now >= ads->start_cycle + ads->period_cycles) {
    avr_cycle_count_t k = (now - ads->start_cycle) / ads->period_cycles;
    ads->conversion = convert(ads, ads->start_cycle + k * ads->period_cycles);
  }
  if (ads->single_pending && now >= ads->start_cycle + ads->period_cycles) {
    ads->conversion = convert(ads, ads->start_cycle + ads->period_cycles);
    ads->single_pending = false;
  }
}

static void write_config(ads1115_t *ads, uint16_t value) {
  settle(ads);
  ads->config = value & (uint16_t)~OS_BIT;
  ads->period_cycles = ads->avr->frequency / samples_per_second[(value >> 5) & 7];
  ads->start_cycle = ads->avr->cycle;
  ads->continuous = !(value & MODE_SINGLE);
  ads->single_pending = (value & MODE_SINGLE) && (value & OS_BIT);
}

static uint16_t read_register(ads1115_t *ads) {
  settle(ads);
  switch (ads->pointer) {
    case 0: return (uint16_t)ads->conversion;
    case 1: return (uint16_t)(ads->config | (ads->continuous || ads->single_pending ? 0 : OS_BIT));
    case 2: return ads->lo_thresh;
    default: return ads->hi_thresh;
  }
}

static void write_register(ads1115_t *ads, uint16_t value) {
  switch (ads->pointer) {
    case 1: write_config(ads, value); break;
    case 2: ads->lo_thresh = value; break;
    case 3: ads->hi_thresh = value; break;
    default: break; /* the conversion register is read-only */
  }
}

static void reply(ads1115_t *ads, uint8_t msg, uint8_t addr, uint8_t data) {
  avr_raise_irq(ads->twi_input, avr_twi_irq_msg(msg, addr, data));
}

static void on_twi(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  ads1115_t *ads = param;
  avr_twi_msg_irq_t v;
  v.u.v = value;
  uint8_t msg = v.u.twi.msg;
  if (msg & TWI_COND_STOP) ads->selected = false;
  if (msg & TWI_COND_START) {
    ads->selected = ads->present && (v.u.twi.addr >> 1) == ads->address;
    ads->reading = v.u.twi.addr & 1;
    ads->index = 0;
    if (ads->selected) reply(ads, TWI_COND_ACK, v.u.twi.addr, 1);
  }
  if (!ads->selected) return;
  if (msg & TWI_COND_WRITE) {
    reply(ads, TWI_COND_ACK, v.u.twi.addr, 1);
    if (ads->index == 0) ads->pointer = v.u.twi.data & 3;
    else if (ads->index % 2 == 1) ads->write_msb = v.u.twi.data;
    else write_register(ads, (uint16_t)((ads->write_msb << 8) | v.u.twi.data));
    ads->index++;
  }
  if (msg & TWI_COND_READ) {
    uint16_t reg = read_register(ads);
    uint8_t data = ads->index % 2 == 0 ? (uint8_t)(reg >> 8) : (uint8_t)reg;
    reply(ads, TWI_COND_READ, v.u.twi.addr, data);
    ads->index++;
  }
}

void ads1115_set_input(ads1115_t *ads, int64_t microvolts) {
  if (ads->history_len == ADS_HISTORY) {
    memmove(ads->history, ads->history + 1, sizeof ads->history[0] * (ADS_HISTORY - 1));
    ads->history_len--;
  }
  ads->history[ads->history_len].cycle = ads->avr->cycle;
  ads->history[ads->history_len].microvolts = microvolts;
  ads->history_len++;
}

void ads1115_power_on_reset(ads1115_t *ads) {
  ads->selected = false;
  ads->index = 0;
  ads->pointer = 0;
  ads->config = CONFIG_RESET & (uint16_t)~OS_BIT;
  ads->lo_thresh = 0x8000;
  ads->hi_thresh = 0x7FFF;
  ads->conversion = 0;
  ads->continuous = false;
  ads->single_pending = false;
  ads->period_cycles = ads->avr->frequency / 128;
}

void ads1115_attach(ads1115_t *ads, avr_t *avr, uint8_t address) {
  memset(ads, 0, sizeof *ads);
  ads->avr = avr;
  ads->address = address;
  ads->present = true;
  ads1115_power_on_reset(ads);
  ads->twi_input = avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_INPUT);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_OUTPUT), on_twi, ads);
}
