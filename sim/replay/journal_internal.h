/*
 * Shared between the files of sim/replay only: byte buffers and reader
 * details the inspection code needs but the public contract does not.
 */
#ifndef RRSIM_SIM_REPLAY_JOURNAL_INTERNAL_H
#define RRSIM_SIM_REPLAY_JOURNAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/replay/journal.h"

typedef struct JBuf {
    uint8_t *data;
    size_t len, cap;
} JBuf;

void jbuf_reserve(JBuf *b, size_t extra);
void jbuf_put(JBuf *b, const void *p, size_t n);
void jbuf_free(JBuf *b);

/* Low 64 bits of XXH3-128 over a then b. */
uint64_t journal_checksum(const void *a, size_t alen, const void *b, size_t blen);

/* Open a journal without ever blocking: O_NONBLOCK keeps open(2) from waiting
 * for the other end of a FIFO, and anything but a regular file is refused
 * (a FIFO or a device has no stable content to replay, and seeking in it
 * fails). Then take the file's lock without waiting: a recording holds it
 * exclusively, readers share it, so a second recorder, or a replay of a
 * journal still being written, is refused instead of reading or clobbering
 * a file that changes underneath it. flock(2) locks belong to the open file,
 * so several readers in one process coexist. All errors are ERR_IO. */
int journal_file_open(const char *path, bool write, Error **errp);

/* The virtual clock a journal implies, followed event by event with every
 * sum overflow-checked: the last digest's clock (0 before any), plus the
 * steps since it shifted by the manifest's icount shift, plus the warps
 * journaled since it. Without sleep=on warps are not journaled, so this is a
 * lower bound of the real clock; a journal whose lower bound already passes
 * INT64_MAX ns (292 years) cannot come from a recording and is corrupt. */
typedef struct JournalVclock {
    int shift;
    uint64_t base_steps;      /* steps of the last digest */
    int64_t base_ns;          /* its clock */
    int64_t warps;            /* ns warped since it */
    int64_t now_ns;           /* the lower bound at the last event */
} JournalVclock;

void journal_vclock_init(JournalVclock *v, int shift);
/* Account for ev (events in journal order). false with ERR_JOURNAL_CORRUPT
 * naming the event and path when a sum overflows. */
bool journal_vclock_event(JournalVclock *v, const JournalEvent *ev, const char *path,
                          Error **errp);

const char *journal_reader_path(const JournalReader *r);
uint64_t journal_reader_frame_last_steps(const JournalReader *r, size_t i);

#endif
