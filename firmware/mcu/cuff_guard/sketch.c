/*
 * cuff_guard: the Firmata-compatible sketch of the reference board with the
 * guard of shared/guard.ts. Safe state = pump off, vent valve unpowered (open):
 * at reset (hw.c, before anything else runs), after a watchdog reset, on
 * SYSTEM_RESET, on a trip, and whenever the guard is not ARMED.
 */
#include "ads1115.h"
#include "config.h"
#include "firmata.h"
#include "guard.h"
#include "hw.h"
#include "i2c_bridge.h"

#include <avr/io.h>
#include <stdbool.h>

/* Worst case five capability queries: ~300 bytes of answers, ~35 ms of waiting on the serial buffer. */
#define RX_BYTES_PER_PASS 16

static guard_t guard;
static uint32_t now_ms;

/* Host-written levels of the guarded outputs; the safe levels unless ARMED. */
static uint8_t pump_level = PUMP_SAFE_LEVEL;
static uint8_t vent_level = VENT_SAFE_LEVEL;
static uint8_t pump_mode, vent_mode, button_mode, pressure_mode, pressure2_mode;

static bool report_pressure;
static bool report_pressure2;
static bool report_port0;
/* Report every n-th sample: the host's sampling interval rounded to whole samples. */
static uint16_t report_every;
static uint16_t samples_since_report;
static uint8_t last_port0;

static int32_t adc_sum;
static uint8_t adc_reads;
static uint32_t window_start_ms;

/* The second sensor: the last conversions the guard judges, and the window's sum the host receives. */
static uint16_t recent2[PRESSURE2_GUARD_READS];
static uint8_t recent2_count, recent2_next;
static uint16_t window2_sum;
static uint8_t window2_reads;

static bool is_output(uint8_t mode) { return mode == MODE_OUTPUT || mode == MODE_PWM; }

/* A guarded pin carries the host's level only while ARMED and set up as an output. */
static void apply_outputs(void) {
  bool armed = guard_armed(&guard);
  hw_output(PIN_PUMP, armed && is_output(pump_mode) ? pump_level : PUMP_SAFE_LEVEL);
  hw_output(PIN_VENT, armed && is_output(vent_mode) ? vent_level : VENT_SAFE_LEVEL);
}

static void send_status(void) {
  const uint8_t payload[] = {
      GUARD_STATUS,
      guard.state,
      guard.reason,
      (uint8_t)(guard.deadline_ms & 0x7F), (uint8_t)(guard.deadline_ms >> 7),
      (uint8_t)(guard.trip_counts & 0x7F), (uint8_t)(guard.trip_counts >> 7),
      (uint8_t)(guard.last_counts & 0x7F), (uint8_t)(guard.last_counts >> 7),
      guard.trip_count,
      (uint8_t)(guard.trip_counts2 & 0x7F), (uint8_t)(guard.trip_counts2 >> 7),
      (uint8_t)(guard.last_counts2 & 0x7F), (uint8_t)(guard.last_counts2 >> 7),
  };
  firmata_send_sysex(GUARD_SYSEX, payload, sizeof payload);
}

/* Outputs first: sending can wait on a full serial buffer. */
static void handle_guard(uint8_t events) {
  if (events & GUARD_EV_TRIPPED) {
    pump_level = PUMP_SAFE_LEVEL;
    vent_level = VENT_SAFE_LEVEL;
  }
  apply_outputs();
  if (events & GUARD_EV_TRIPPED) {
    const uint8_t payload[] = {GUARD_TRIPPED_MSG, guard.reason,
                               (uint8_t)(guard.last_counts & 0x7F), (uint8_t)(guard.last_counts >> 7),
                               (uint8_t)(guard.last_counts2 & 0x7F), (uint8_t)(guard.last_counts2 >> 7)};
    firmata_send_sysex(GUARD_SYSEX, payload, sizeof payload);
  }
  if (events & GUARD_EV_SEND_STATUS) send_status();
}

static void reset_board(uint8_t reason) {
  guard_reset(&guard, now_ms, reason);
  pump_level = PUMP_SAFE_LEVEL;
  vent_level = VENT_SAFE_LEVEL;
  pump_mode = MODE_INPUT;
  vent_mode = MODE_INPUT;
  button_mode = MODE_INPUT;
  pressure_mode = MODE_ANALOG;
  pressure2_mode = MODE_ANALOG;
  hw_button_pullup(false);
  apply_outputs();
  report_pressure = false;
  report_pressure2 = false;
  report_port0 = false;
  report_every = 1;
  samples_since_report = 0;
  firmata_reset_parser();
}

static void write_guarded(uint8_t pin, uint8_t level) {
  handle_guard(guard_poll(&guard, now_ms));
  if (!guard_armed(&guard)) return; /* held safe; the board remembers nothing of it */
  if (pin == PIN_PUMP) pump_level = level;
  else vent_level = level;
  apply_outputs();
}

static uint8_t port0_value(void) { return hw_button_level() ? (uint8_t)(1 << PIN_BUTTON) : 0; }

void on_report_version(void) { firmata_send_version(); }

void on_system_reset(void) {
  i2c_bridge_reset();
  reset_board(REASON_POWER_UP);
}

/* StandardFirmata's rules: digital writes reach pins in OUTPUT mode, analog writes pins in PWM mode. */
void on_digital_port(uint8_t port, uint16_t value) {
  if (port == PIN_PUMP / 8 && pump_mode == MODE_OUTPUT) write_guarded(PIN_PUMP, (value >> (PIN_PUMP % 8)) & 1 ? 255 : 0);
  if (port == PIN_VENT / 8 && vent_mode == MODE_OUTPUT) write_guarded(PIN_VENT, (value >> (PIN_VENT % 8)) & 1 ? 255 : 0);
}

void on_digital_pin(uint8_t pin, uint8_t value) {
  if ((pin == PIN_PUMP && pump_mode == MODE_OUTPUT) || (pin == PIN_VENT && vent_mode == MODE_OUTPUT)) {
    write_guarded(pin, value ? 255 : 0);
  }
}

void on_analog_write(uint8_t pin, uint16_t value) {
  if ((pin == PIN_PUMP && pump_mode == MODE_PWM) || (pin == PIN_VENT && vent_mode == MODE_PWM)) {
    write_guarded(pin, value > 255 ? 255 : (uint8_t)value);
  }
}

void on_report_analog(uint8_t channel, uint8_t enable) {
  if (enable > 1) return;
  if (channel == PRESSURE_CHANNEL) report_pressure = enable;
  else if (channel == PRESSURE2_CHANNEL) report_pressure2 = enable;
  else return;
  samples_since_report = 0;
}

void on_report_digital(uint8_t port, uint8_t enable) {
  if (port != PIN_BUTTON / 8) return;
  report_port0 = enable != 0;
  if (report_port0) {
    last_port0 = port0_value();
    firmata_send_port(0, last_port0);
  }
}

void on_pin_mode(uint8_t pin, uint8_t mode) {
  bool guarded_mode = mode == MODE_INPUT || is_output(mode);
  if ((pin == PIN_PUMP || pin == PIN_VENT) && guarded_mode) {
    /* StandardFirmata starts a pin that becomes an output at LOW (PWM at duty 0); set before applying. */
    bool low = is_output(mode) && guard_armed(&guard);
    if (pin == PIN_PUMP) {
      pump_mode = mode;
      if (low) pump_level = 0;
    } else {
      vent_mode = mode;
      if (low) vent_level = 0;
    }
    apply_outputs();
  } else if (pin == PIN_BUTTON && (mode == MODE_INPUT || mode == MODE_PULLUP)) {
    button_mode = mode;
    hw_button_pullup(mode == MODE_PULLUP);
  } else if (pin == PIN_PRESSURE && mode == MODE_ANALOG) {
    pressure_mode = mode;
  } else if (pin == PIN_PRESSURE2 && mode == MODE_ANALOG) {
    pressure2_mode = mode;
  }
}

/* Modes (with resolution in bits) each pin offers; 0 modes for pins the board keeps to itself. */
static uint8_t pin_capabilities(uint8_t pin, uint8_t out[6]) {
  switch (pin) {
    case PIN_PUMP:
    case PIN_VENT:
      out[0] = MODE_INPUT; out[1] = 1; out[2] = MODE_OUTPUT; out[3] = 1; out[4] = MODE_PWM; out[5] = 8;
      return 3;
    case PIN_BUTTON:
      out[0] = MODE_INPUT; out[1] = 1; out[2] = MODE_PULLUP; out[3] = 1;
      return 2;
    case PIN_PRESSURE:
      out[0] = MODE_ANALOG; out[1] = PRESSURE_BITS;
      return 1;
    case PIN_PRESSURE2:
      out[0] = MODE_ANALOG; out[1] = PRESSURE2_BITS;
      return 1;
    default:
      return 0;
  }
}

static void send_capabilities(void) {
  hw_tx_byte(FIRMATA_START_SYSEX);
  hw_tx_byte(SYSEX_CAPABILITY_RESPONSE);
  for (uint8_t pin = 0; pin < TOTAL_PINS; pin++) {
    uint8_t modes[6];
    uint8_t n = pin_capabilities(pin, modes);
    for (uint8_t i = 0; i < 2 * n; i++) hw_tx_byte(modes[i]);
    hw_tx_byte(0x7F);
  }
  hw_tx_byte(FIRMATA_END_SYSEX);
}

static void send_analog_mapping(void) {
  hw_tx_byte(FIRMATA_START_SYSEX);
  hw_tx_byte(SYSEX_ANALOG_MAPPING_RESPONSE);
  for (uint8_t pin = 0; pin < TOTAL_PINS; pin++) {
    hw_tx_byte(pin == PIN_PRESSURE ? PRESSURE_CHANNEL : pin == PIN_PRESSURE2 ? PRESSURE2_CHANNEL : 0x7F);
  }
  hw_tx_byte(FIRMATA_END_SYSEX);
}

static uint8_t guarded_state(uint8_t mode, uint8_t level, uint8_t safe) {
  if (!guard_armed(&guard) || !is_output(mode)) level = safe;
  return mode == MODE_PWM ? level : level ? 1 : 0;
}

static void send_pin_state(uint8_t pin) {
  if (pin >= TOTAL_PINS) return;
  uint8_t mode = MODE_INPUT;
  uint8_t state = 0;
  if (pin == PIN_PUMP) { mode = pump_mode; state = guarded_state(mode, pump_level, PUMP_SAFE_LEVEL); }
  else if (pin == PIN_VENT) { mode = vent_mode; state = guarded_state(mode, vent_level, VENT_SAFE_LEVEL); }
  else if (pin == PIN_BUTTON) { mode = button_mode; state = button_mode == MODE_PULLUP; }
  else if (pin == PIN_PRESSURE) { mode = pressure_mode; }
  else if (pin == PIN_PRESSURE2) { mode = pressure2_mode; }
  const uint8_t payload[] = {pin, mode, (uint8_t)(state & 0x7F), (uint8_t)(state >> 7)};
  firmata_send_sysex(SYSEX_PIN_STATE_RESPONSE, payload, sizeof payload);
}

void on_sysex(uint8_t id, const uint8_t *data, uint8_t len) {
  switch (id) {
    case SYSEX_QUERY_FIRMWARE: firmata_send_firmware(); break;
    case SYSEX_CAPABILITY_QUERY: send_capabilities(); break;
    case SYSEX_ANALOG_MAPPING_QUERY: send_analog_mapping(); break;
    case SYSEX_PIN_STATE_QUERY:
      if (len >= 1) send_pin_state(data[0]);
      break;
    case SYSEX_EXTENDED_ANALOG:
      if (len >= 2) {
        uint32_t value = 0;
        for (uint8_t i = 1; i < len && i <= 4; i++) value |= (uint32_t)(data[i] & 0x7F) << (7 * (i - 1));
        on_analog_write(data[0], value > 255 ? 255 : (uint16_t)value);
      }
      break;
    case SYSEX_SAMPLING_INTERVAL:
      if (len >= 2) {
        uint16_t interval = (uint16_t)((data[0] & 0x7F) | ((uint16_t)(data[1] & 0x7F) << 7));
        report_every = (uint16_t)((interval + SAMPLE_PERIOD_MS / 2) / SAMPLE_PERIOD_MS);
        if (report_every == 0) report_every = 1;
      }
      break;
    case GUARD_SYSEX: handle_guard(guard_command(&guard, data, len, now_ms)); break;
    case SYSEX_I2C_REQUEST: i2c_bridge_request(data, len); break;
    case SYSEX_I2C_CONFIG: break; /* the bus runs at 400 kHz; no read delay is needed */
    default: break;
  }
}

/*
 * The second sensor, every millisecond: the conversion that finished since the last tick. The guard
 * judges the mean of the last PRESSURE2_GUARD_READS conversions at once, whatever the first sensor's
 * ADC does, so an overpressure seen only here vents within a few milliseconds; the window's sum is
 * for the host.
 */
static void sample_pressure2(void) {
  uint16_t value;
  if (!hw_adc_take(&value)) return;
  recent2[recent2_next] = value;
  recent2_next = (uint8_t)((recent2_next + 1) % PRESSURE2_GUARD_READS);
  if (recent2_count < PRESSURE2_GUARD_READS) recent2_count++;
  uint16_t sum = 0;
  for (uint8_t i = 0; i < recent2_count; i++) sum += recent2[i];
  handle_guard(guard_sample2(&guard, (uint16_t)((sum + recent2_count / 2) / recent2_count), now_ms));
  window2_sum += value;
  window2_reads++;
}

/*
 * Every millisecond: read both ADCs (the ADS1115 has a fresh conversion every 1.16 ms at 860 SPS).
 * Every SAMPLE_PERIOD_MS: the mean of the window's ADS1115 reads is the sample the guard checks,
 * and every report_every-th window the host receives the second sensor's window mean, then the
 * first sensor's sample, so that it can pair the two readings of one window.
 */
static void sample_pressure(void) {
  int16_t code;
  if (ads1115_tick(now_ms, &code, !i2c_bridge_wants_bus())) {
    adc_sum += code > 0 ? code : 0;
    adc_reads++;
  }
  bool window_done = (uint32_t)(now_ms - window_start_ms) >= SAMPLE_PERIOD_MS;
  uint16_t counts = 0;
  bool fresh = false;
  if (window_done) {
    /* Windows stay on a 10 ms grid; after a long stall the grid restarts from now. */
    window_start_ms += SAMPLE_PERIOD_MS;
    if ((uint32_t)(now_ms - window_start_ms) >= SAMPLE_PERIOD_MS) window_start_ms = now_ms;
    /* No fresh sample: the host sees the gap, the keep-alive and the second sensor still guard. */
    fresh = adc_reads > 0;
    if (fresh) {
      /* The mean of the 15-bit positive range, its lowest bit dropped: 14-bit counts. */
      counts = (uint16_t)(adc_sum / (2 * (int32_t)adc_reads));
      adc_sum = 0;
      adc_reads = 0;
      handle_guard(guard_sample(&guard, counts, now_ms));
    }
  }
  sample_pressure2();
  if (!window_done) return;
  uint16_t counts2 = window2_reads ? (uint16_t)((window2_sum + window2_reads / 2) / window2_reads) : 0;
  bool fresh2 = window2_reads > 0;
  window2_sum = 0;
  window2_reads = 0;
  if (++samples_since_report < report_every) return;
  samples_since_report = 0;
  if (report_pressure2 && fresh2) firmata_send_analog(PRESSURE2_CHANNEL, counts2);
  if (report_pressure && fresh) firmata_send_analog(PRESSURE_CHANNEL, counts);
}

static void watch_button(void) {
  if (!report_port0) return;
  uint8_t value = port0_value();
  if (value != last_port0) {
    last_port0 = value;
    firmata_send_port(0, value);
  }
}

int main(void) {
  uint8_t reset_flags = hw_reset_flags;
  hw_init();
  ads1115_init();
  hw_adc_start();
  now_ms = hw_millis();
  reset_board((reset_flags & _BV(WDRF)) ? REASON_WATCHDOG : REASON_POWER_UP);
  window_start_ms = now_ms;
  firmata_send_version();
  firmata_send_firmware();

  uint32_t seen_ms = now_ms;
  for (;;) {
    hw_watchdog_kick();
    now_ms = hw_millis();
    /* A bounded share of input per pass: a flood of queries waits in the buffer, not the guard. */
    for (uint8_t n = 0; n < RX_BYTES_PER_PASS && hw_rx_available(); n++) firmata_feed(hw_rx_byte());
    handle_guard(guard_poll(&guard, now_ms));
    if (now_ms != seen_ms) {
      seen_ms = now_ms;
      sample_pressure();
      i2c_bridge_tick(now_ms);
      watch_button();
    }
    hw_idle(seen_ms);
  }
}
