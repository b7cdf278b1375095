/*
 * cuff-harness: runs a cuff_guard image on simavr's ATmega328P at 16 MHz in
 * lock-step with the caller. Commands arrive on stdin, one per line; only
 * `r` and `i` answer, on stdout:
 *
 *   w <hex>      bytes for the UART0 receiver (delivered at the line's byte rate)
 *   v <uV>       ADS1115 AIN0 input, microvolts, from now on
 *   c <ch> <mV>  the ATmega's own ADC input <ch> (0-7), millivolts, from now on (AVCC = AREF = 5000 mV:
 *                  simavr converts at the instant the firmware reads ADCL, as mV * 1023 / 5000)
 *   s <0|1>      ADS1115 present (1) or silent on the bus (0)
 *   d <n> ...    samples (decimal 18-bit counts) into the MAX30102's FIFO, from now on readable
 *   m <0|1>      MAX30102 (the distal pulse sensor) present (1, default) or silent on the bus (0)
 *   a            ADS1115 power-on reset (a brown-out of the sensor board)
 *   b <0|1>      level driven onto D2 (emergency button input)
 *   h            hang the firmware: interrupts off, endless loop (only the watchdog gets out)
 *   r <us>       run <us> microseconds of simulated time, then answer with
 *                  u <hex>               bytes the firmware sent on UART0
 *                  p <ns> <pin> <level>  output change of D5/D9 (level = PWM duty 0..255)
 *                  x <ns> <state>        the core stopped (crashed, done)
 *                  t <ns> <D5> <D9>      end of the step: time and levels now
 *   i            answer `i <baud> <ns>`: the baud rate UART0 is set to
 *   q            quit
 *
 * Time is simulated time since power-up, in nanoseconds.
 */
#include <simavr/avr_adc.h>
#include <simavr/avr_ioport.h>
#include <simavr/avr_twi.h>
#include <simavr/avr_uart.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ads1115_model.h"
#include "max30102_model.h"

#define FREQUENCY 16000000UL
/* The Nano's 5 V rail, which is AVCC and the sensors' supply. */
#define SUPPLY_MILLIVOLTS 5000
#define ADS1115_ADDRESS 0x48
#define MAX30102_ADDRESS 0x57

/* ATmega328P data-space addresses. */
enum {
  R_DDRB = 0x24, R_PORTB = 0x25, R_DDRD = 0x2A, R_PORTD = 0x2B,
  R_TCCR0A = 0x44, R_TCCR0B = 0x45, R_OCR0B = 0x48,
  R_TCCR1A = 0x80, R_TCCR1B = 0x81, R_OCR1AL = 0x88, R_OCR1AH = 0x89,
  R_UCSR0A = 0xC0, R_UBRR0L = 0xC4, R_UBRR0H = 0xC5,
};
static const uint16_t watched[] = {R_DDRB, R_PORTB, R_DDRD, R_PORTD, R_TCCR0A, R_TCCR0B, R_OCR0B,
                                   R_TCCR1A, R_TCCR1B, R_OCR1AL, R_OCR1AH};
#define WATCHED (sizeof watched / sizeof watched[0])

static avr_t *avr;
static ads1115_t ads;
static max30102_t pulse_chip;
static avr_irq_t *uart_input;
static avr_irq_t *button_irq;

static uint8_t rx_queue[1 << 16];
static size_t rx_head, rx_tail;
static int rx_blocked;

static uint8_t tx_bytes[1 << 16];
static size_t tx_len;

static avr_cycle_count_t target_cycle;
static uint8_t last_regs[WATCHED];
static int pump_level, vent_level;

static void quiet_logger(avr_t *a, const int level, const char *format, va_list ap) {
  (void)a;
  if (level <= LOG_WARNING) vfprintf(stderr, format, ap);
}

static void set_adc_input(const char *arg) {
  char *end;
  long channel = strtol(arg, &end, 10);
  long millivolts = strtol(end, NULL, 10);
  if (channel < 0 || channel > 7 || millivolts < 0) {
    fprintf(stderr, "cuff-harness: bad ADC input %s\n", arg);
    return;
  }
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + (int)channel), (uint32_t)millivolts);
}

static void no_sleep(avr_t *a, avr_cycle_count_t how_long) {
  (void)a;
  (void)how_long;
}

static uint64_t now_ns(void) { return avr->cycle * 1000000000ULL / FREQUENCY; }

/* UART0 -> caller */
static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  if (tx_len < sizeof tx_bytes) tx_bytes[tx_len++] = (uint8_t)value;
}

static void feed_uart(void) {
  while (!rx_blocked && rx_head != rx_tail) {
    uint8_t byte = rx_queue[rx_tail];
    rx_tail = (rx_tail + 1) % sizeof rx_queue;
    avr_raise_irq(uart_input, byte);
  }
}

static void on_uart_xon(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  rx_blocked = 0;
  feed_uart();
}

static void on_uart_xoff(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  rx_blocked = 1;
}

/* Duty (0..255) an output compare pin drives: timer output when connected, else the PORT bit. */
static int pin_level(uint8_t ddr, uint8_t port, uint8_t bit, uint8_t com, int timer_running, int ocr) {
  if (!(ddr & (1 << bit))) return 0; /* input: the MOSFET gate's pull-down holds it off */
  if (timer_running && com == 2) return ocr;
  if (timer_running && com == 3) return 255 - ocr;
  return (port >> bit) & 1 ? 255 : 0;
}

static void read_levels(int *pump, int *vent) {
  uint8_t *d = avr->data;
  int ocr1a = d[R_OCR1AL] | (d[R_OCR1AH] << 8);
  *pump = pin_level(d[R_DDRD], d[R_PORTD], 5, (d[R_TCCR0A] >> 4) & 3, (d[R_TCCR0B] & 7) && (d[R_TCCR0A] & 3),
                    d[R_OCR0B]);
  *vent = pin_level(d[R_DDRB], d[R_PORTB], 1, (d[R_TCCR1A] >> 6) & 3, (d[R_TCCR1B] & 7) && (d[R_TCCR1A] & 3),
                    ocr1a > 255 ? 255 : ocr1a);
}

static void check_pins(void) {
  uint8_t *d = avr->data;
  int changed = 0;
  for (unsigned i = 0; i < WATCHED; i++) {
    if (d[watched[i]] != last_regs[i]) {
      last_regs[i] = d[watched[i]];
      changed = 1;
    }
  }
  if (!changed) return;
  int pump, vent;
  read_levels(&pump, &vent);
  if (pump != pump_level) printf("p %llu 5 %d\n", (unsigned long long)now_ns(), pump);
  if (vent != vent_level) printf("p %llu 9 %d\n", (unsigned long long)now_ns(), vent);
  pump_level = pump;
  vent_level = vent;
}

static void flush_uart_output(void) {
  if (!tx_len) return;
  fputs("u ", stdout);
  for (size_t i = 0; i < tx_len; i++) printf("%02x", tx_bytes[i]);
  fputc('\n', stdout);
  tx_len = 0;
}

/* A no-op timer at the end of the step, so that a sleeping core wakes there rather than past it. */
static avr_cycle_count_t wake_at_target(avr_t *a, avr_cycle_count_t when, void *param) {
  (void)a;
  (void)when;
  (void)param;
  return 0;
}

static void run_for(uint64_t microseconds) {
  target_cycle += microseconds * (FREQUENCY / 1000000);
  while (avr->cycle < target_cycle) {
    if (avr->state == cpu_Sleeping && !avr_cycle_timer_status(avr, wake_at_target, NULL)) {
      avr_cycle_timer_register(avr, target_cycle - avr->cycle, wake_at_target, NULL);
    }
    int state = avr_run(avr);
    check_pins();
    if (state == cpu_Done || state == cpu_Crashed) {
      printf("x %llu %s\n", (unsigned long long)now_ns(), state == cpu_Done ? "done" : "crashed");
      target_cycle = avr->cycle;
      break;
    }
    feed_uart();
  }
  flush_uart_output();
  printf("t %llu %d %d\n", (unsigned long long)now_ns(), pump_level, vent_level);
  fflush(stdout);
}

static void queue_hex(const char *hex) {
  for (; hex[0] && hex[1]; hex += 2) {
    unsigned byte;
    if (sscanf(hex, "%2x", &byte) != 1) break;
    size_t next = (rx_head + 1) % sizeof rx_queue;
    if (next == rx_tail) break; /* a wire has no infinite buffer either */
    rx_queue[rx_head] = (uint8_t)byte;
    rx_head = next;
  }
  feed_uart();
}

/* The button drives D2 whatever the firmware does with the pin's pull-up. */
static void drive_button(int high) {
  avr_ioport_external_t external = {.name = 'D', .mask = 1 << 2, .value = (unsigned)(high ? 1 << 2 : 0)};
  avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL('D'), &external);
  avr_raise_irq(button_irq, high);
}

/* Firmware runaway: park the core on an endless `rjmp .` in the unused top of flash. */
static void hang(void) {
  uint32_t at = avr->flashend - 1;
  avr->flash[at] = 0xFF;
  avr->flash[at + 1] = 0xCF;
  avr->pc = at;
  avr->sreg[S_I] = 0;
  avr->state = cpu_Running; /* it may have been asleep waiting for the tick */
}

static unsigned configured_baud(void) {
  uint8_t *d = avr->data;
  unsigned ubrr = d[R_UBRR0L] | ((d[R_UBRR0H] & 0x0F) << 8);
  unsigned divisor = (d[R_UCSR0A] & 0x02) ? 8 : 16;
  return (unsigned)(FREQUENCY / (divisor * (ubrr + 1UL)));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: cuff-harness FIRMWARE.elf\n");
    return 2;
  }
  avr_global_logger_set(quiet_logger);
  elf_firmware_t firmware;
  memset(&firmware, 0, sizeof firmware);
  if (elf_read_firmware(argv[1], &firmware) != 0) {
    fprintf(stderr, "cuff-harness: cannot read %s\n", argv[1]);
    return 1;
  }
  avr = avr_make_mcu_by_name("atmega328p");
  if (!avr) {
    fprintf(stderr, "cuff-harness: simavr has no atmega328p\n");
    return 1;
  }
  avr_init(avr);
  firmware.frequency = FREQUENCY;
  avr_load_firmware(avr, &firmware);
  avr->frequency = FREQUENCY;
  avr->vcc = avr->avcc = avr->aref = SUPPLY_MILLIVOLTS;
  avr->log = LOG_WARNING;
  avr->sleep = no_sleep;

  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  uart_input = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_output, NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), on_uart_xon, NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), on_uart_xoff, NULL);
  button_irq = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), IOPORT_IRQ_PIN2);
  ads1115_attach(&ads, avr, ADS1115_ADDRESS);
  max30102_attach(&pulse_chip, avr, MAX30102_ADDRESS);
  read_levels(&pump_level, &vent_level);

  char line[1 << 17];
  while (fgets(line, sizeof line, stdin)) {
    char *arg = line + 1;
    while (*arg == ' ') arg++;
    arg[strcspn(arg, "\r\n")] = 0;
    switch (line[0]) {
      case 'w': queue_hex(arg); break;
      case 'v': ads1115_set_input(&ads, strtoll(arg, NULL, 10)); break;
      case 'c': set_adc_input(arg); break;
      case 's': ads.present = atoi(arg) != 0; break;
      case 'd':
        for (char *p = arg, *end; *p; p = end) {
          unsigned long counts = strtoul(p, &end, 10);
          if (end == p) break;
          max30102_push(&pulse_chip, (uint32_t)counts);
        }
        break;
      case 'm': pulse_chip.present = atoi(arg) != 0; break;
      case 'a': ads1115_power_on_reset(&ads); break;
      case 'b': drive_button(atoi(arg) != 0); break;
      case 'h': hang(); break;
      case 'r': run_for(strtoull(arg, NULL, 10)); break;
      case 'i':
        printf("i %u %llu\n", configured_baud(), (unsigned long long)now_ns());
        fflush(stdout);
        break;
      case 'q': return 0;
      default:
        fprintf(stderr, "cuff-harness: unknown command %s", line);
        break;
    }
  }
  return 0;
}
