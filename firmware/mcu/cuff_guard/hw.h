/* The ATmega328P peripherals the sketch uses: serial link, 1 ms tick, PWM outputs, watchdog, button, ADC. */
#ifndef CUFF_HW_H
#define CUFF_HW_H

#include <stdbool.h>
#include <stdint.h>

/* MCUSR as found at reset (saved before anything clears it). */
extern uint8_t hw_reset_flags;

void hw_init(void);
uint32_t hw_millis(void);

/* Pin duty 0..255 (255 = always high) on the pump (D5) or vent (D9) output. */
void hw_output(uint8_t pin, uint8_t level);
bool hw_button_level(void);
void hw_button_pullup(bool on);

/* The second pressure sensor on the ATmega's own ADC: conversions run one at a time, 104 us each. */
void hw_adc_start(void);
/* True, with the 10-bit result, when the last conversion has finished; the next one starts at once. */
bool hw_adc_take(uint16_t *value);

bool hw_rx_available(void);
uint8_t hw_rx_byte(void);
void hw_tx_byte(uint8_t byte);
/* Bytes hw_tx_byte can take now without waiting. */
uint8_t hw_tx_free(void);

void hw_watchdog_kick(void);
/* Sleep until the next interrupt unless there is input waiting or the tick has moved past `seen_ms`. */
void hw_idle(uint32_t seen_ms);

#endif
