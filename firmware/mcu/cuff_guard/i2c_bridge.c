#include "i2c_bridge.h"

#include "config.h"
#include "firmata.h"
#include "hw.h"
#include "twi.h"

#define MODE_WRITE 0
#define MODE_READ_ONCE 1
/* Room for the chip's whole set-up (ten writes) sent at once. */
#define QUEUE 12
#define MAX_WRITE 8
/* A transaction still running after this is abandoned and answered without data. */
#define BRIDGE_TIMEOUT_MS 5

typedef struct {
  uint8_t mode;
  uint8_t reg;
  uint8_t tx[1 + MAX_WRITE];
  uint8_t tx_len;
  uint8_t rx_len;
} request_t;

static request_t queue[QUEUE];
static uint8_t head, count;
static bool running;
/* After each request the pressure ADC gets the bus for one read: the guard's samples never starve. */
static bool yielding;
static uint32_t started_ms;
static uint8_t rx[I2C_READ_MAX];

static void reply(const request_t *r, uint8_t bytes) {
  uint8_t payload[4 + 2 * I2C_READ_MAX];
  payload[0] = DISTAL_PULSE_ADDRESS & 0x7F;
  payload[1] = 0;
  payload[2] = (uint8_t)(r->reg & 0x7F);
  payload[3] = (uint8_t)(r->reg >> 7);
  for (uint8_t i = 0; i < bytes; i++) {
    payload[4 + 2 * i] = (uint8_t)(rx[i] & 0x7F);
    payload[5 + 2 * i] = (uint8_t)(rx[i] >> 7);
  }
  firmata_send_sysex(SYSEX_I2C_REPLY, payload, (uint8_t)(4 + 2 * bytes));
}

/* Another device: a read is answered at once without data. */
static void refuse(uint8_t address, uint8_t mode, const uint8_t *pairs, uint8_t n) {
  if (mode != MODE_READ_ONCE) return;
  uint8_t reg = n >= 2 ? pairs[0] : 0;
  const uint8_t payload[] = {(uint8_t)(address & 0x7F), 0, (uint8_t)(reg & 0x7F), (uint8_t)(reg >> 7)};
  firmata_send_sysex(SYSEX_I2C_REPLY, payload, sizeof payload);
}

void i2c_bridge_request(const uint8_t *data, uint8_t len) {
  if (len < 2) return;
  uint16_t address = (uint16_t)(data[0] & 0x7F) | ((uint16_t)(data[1] & 0x07) << 7);
  uint8_t mode = (data[1] >> 3) & 0x03;
  /* The rest are bytes sent as two 7-bit halves. */
  uint8_t pairs[1 + MAX_WRITE];
  uint8_t n = 0;
  for (uint8_t i = 2; i + 1 < len && n < sizeof pairs; i += 2) pairs[n++] = (uint8_t)((data[i] & 0x7F) | (data[i + 1] << 7));
  if (mode != MODE_WRITE && mode != MODE_READ_ONCE) return;
  if (address != DISTAL_PULSE_ADDRESS || (data[1] & 0x20)) {
    refuse((uint8_t)address, mode, pairs, n);
    return;
  }
  if (count == QUEUE || n == 0) return; /* the host's next poll asks again */
  request_t *r = &queue[(head + count) % QUEUE];
  r->mode = mode;
  if (mode == MODE_WRITE) {
    r->reg = pairs[0];
    r->tx_len = n;
    for (uint8_t i = 0; i < n; i++) r->tx[i] = pairs[i];
    r->rx_len = 0;
  } else {
    /* [register, count], or [count] alone from the chip's current register. */
    r->reg = n >= 2 ? pairs[0] : 0;
    r->tx[0] = pairs[0];
    r->tx_len = n >= 2 ? 1 : 0;
    uint8_t want = n >= 2 ? pairs[1] : pairs[0];
    r->rx_len = want > I2C_READ_MAX ? I2C_READ_MAX : want;
    if (r->rx_len == 0) return;
  }
  count++;
}

/* The head request can run now: not the ADC's turn, and a read's reply fits the serial buffer (replies never make the guard's loop wait). */
static bool ready(void) {
  if (count == 0 || yielding) return false;
  const request_t *r = &queue[head];
  return r->mode != MODE_READ_ONCE || hw_tx_free() >= 7 + 2 * r->rx_len;
}

bool i2c_bridge_wants_bus(void) { return running || ready(); }

void i2c_bridge_tick(uint32_t now_ms) {
  if (count == 0) return;
  request_t *r = &queue[head];
  if (running) {
    uint8_t result = twi_result(TWI_OWNER_BRIDGE);
    if (result == TWI_BUSY && (uint32_t)(now_ms - started_ms) < BRIDGE_TIMEOUT_MS) return;
    if (result == TWI_BUSY) twi_abort(TWI_OWNER_BRIDGE);
    else twi_release(TWI_OWNER_BRIDGE);
    running = false;
    yielding = true;
    if (r->mode == MODE_READ_ONCE) reply(r, result == TWI_DONE ? r->rx_len : 0);
    head = (uint8_t)((head + 1) % QUEUE);
    count--;
    return;
  }
  if (yielding) {
    yielding = false;
    return;
  }
  if (!ready()) return;
  if (twi_begin(TWI_OWNER_BRIDGE, DISTAL_PULSE_ADDRESS, r->tx, r->tx_len, rx, r->rx_len)) {
    running = true;
    started_ms = now_ms;
  }
}

void i2c_bridge_reset(void) {
  if (running) twi_abort(TWI_OWNER_BRIDGE);
  running = false;
  yielding = false;
  head = 0;
  count = 0;
}
