#include "guard.h"
#include "config.h"

static uint16_t from7bit14(uint8_t lsb, uint8_t msb) { return (uint16_t)((lsb & 0x7F) | ((uint16_t)(msb & 0x7F) << 7)); }

static void arm(guard_t *g, uint32_t now_ms) {
  g->state = GUARD_ARMED;
  g->reason = REASON_NONE;
  g->keepalive_from_ms = now_ms;
}

static uint8_t trip(guard_t *g, uint8_t reason) {
  g->state = GUARD_TRIPPED;
  g->reason = reason;
  if (g->trip_count < GUARD_TRIP_COUNT_MAX) g->trip_count++;
  return GUARD_EV_TRIPPED;
}

void guard_reset(guard_t *g, uint32_t now_ms, uint8_t reason) {
  g->state = GUARD_SAFE;
  g->reason = reason;
  g->deadline_ms = GUARD_DEFAULT_DEADLINE_MS;
  g->trip_counts = GUARD_MAX_TRIP_COUNTS;
  g->trip_counts2 = GUARD_MAX_TRIP_COUNTS2;
  g->last_counts = 0;
  g->last_counts2 = 0;
  g->trip_count = 0;
  g->configured = false;
  g->keepalive_from_ms = now_ms;
}

/*
 * Trip once deadline_ms have elapsed since the keep-alive (one arriving exactly at
 * the deadline is too late, shared/guard.ts). Times are whole ticks of the 1 ms
 * clock, so a difference of deadline_ms ticks may be up to 1 ms short of it:
 * the first difference that guarantees the deadline is deadline_ms + 1.
 */
uint8_t guard_poll(guard_t *g, uint32_t now_ms) {
  if (g->state == GUARD_ARMED && (uint32_t)(now_ms - g->keepalive_from_ms) > g->deadline_ms) {
    return trip(g, REASON_KEEPALIVE_LOST);
  }
  return 0;
}

static uint16_t clamp14(uint16_t counts) { return counts > 0x3FFF ? 0x3FFF : counts; }

static bool over2(const guard_t *g) { return g->last_counts2 >= g->trip_counts2; }

static uint8_t check_pressure(guard_t *g) {
  if (g->state == GUARD_TRIPPED) return 0;
  if (g->last_counts >= g->trip_counts) return trip(g, REASON_OVERPRESSURE);
  if (over2(g)) return trip(g, REASON_OVERPRESSURE_SECONDARY);
  return 0;
}

uint8_t guard_sample(guard_t *g, uint16_t counts, uint32_t now_ms) {
  uint8_t events = guard_poll(g, now_ms);
  g->last_counts = clamp14(counts);
  return events | check_pressure(g);
}

uint8_t guard_sample2(guard_t *g, uint16_t counts, uint32_t now_ms) {
  uint8_t events = guard_poll(g, now_ms);
  g->last_counts2 = clamp14(counts);
  return events | check_pressure(g);
}

uint8_t guard_command(guard_t *g, const uint8_t *payload, uint8_t len, uint32_t now_ms) {
  uint8_t events = guard_poll(g, now_ms);
  if (len == 0) return events;
  switch (payload[0]) {
    case GUARD_CONFIGURE: {
      if (len < 5) return events;
      uint16_t deadline = from7bit14(payload[1], payload[2]);
      uint16_t trip_counts = from7bit14(payload[3], payload[4]);
      if (deadline < GUARD_MIN_DEADLINE_MS) deadline = GUARD_MIN_DEADLINE_MS;
      if (deadline > GUARD_MAX_DEADLINE_MS) deadline = GUARD_MAX_DEADLINE_MS;
      if (trip_counts > GUARD_MAX_TRIP_COUNTS) trip_counts = GUARD_MAX_TRIP_COUNTS;
      /* A host that predates the second sensor leaves it at its compiled-in ceiling. */
      uint16_t trip_counts2 = len >= 7 ? from7bit14(payload[5], payload[6]) : GUARD_MAX_TRIP_COUNTS2;
      if (trip_counts2 > GUARD_MAX_TRIP_COUNTS2) trip_counts2 = GUARD_MAX_TRIP_COUNTS2;
      g->deadline_ms = deadline;
      g->trip_counts = trip_counts;
      g->trip_counts2 = trip_counts2;
      g->configured = true;
      if (g->state != GUARD_TRIPPED) arm(g, now_ms);
      return events | GUARD_EV_SEND_STATUS;
    }
    case GUARD_KEEPALIVE:
      if (g->state == GUARD_ARMED) g->keepalive_from_ms = now_ms;
      return events;
    case GUARD_CLEAR:
      if (g->state == GUARD_TRIPPED && g->last_counts < g->trip_counts && !over2(g)) {
        if (g->configured) {
          arm(g, now_ms);
        } else {
          g->state = GUARD_SAFE;
          g->reason = REASON_POWER_UP;
        }
      }
      return events | GUARD_EV_SEND_STATUS;
    case GUARD_STATUS_QUERY:
      return events | GUARD_EV_SEND_STATUS;
    default:
      return events;
  }
}
