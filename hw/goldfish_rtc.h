/*
 * goldfish_rtc: Google's goldfish RTC ("google,goldfish-rtc"), as on QEMU's
 * virt board at 0x101000, PLIC source 11.
 *
 * The clock reads host wall-clock time, taken only through the host_ns hook
 * the machine passes in (its replay gate), plus an offset the guest sets by
 * writing TIME_LOW/TIME_HIGH. Reading TIME_LOW latches the high half for the
 * following TIME_HIGH read, so the two halves come from one hook call.
 *
 * The alarm is deterministic: when the guest writes ALARM_LOW, the distance
 * from the current RTC time to the alarm is converted into a CLOCK_VIRTUAL
 * timer, so the interrupt comes after that much guest time (not host time)
 * and at the same instruction in every replay; only the RTC value itself is
 * a host input.
 */
#ifndef RRSIM_HW_GOLDFISH_RTC_H
#define RRSIM_HW_GOLDFISH_RTC_H

#include <stdint.h>

#include "hw/board.h"
#include "hw/irq.h"

#define GOLDFISH_RTC_TIME_LOW        0x00
#define GOLDFISH_RTC_TIME_HIGH       0x04
#define GOLDFISH_RTC_ALARM_LOW       0x08
#define GOLDFISH_RTC_ALARM_HIGH      0x0c
#define GOLDFISH_RTC_IRQ_ENABLED     0x10
#define GOLDFISH_RTC_CLEAR_ALARM     0x14
#define GOLDFISH_RTC_ALARM_STATUS    0x18
#define GOLDFISH_RTC_CLEAR_INTERRUPT 0x1c

typedef struct GoldfishRtc GoldfishRtc;

/* host_ns returns host wall-clock ns since the Unix epoch. */
GoldfishRtc *goldfish_rtc_create(const Board *b, const char *name, uint64_t base, IrqLine irq,
                                 int64_t (*host_ns)(void *opaque), void *host_opaque,
                                 Error **errp);
void goldfish_rtc_reset(GoldfishRtc *r);
void goldfish_rtc_free(GoldfishRtc *r);

#endif
