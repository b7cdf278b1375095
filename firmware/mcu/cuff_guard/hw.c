#include "hw.h"
#include "config.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/wdt.h>
#include <util/atomic.h>

uint8_t hw_reset_flags __attribute__((section(".noinit")));

/*
 * First code after reset (before .data/.bss are set up): drive both actuators
 * to their unpowered levels and stop a watchdog left running by a watchdog
 * reset, which would otherwise reset the board again within 16 ms.
 */
void hw_boot_safe(void) __attribute__((naked, used, section(".init3")));
void hw_boot_safe(void) {
#if PUMP_ACTIVE_HIGH
  PORTD &= (uint8_t)~_BV(PD5);
#else
  PORTD |= _BV(PD5);
#endif
#if VENT_ACTIVE_HIGH
  PORTB &= (uint8_t)~_BV(PB1);
#else
  PORTB |= _BV(PB1);
#endif
  DDRD |= _BV(PD5);
  DDRB |= _BV(PB1);
  hw_reset_flags = MCUSR;
  MCUSR = 0;
  wdt_disable();
}

static volatile uint32_t ms_ticks;

ISR(TIMER2_COMPA_vect) { ms_ticks++; }

uint32_t hw_millis(void) {
  uint32_t now;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { now = ms_ticks; }
  return now;
}

#define RX_SIZE 64 /* power of two */
#define TX_SIZE 128
static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint8_t rx_head, rx_tail;
static volatile uint8_t tx_buf[TX_SIZE];
static volatile uint8_t tx_head, tx_tail;

ISR(USART_RX_vect) {
  uint8_t byte = UDR0;
  uint8_t next = (uint8_t)((rx_head + 1) & (RX_SIZE - 1));
  if (next != rx_tail) { /* a full buffer drops the byte; Firmata resynchronises on the next command */
    rx_buf[rx_head] = byte;
    rx_head = next;
  }
}

ISR(USART_UDRE_vect) {
  if (tx_head == tx_tail) {
    UCSR0B &= (uint8_t)~_BV(UDRIE0);
    return;
  }
  UDR0 = tx_buf[tx_tail];
  tx_tail = (uint8_t)((tx_tail + 1) & (TX_SIZE - 1));
}

bool hw_rx_available(void) { return rx_head != rx_tail; }

uint8_t hw_rx_byte(void) {
  uint8_t byte = rx_buf[rx_tail];
  rx_tail = (uint8_t)((rx_tail + 1) & (RX_SIZE - 1));
  return byte;
}

void hw_tx_byte(uint8_t byte) {
  uint8_t next = (uint8_t)((tx_head + 1) & (TX_SIZE - 1));
  while (next == tx_tail) {
    /* buffer full: the UDRE interrupt drains one byte per 174 us */
  }
  tx_buf[tx_head] = byte;
  tx_head = next;
  UCSR0B |= _BV(UDRIE0);
}

uint8_t hw_tx_free(void) { return (uint8_t)((tx_tail - tx_head - 1) & (TX_SIZE - 1)); }

void hw_output(uint8_t pin, uint8_t level) {
  /* 0 and 255 disconnect the timer and hold the pin, as Arduino's analogWrite does (no 1/256 glitch). */
  if (pin == PIN_PUMP) {
    if (level == 0 || level == 255) {
      TCCR0A &= (uint8_t)~(_BV(COM0B1) | _BV(COM0B0));
      if (level) PORTD |= _BV(PD5); else PORTD &= (uint8_t)~_BV(PD5);
    } else {
      OCR0B = level;
      TCCR0A |= _BV(COM0B1);
    }
  } else if (pin == PIN_VENT) {
    if (level == 0 || level == 255) {
      TCCR1A &= (uint8_t)~(_BV(COM1A1) | _BV(COM1A0));
      if (level) PORTB |= _BV(PB1); else PORTB &= (uint8_t)~_BV(PB1);
    } else {
      OCR1A = level;
      TCCR1A |= _BV(COM1A1);
    }
  }
}

bool hw_button_level(void) { return (PIND & _BV(PD2)) != 0; }

void hw_button_pullup(bool on) {
  if (on) PORTD |= _BV(PD2); else PORTD &= (uint8_t)~_BV(PD2);
}

void hw_adc_start(void) { ADCSRA |= _BV(ADSC); }

bool hw_adc_take(uint16_t *value) {
  if (ADCSRA & _BV(ADSC)) return false;
  *value = ADC; /* ADCL first, then ADCH, as the datasheet asks */
  ADCSRA |= _BV(ADSC);
  return true;
}

void hw_watchdog_kick(void) { wdt_reset(); }

void hw_idle(uint32_t seen_ms) {
  cli();
  if (rx_head == rx_tail && ms_ticks == seen_ms) {
    sleep_enable();
    sei(); /* the instruction after sei runs before any interrupt: no wake-up is lost */
    sleep_cpu();
    sleep_disable();
  }
  sei();
}

void hw_init(void) {
  /* Timer0: fast PWM, clk/64 (976 Hz) for the pump on OC0B. */
  TCCR0A = _BV(WGM01) | _BV(WGM00);
  TCCR0B = _BV(CS01) | _BV(CS00);
  /* Timer1: 8-bit phase-correct PWM, clk/64 (490 Hz) for the vent valve on OC1A. */
  TCCR1A = _BV(WGM10);
  TCCR1B = _BV(CS11) | _BV(CS10);
  /* Timer2: CTC at 1 kHz, the millisecond tick. */
  TCCR2A = _BV(WGM21);
  TCCR2B = _BV(CS22); /* clk/64 */
  OCR2A = (uint8_t)(F_CPU / 64 / 1000 - 1);
  TIMSK2 = _BV(OCIE2A);

  /* Serial: 57600 8N1 with double speed (-0.8 % instead of +2.1 % at 16 MHz). */
  UCSR0A = _BV(U2X0);
  UBRR0 = (uint16_t)((F_CPU / 8 + SERIAL_BAUD / 2) / SERIAL_BAUD - 1);
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
  UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);

  DDRD &= (uint8_t)~_BV(PD2);

  /* ADC: AVCC reference (the second sensor is ratiometric to the same 5 V), its channel, clk/128 = 125 kHz. */
  ADMUX = _BV(REFS0) | PRESSURE2_CHANNEL;
  ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
  DIDR0 = _BV(PRESSURE2_CHANNEL); /* no digital input buffer on an analog input */

  set_sleep_mode(SLEEP_MODE_IDLE);
  /* 120 ms: longer than any stretch of the main loop (a full 128-byte TX buffer drains in 22 ms). */
  wdt_enable(WDTO_120MS);
  sei();
}
