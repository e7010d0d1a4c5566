/*
 * hmp: QEMU's human monitor (HMP) for people at a terminal: the "(qemu) "
 * prompt, `info status`, `x /4xw ADDR`, `cont`, `savevm`, ... with QEMU's
 * command names and, where practical, its output lines.
 *
 * Contract:
 *  - The commands that QMP also has (stop, cont, system_reset, quit,
 *    replay_*, savevm/loadvm/delvm, info status|replay|snapshots) are carried
 *    out by the same QmpOps callbacks, so both monitors refuse and allow the
 *    same things (e.g. system_reset while recording or replaying). The rest
 *    (registers, memory, the memory map, the device list) come from HmpOps.
 *  - Memory is read without side effects: HmpOps.read_mem never touches a
 *    device, so `x`/`xp` cannot change what the guest sees.
 *  - The session is a line-oriented text protocol: bytes in through
 *    hmp_session_input() in any fragments, text out through the write
 *    function. Complete lines wait (bounded: HMP_MAX_PENDING bytes, beyond
 *    which input is dropped) while HmpOps.busy says so. Lines end at CR or LF; with echo on (a terminal in raw mode)
 *    typed characters are echoed and backspace edits the line.
 *  - Commands run on the simulation thread while the hart is not running.
 *
 * Transports (hmp_new): "stdio" (fd 0/1 as they are; refuses a terminal
 * shared with the serial port, which is cmdline's check), "none",
 * "unix:PATH,server[,nowait]", "tcp:HOST:PORT,server[,nowait]". One socket
 * client at a time. The mux of `-serial mon:stdio` drives a session of its
 * own (see sim/chardev: Ctrl-A c).
 */
#ifndef RRSIM_SIM_MONITOR_HMP_H
#define RRSIM_SIM_MONITOR_HMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"
#include "sim/monitor/qmp.h"

/* The prompt, as QEMU prints it. */
#define HMP_PROMPT "(qemu) "
#define HMP_MAX_PENDING (64u * 1024)

typedef struct HmpOps {
    /* The commands shared with QMP, called with the same target. */
    const QmpOps *qmp;
    /* `info registers`, `info mtree`, `info qtree`: write the text to out. */
    void (*info_registers)(void *target, FILE *out);
    void (*info_mtree)(void *target, FILE *out);
    void (*info_qtree)(void *target, FILE *out);
    /* Read len bytes at addr, physical (xp) or through the hart's current
     * translation (x); RAM and ROM only. false: not readable. */
    bool (*read_mem)(void *target, uint64_t addr, bool phys, void *buf, size_t len);
    /* x/i: disassemble the instruction whose bits are raw at pc into buf;
     * returns its length (2 or 4). NULL: x/i is refused. */
    int (*disas)(char *buf, size_t size, uint64_t pc, uint32_t raw);
    /* A register by name for address expressions ($pc, $sp, $a0, $x5). */
    bool (*read_reg)(void *target, const char *name, uint64_t *value);
    /* true while a request (cont, stop, quit) is not yet carried out:
     * further lines wait (hmp_session_pump()), so "cont" then "info status"
     * says running, as in QEMU where cont and stop are synchronous. */
    bool (*busy)(void *target);
} HmpOps;

/* ---- x /fmt: QEMU's count, format and size, sticky between commands ---- */

typedef struct HmpFormat {
    int count;      /* items, default 1 */
    char format;    /* x d u o c i */
    int size;       /* bytes per item: 1 b, 2 h, 4 w, 8 g */
} HmpFormat;

/*
 * Parse "/[count][format][size]" (letters in any order, as QEMU). `last`
 * holds the defaults (the previous command's format and size) and is
 * updated. s may be NULL or not start with '/': count 1, last's format.
 * Errors (ERR_USAGE) use QEMU's words: "invalid char in format: 'z'".
 */
bool hmp_parse_format(const char *s, HmpFormat *last, HmpFormat *out, Error **errp);

/* QEMU's memory_dump lines for f at addr ("%016x: 0x... 0x..."). */
void hmp_memory_dump(FILE *out, const HmpOps *ops, void *target, const HmpFormat *f,
                     uint64_t addr, bool phys);

/* ---- the session ---- */

typedef struct HmpSession HmpSession;
typedef void HmpWriteFn(void *opaque, const char *buf, size_t len);

/* Writes the banner and the first prompt at once. echo: a raw terminal. */
HmpSession *hmp_session_new(const HmpOps *ops, void *target, HmpWriteFn *write, void *opaque,
                            bool echo);
void hmp_session_free(HmpSession *s);
void hmp_session_input(HmpSession *s, const char *buf, size_t len);
/* Run the lines that waited while the target was busy. */
void hmp_session_pump(HmpSession *s);
/* Print a fresh prompt (the mux switched back to the monitor). */
void hmp_session_prompt(HmpSession *s);
/* Whether the session asked to quit (no more prompts). */
bool hmp_session_quit(const HmpSession *s);
/* Run one command line; its output goes to out. */
void hmp_session_command(HmpSession *s, const char *line, FILE *out);

/* ---- transports ---- */

typedef struct Hmp Hmp;

/* Errors: ERR_USAGE for a bad spec, ERR_IO for socket failures. */
Hmp *hmp_new(Loop *loop, const char *spec, const HmpOps *ops, void *target, Error **errp);
void hmp_free(Hmp *h);
bool hmp_connected(const Hmp *h);
/* hmp_session_pump() for the connected client, if any. */
void hmp_pump(Hmp *h);

#endif
