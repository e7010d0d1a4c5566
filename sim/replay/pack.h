/*
 * pack: a recording in one file, to replay it somewhere else.
 *
 * A recording is its journal (sim/replay/journal.h) plus what the journal's
 * manifest names only by content hash: the firmware, kernel, initrd, dtb and
 * disk images, and, for a recording that started from a snapshot
 * (rrsnapshot=), the snapshot store. rrsim writes the options a recording
 * was made with beside its journal (the "args" file, pack_args_write()), so
 * that the pack knows which file played which part; each such file must
 * still have the content hash the manifest recorded.
 *
 * Args file "<journal>.args": "rrsim-args 1", the working directory, then
 * rrsim's arguments, each ending with a NUL byte.
 *
 * Pack file (all integers little-endian, checksums as the journal's: the
 * low 64 bits of XXH3-128):
 *
 *   "RRSIMPAK" | u32 version (1) | u32 entry count | u64 index length |
 *   u64 checksum of the 24 bytes before it
 *   index: per entry u16 name length | name | u64 offset | u64 size |
 *          u64 stored size | u64 hash.lo | u64 hash.hi (of the content)
 *   u64 checksum of the index
 *   data: each entry's content as one zstd frame, at its offset
 *
 * Entries: "args" (the replay's arguments, NUL-terminated, where "%PACK%"
 * stands for the directory the pack is extracted to), "journal", and one
 * per image: "firmware", "kernel", "initrd", "dtb", "disk0".., "snapshots".
 * Every length is checked against the file's size and every entry's hash
 * after decompression, so a cut or damaged pack is refused with ERR_IO
 * naming what is wrong, never half extracted into a replay.
 */
#ifndef RRSIM_SIM_REPLAY_PACK_H
#define RRSIM_SIM_REPLAY_PACK_H

#include <stdbool.h>
#include <stdio.h>

#include "sim/base/error.h"

#define PACK_MAGIC "RRSIMPAK"
#define PACK_VERSION 1u
#define PACK_PLACEHOLDER "%PACK%"

typedef struct PackArgs {
    char **v;
    int n;
} PackArgs;

void pack_args_free(PackArgs *a);

/* Write "<journal>.args": the working directory and argv[1..argc). An
 * argument list without -bios gets "-bios default_bios" when that is
 * non-NULL, so the firmware the machine picked is named. ERR_IO. */
bool pack_args_write(const char *journal, int argc, char **argv, const char *default_bios,
                     Error **errp);

/* The path of a recording's args file (caller frees). */
char *pack_args_path(const char *journal);

/* The options that replay `journal` in place, with its images where the
 * recording found them: rrsim's arguments without argv[0]. ERR_IO when the
 * args file is missing or unreadable. */
bool pack_replay_args(const char *journal, PackArgs *out, Error **errp);

/* rrsim-journal pack: write `out` from the recording `journal`. Errors:
 * ERR_IO (missing files, a file whose content changed since the recording,
 * naming it), journal errors. `log` (may be NULL) gets one line per entry. */
bool pack_create(const char *journal, const char *out, FILE *log, Error **errp);

/* Check the whole pack and extract it into the existing directory `dir`;
 * *args receives the replay's options with PACK_PLACEHOLDER replaced by
 * dir. ERR_IO for any damage, naming the entry. */
bool pack_extract(const char *pack, const char *dir, PackArgs *args, Error **errp);

/* The entries, one per line (name, size, hash). */
bool pack_list(const char *pack, FILE *out, Error **errp);

#endif
