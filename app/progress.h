/*
 * progress: how far a long replay has come, on stderr while it runs (step,
 * percent of the journal, rate, time left), and one line at the end saying
 * whether it matched the recording.
 *
 * It reads the step count on a CLOCK_REALTIME timer: host time only, never
 * guest visible, and nothing it does reaches the guest's console (a
 * terminal line is redrawn with \r and cleared before anything else is
 * printed by rrsim; progress on a terminal the guest console also uses is
 * the caller's choice to avoid).
 */
#ifndef RRSIM_APP_PROGRESS_H
#define RRSIM_APP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/machine.h"

typedef struct Progress Progress;

/* Report on out every period (redrawing one line if tty, else one line per
 * report) until progress_free(). total: the journal's last step. */
Progress *progress_new(Machine *m, FILE *out, bool tty, uint64_t total);
/* Clears the line on a terminal. NULL is fine. */
void progress_free(Progress *p);

#endif
