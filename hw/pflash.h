/*
 * pflash: one bank of the CFI parallel NOR flash on QEMU's virt board
 * ("cfi-flash", QEMU's pflash_cfi01 with the Intel/Sharp command set): a
 * 32 MiB bank, 32 bits wide, made of two x16 parts in parallel (id 0x89,
 * 0x18), 256 KiB sectors. The board has two banks at 0x20000000 and
 * 0x22000000.
 *
 * What is modelled is what a guest uses to find and size the flash: the
 * read-array / read-ID (0x90) / CFI query (0x98) / status (0x70) modes and
 * the command cycles of program, erase, lock and buffered write, each part's
 * answer replicated on both 16-bit halves of the bus as QEMU does. There is
 * no backing store: the content is the empty flash QEMU shows when no
 * -drive if=pflash is given, all zero bytes, and program/erase cycles are
 * accepted (status reports ready) without changing it. Only the command
 * state is saved.
 */
#ifndef RRSIM_HW_PFLASH_H
#define RRSIM_HW_PFLASH_H

#include <stdint.h>

#include "hw/board.h"

#define PFLASH_CONTENT_BYTE 0x00   /* what reads return in read-array mode */

typedef struct Pflash Pflash;

Pflash *pflash_create(const Board *b, const char *name, uint64_t base, Error **errp);
void pflash_reset(Pflash *f);
void pflash_free(Pflash *f);

#endif
