/*
 * Shared between the files of sim/replay only: byte buffers and reader
 * details the inspection code needs but the public contract does not.
 */
#ifndef RRSIM_SIM_REPLAY_JOURNAL_INTERNAL_H
#define RRSIM_SIM_REPLAY_JOURNAL_INTERNAL_H

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

const char *journal_reader_path(const JournalReader *r);
uint64_t journal_reader_frame_last_steps(const JournalReader *r, size_t i);

#endif
