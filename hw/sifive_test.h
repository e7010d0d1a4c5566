/*
 * sifive_test: the SiFive test finisher at 0x100000 ("sifive,test0"), the
 * virt board's way for a guest to power off or reset.
 *
 * A 32-bit write of 0x5555 powers off with status 0, 0x3333 | code << 16
 * powers off with status `code`, 0x7777 resets; other values are ignored.
 * The request goes to the loop (loop_request_shutdown / loop_request_reset)
 * and takes effect at the next instruction boundary.
 */
#ifndef RRSIM_HW_SIFIVE_TEST_H
#define RRSIM_HW_SIFIVE_TEST_H

#include <stdint.h>

#include "hw/board.h"

#define SIFIVE_TEST_FAIL  0x3333
#define SIFIVE_TEST_PASS  0x5555
#define SIFIVE_TEST_RESET 0x7777

typedef struct SifiveTest SifiveTest;

SifiveTest *sifive_test_create(const Board *b, const char *name, uint64_t base, Error **errp);
void sifive_test_free(SifiveTest *t);

#endif
