/*
 * The host's I2C requests (Firmata I2C_REQUEST, as firmata.js and johnny-five send
 * them): writes and read-once reads, for the distal pulse sensor's chip only. The
 * pressure sensor's ADC on the same bus is the guard's and is never lent to the
 * host: a read of any other address is answered with an I2C_REPLY without data,
 * a write to it is dropped. Continuous reads are not offered (the host polls).
 * Requests wait in a short queue and take turns with the ADC's reads (one request,
 * then one ADC read: the guard's samples never starve). A read starts only when its
 * reply fits the serial buffer, so a host that floods the link with reads fills the
 * queue (further requests are dropped) and never makes the guard's loop wait. A
 * read's reply carries its bytes, or none when the chip did not answer.
 */
#ifndef CUFF_I2C_BRIDGE_H
#define CUFF_I2C_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

/* An I2C_REQUEST's data (after the sysex id). */
void i2c_bridge_request(const uint8_t *data, uint8_t len);
/* A request waits for the bus (the ADC's next read should wait too). */
bool i2c_bridge_wants_bus(void);
/* Every millisecond: start a waiting request on a free bus, send the reply of a finished one. */
void i2c_bridge_tick(uint32_t now_ms);
/* SYSTEM_RESET: drop what waits, abandon what runs. */
void i2c_bridge_reset(void);

#endif
