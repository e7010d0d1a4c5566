/*
 * icount: instruction counting and the virtual clock.
 *
 * Only this module turns instructions into time. CLOCK_VIRTUAL (ns) is
 *     (steps << shift) + bias
 * where steps is the hart's exact step count (hart_icount()) and bias grows
 * only by warps: when the hart idles (WFI, nothing pending) the clock jumps to
 * the next VIRTUAL deadline (sleep=off), or advances by however much host time
 * passed while waiting (sleep=on; the amount is then an input that
 * sim/replay records and replays).
 *
 * The machine asks icount_budget() how many steps the hart may run before the
 * next VIRTUAL deadline, so timers fire at the same instruction in every run.
 *
 * Options follow QEMU: -icount shift=N|auto[,sleep=on|off][,align=on|off]
 * [,rr=record|replay,rrfile=PATH][,rrsnapshot=NAME]. The rr* keys are parsed
 * here and handed to sim/replay and snapshots. rrsim adds two of its own:
 *   rrcheckpoint=N  while recording, a state digest every N steps (0 = none),
 *                   which replay checks to report a divergence where it starts;
 *   quantum=N       with several harts (-smp), the steps each hart runs
 *                   before the next one's turn (ICOUNT_DEFAULT_QUANTUM);
 *                   part of the machine a recording was made on.
 *   rrcorrupt=STEP  replay only, for testing divergence reports: flip a bit of
 *                   a hart register when the replay reaches STEP.
 *
 * Where rrsim departs from QEMU, on purpose:
 *  - shift=auto. QEMU adapts the shift to host speed every few hundred ms, so
 *    guest-visible time would depend on host load. rrsim accepts the spelling
 *    but fixes the shift at ICOUNT_AUTO_SHIFT (QEMU's starting value for auto)
 *    and never adapts it: virtual time stays a pure function of the step count
 *    and the journal. Pacing against the host is align=on's job instead.
 *  - sleep defaults to off (QEMU: on), because sleep=off is deterministic
 *    without a journal.
 *  - align=on is allowed with sleep=off and with shift=auto (QEMU refuses both):
 *    it only ever makes the host wait, so it cannot change what the guest sees.
 *    It is therefore not part of icount_options_canonical() and a recording
 *    may be replayed with or without it.
 *
 * Arithmetic never overflows: virtual time saturates at INT64_MAX (about 292
 * years of guest time), and budgets are computed in unsigned 64-bit space.
 */
#ifndef RRSIM_SIM_ICOUNT_ICOUNT_H
#define RRSIM_SIM_ICOUNT_ICOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"

#define ICOUNT_MAX_SHIFT 10
#define ICOUNT_DEFAULT_SHIFT 0    /* 1 ns per step: a 1 GHz-like guest */
#define ICOUNT_AUTO_SHIFT 3       /* what shift=auto means in rrsim: 8 ns per step */
#define ICOUNT_DEFAULT_CHECKPOINT 100000000ull  /* steps between recorded digests */
#define ICOUNT_DEFAULT_QUANTUM 10000ull   /* steps per hart turn (-smp) */
#define ICOUNT_MAX_QUANTUM (1ull << 32)

/* align=on: host waits shorter than this are not worth a poll. */
#define ICOUNT_ALIGN_SLACK_NS (1000 * 1000LL)
/* align=on: if the host falls further behind than this, forget the debt
 * rather than letting the guest run unpaced until the host catches up. */
#define ICOUNT_ALIGN_MAX_LAG_NS (100 * 1000 * 1000LL)

typedef enum IcountRR { ICOUNT_RR_NONE = 0, ICOUNT_RR_RECORD, ICOUNT_RR_REPLAY } IcountRR;

typedef struct IcountOptions {
    int shift;             /* 0..ICOUNT_MAX_SHIFT (ICOUNT_AUTO_SHIFT when shift_auto) */
    bool shift_auto;       /* shift=auto */
    bool sleep;            /* sleep=on: idle waits in host time */
    bool align;            /* align=on: keep virtual time from running ahead of host time */
    IcountRR rr;
    char *rrfile;          /* owned; NULL if none */
    char *rrsnapshot;      /* owned; NULL if none */
    uint64_t rrcheckpoint; /* steps between digests while recording; 0 = none */
    uint64_t quantum;      /* steps per hart turn with several harts; 0 = default */
    bool rrcorrupt_set;    /* debug: corrupt a register in replay ... */
    uint64_t rrcorrupt;    /* ... at this step count */
} IcountOptions;

/* Defaults: shift=0, sleep=off, align=off, rr none, rrcheckpoint=ICOUNT_DEFAULT_CHECKPOINT. */
void icount_options_init(IcountOptions *o);
/* Parse "shift=3,sleep=off,rr=record,rrfile=x.rr" (QEMU syntax; a bare first
 * item means shift=N, or auto). Booleans take on/off (also yes/no, true/false).
 * A repeated key overrides the earlier one. Errors are ERR_USAGE and name the
 * bad key; rr= requires rrfile=, and rrfile=/rrsnapshot= require rr=.
 * On failure *o keeps whatever was parsed so far and must still be freed. */
bool icount_options_parse(IcountOptions *o, const char *spec, Error **errp);
void icount_options_free(IcountOptions *o);
/* The guest-visible part of the options in one canonical spelling, for
 * journal manifests: "shift=N,sleep=on|off" (auto spelled as its fixed
 * shift). Caller frees. */
char *icount_options_canonical(const IcountOptions *o);

typedef struct Icount Icount;

/* Create and install as the loop's CLOCK_VIRTUAL source. get_steps returns the
 * hart's exact step count. Never fails today; errp is for future checks. */
Icount *icount_new(Loop *loop, const IcountOptions *o,
                   uint64_t (*get_steps)(void *opaque), void *opaque, Error **errp);
/* Uninstalls the clock source (CLOCK_VIRTUAL then freezes at its last value). */
void icount_free(Icount *ic);

int64_t icount_virtual_ns(Icount *ic);
int icount_shift(const Icount *ic);
bool icount_sleep_on(const Icount *ic);
uint64_t icount_steps(Icount *ic);

/* Steps the hart may run before CLOCK_VIRTUAL reaches deadline_ns (absolute;
 * -1 = no deadline, returns max_budget). 0 if the deadline is already due.
 * Exact: the smallest n with ((steps + n) << shift) + bias >= deadline_ns,
 * so after running n steps the deadline is due and after n - 1 it is not.
 * The result is capped at max_budget. */
uint64_t icount_budget(Icount *ic, int64_t deadline_ns, uint64_t max_budget);
/* icount_budget() against the loop's soonest CLOCK_VIRTUAL deadline. */
uint64_t icount_budget_to_deadline(Icount *ic, uint64_t max_budget);

/* Idle warp: move CLOCK_VIRTUAL forward by delta_ns (>= 0) without steps. */
void icount_warp(Icount *ic, int64_t delta_ns);
/* ns from now to the soonest CLOCK_VIRTUAL deadline: 0 if already due, -1 if
 * no VIRTUAL timer is armed. */
int64_t icount_time_to_deadline(Icount *ic);
/* sleep=off idle: jump straight to the soonest deadline. Returns the ns
 * warped (0 if already due), or -1 if no timer is armed (nothing to wait for
 * but host input). */
int64_t icount_warp_to_deadline(Icount *ic);

/* align=on: how long (host ns) the machine should wait now, e.g. with
 * loop_wait_bounded(), so that virtual time does not run ahead of host time.
 * 0 when align is off or virtual time is not ahead by more than the slack.
 * Reads CLOCK_REALTIME; the result only decides host waits, never guest state. */
int64_t icount_align_delay(Icount *ic);

/* Snapshot support: the warp bias (and shift) are machine state. */
int64_t icount_get_bias(const Icount *ic);
void icount_set_bias(Icount *ic, int64_t bias);

#endif
