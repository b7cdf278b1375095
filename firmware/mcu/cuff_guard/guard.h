/*
 * The guard of shared/guard.ts (and hardware/sim/guard-model.ts) as a state
 * machine with time as a parameter. No I/O: callers act on the returned events.
 */
#ifndef CUFF_GUARD_H
#define CUFF_GUARD_H

#include <stdbool.h>
#include <stdint.h>

enum { GUARD_SAFE = 0, GUARD_ARMED = 1, GUARD_TRIPPED = 2 };
enum {
  REASON_NONE = 0,
  REASON_KEEPALIVE_LOST = 1,
  REASON_OVERPRESSURE = 2,
  REASON_POWER_UP = 3,
  REASON_WATCHDOG = 4,
  REASON_OVERPRESSURE_SECONDARY = 5,
};
enum {
  GUARD_CONFIGURE = 0x01,
  GUARD_KEEPALIVE = 0x02,
  GUARD_CLEAR = 0x03,
  GUARD_STATUS_QUERY = 0x04,
  GUARD_STATUS = 0x05,
  GUARD_TRIPPED_MSG = 0x06,
};

/* What a guard input asks the caller to do, as bits. */
enum {
  GUARD_EV_TRIPPED = 1 << 0,     /* force safe outputs, forget host levels, send TRIPPED */
  GUARD_EV_SEND_STATUS = 1 << 1, /* answer with STATUS */
};

typedef struct {
  uint8_t state;
  uint8_t reason;
  uint16_t deadline_ms;
  uint16_t trip_counts;
  uint16_t last_counts;
  /* The second sensor's threshold and last reading, in its own counts. */
  uint16_t trip_counts2;
  uint16_t last_counts2;
  uint8_t trip_count;
  bool configured;
  uint32_t keepalive_from_ms;
} guard_t;

void guard_reset(guard_t *g, uint32_t now_ms, uint8_t reason);
uint8_t guard_poll(guard_t *g, uint32_t now_ms);
/* A reading of the first sensor, or of the second; either judges both last readings, the first first. */
uint8_t guard_sample(guard_t *g, uint16_t counts, uint32_t now_ms);
uint8_t guard_sample2(guard_t *g, uint16_t counts, uint32_t now_ms);
uint8_t guard_command(guard_t *g, const uint8_t *payload, uint8_t len, uint32_t now_ms);
static inline bool guard_armed(const guard_t *g) { return g->state == GUARD_ARMED; }

#endif
