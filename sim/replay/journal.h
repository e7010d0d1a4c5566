/*
 * journal: the on-disk record of everything that entered a simulation from
 * outside, stamped with the hart's step count. sim/replay writes and reads it;
 * the rrsim-journal tool inspects it. This header is the format's contract.
 *
 * File layout (all integers little-endian):
 *
 *   file header   "RRSIMJNL" | u32 format version | u32 manifest length |
 *                 u64 checksum of the 16 bytes before it |
 *                 manifest | u64 checksum of the manifest
 *   frame*        frame header (56 bytes) | zstd frame
 *   [index frame] a frame listing every event frame (clean close only)
 *   [trailer]     "RJTRAILR" | u64 offset of the index frame | u64 checksum
 *
 * The magic and version come first and never move, so a reader can always
 * tell "not a journal" from "a journal of another format version".
 *
 * Frame header: "RJFR" | u8 type | u8 flags | u16 0 | u64 first_steps |
 * u64 first_event | u32 n_events | u32 raw_len | u32 comp_len | u32 0 |
 * u64 payload checksum (of the compressed bytes) | u64 header checksum (of the
 * 48 bytes before it, then the manifest's checksum: a frame moved into
 * another journal fails it). Each frame is an independent zstd frame, so
 *  (a) a recording killed at any byte is readable up to its last complete
 *      frame (frames are written with one write(2) each, and flushed at least
 *      at every checkpoint), and
 *  (b) a reader finds the frame covering a step count from the index, or by
 *      hopping from header to header, without decompressing anything before.
 *
 * Events inside a frame: varint step delta (from the previous event; the
 * first from the frame's first_steps) | u8 kind | varint payload length |
 * payload. A frame's first_steps is the step count of the last event before
 * it, so the events of frame k have steps in [first_steps_k, first_steps_k+1].
 *
 * Checksums are the low 64 bits of XXH3-128 (sim/base/hash.h). They catch
 * damage, not tampering. Every length is checked against hard limits before
 * anything is allocated, so a hostile file costs at most a few MiB.
 *
 * Errors: ERR_IO (cannot open/read/write), ERR_JOURNAL_TRUNCATED (ends before
 * its end marker), ERR_JOURNAL_CORRUPT (bad magic, checksum, framing or
 * decoding), ERR_JOURNAL_VERSION (another format version).
 */
#ifndef RRSIM_SIM_REPLAY_JOURNAL_H
#define RRSIM_SIM_REPLAY_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/base/error.h"
#include "sim/base/hash.h"
#include "sim/loop/loop.h"

#define JOURNAL_MAGIC "RRSIMJNL"
/* 2: frame header checksums cover the manifest's checksum. */
#define JOURNAL_FORMAT_VERSION 2u

/* Hard limits, checked by writer and reader alike. */
#define JOURNAL_MAX_MANIFEST   (1u << 20)   /* manifest bytes */
#define JOURNAL_MAX_STRING     (1u << 16)   /* one manifest string */
#define JOURNAL_MAX_INPUTS     256u         /* named input hashes */
#define JOURNAL_MAX_PAYLOAD    (1u << 20)   /* one event's payload */
#define JOURNAL_MAX_FRAME_RAW  (4u << 20)   /* one frame, decompressed */
#define JOURNAL_DEFAULT_FRAME_BYTES (64u << 10) /* writer flushes past this */
#define JOURNAL_MAX_FRAMES     (1u << 26)   /* index entries */

/* ---- manifest: what the recording depends on ---- */

typedef struct JournalInput {
    char *name;       /* "firmware", "kernel", "initrd", "dtb", ... */
    Hash128 hash;     /* of the file's content */
} JournalInput;

typedef struct JournalManifest {
    uint32_t format_version;  /* set by the reader; the writer always writes the current one */
    char *rrsim_version;      /* e.g. RRSIM_VERSION */
    char *machine;            /* canonical machine options, without the rr* keys */
    int icount_shift;         /* to turn steps into virtual time */
    size_t n_inputs;
    JournalInput *inputs;
} JournalManifest;

/* The manifest entry that names the recording itself: its "hash" is a
 * random nonce drawn when the recording starts, so no two recordings share
 * it (snapshots are bound to it). It is not an input: manifests are
 * compared without it. Journals written before it existed lack it. */
#define JOURNAL_INPUT_RECORDING "recording"

void journal_manifest_init(JournalManifest *m, const char *rrsim_version, const char *machine,
                           int icount_shift);
/* Add (or replace) a named input. */
void journal_manifest_add_input(JournalManifest *m, const char *name, Hash128 hash);
const JournalInput *journal_manifest_find(const JournalManifest *m, const char *name);
void journal_manifest_copy(JournalManifest *dst, const JournalManifest *src);
void journal_manifest_free(JournalManifest *m);

/* ---- events ---- */

typedef enum JournalEventKind {
    JOURNAL_EV_CHAR_INPUT = 1,  /* async: bytes for chardev `chr` */
    JOURNAL_EV_CLOCK_READ,      /* sync: a guest-visible host clock read */
    JOURNAL_EV_WARP,            /* async: ns added to CLOCK_VIRTUAL while idle (sleep=on) */
    JOURNAL_EV_SHUTDOWN,        /* async: host-requested shutdown (signal, monitor) */
    JOURNAL_EV_RESET,           /* async: host-requested reset */
    JOURNAL_EV_MONITOR,         /* async: a monitor action, opaque string */
    JOURNAL_EV_RANDOM,          /* sync: random bytes the guest received */
    JOURNAL_EV_CHECKPOINT,      /* async: state digest, checked in replay */
    JOURNAL_EV_END,             /* async, last: clean end of the recording */
    JOURNAL_EV_NET_RX,          /* async: a frame delivered to NIC `arg` */
    JOURNAL_EV_KIND_COUNT
} JournalEventKind;

/* Synchronous events are consumed when the guest performs the action; the
 * rest are delivered by the machine at their step count. */
static inline bool journal_event_is_sync(JournalEventKind k)
{
    return k == JOURNAL_EV_CLOCK_READ || k == JOURNAL_EV_RANDOM;
}

/* What a checkpoint (and the end marker) records about the machine. */
typedef struct JournalDigest {
    uint64_t pc;
    int64_t vclock_ns;        /* CLOCK_VIRTUAL */
    Hash128 hart;             /* hart state (registers, CSRs, ...) */
    Hash128 devices;          /* device state */
    bool has_ram;
    Hash128 ram;
    bool has_xregs;           /* x0..x31 included, to name a differing register */
    uint64_t xregs[32];
} JournalDigest;

typedef struct JournalEvent {
    uint64_t steps;           /* absolute step count */
    uint64_t ordinal;         /* position in the journal, from 0 */
    JournalEventKind kind;
    /* CHAR_INPUT: chr; CLOCK_READ: clock; SHUTDOWN: cause; NET_RX: nic */
    int32_t arg;
    /* CLOCK_READ: value; WARP: ns */
    int64_t value;
    /* CHAR_INPUT, MONITOR, RANDOM, NET_RX: the bytes. When read, the pointer is into
     * the reader's buffer and valid until the next call on that reader. */
    const uint8_t *data;
    size_t len;
    /* CHECKPOINT, END */
    JournalDigest digest;
} JournalEvent;

const char *journal_event_kind_name(JournalEventKind k);
const char *journal_clock_name(ClockType c);
const char *journal_shutdown_name(ShutdownCause c);
/* One readable line (no newline) describing ev, e.g. for dumps. Caller frees. */
char *journal_event_describe(const JournalEvent *ev);

/* ---- writing ---- */

typedef struct JournalWriter JournalWriter;

/* Create path, take its exclusive lock, truncate it and write the header.
 * Refused (ERR_IO, never waiting) when path is not a regular file, or when
 * another recorder or a reader holds the journal; the lock lasts until the
 * writer is finished or abandoned. */
JournalWriter *journal_writer_open(const char *path, const JournalManifest *m, Error **errp);
/* Frame size policy (tests use tiny frames): flush once a frame holds
 * max_bytes of payload or max_events events (0 = no event limit). */
void journal_writer_set_frame_limits(JournalWriter *w, size_t max_bytes, uint32_t max_events);
/* Append one event; ev->steps must not be below the previous event's. The
 * event is on disk once its frame is flushed. ev->ordinal is ignored. */
bool journal_writer_append(JournalWriter *w, const JournalEvent *ev, Error **errp);
/* Close the current frame, if any, and write it. */
bool journal_writer_flush(JournalWriter *w, Error **errp);
/* Steps of the last event appended (0 before any). */
uint64_t journal_writer_last_steps(const JournalWriter *w);
uint64_t journal_writer_event_count(const JournalWriter *w);
/* Finish: the last event appended must be an END event. Writes the last frame,
 * the index and the trailer, then frees w (also on failure). */
bool journal_writer_finish(JournalWriter *w, Error **errp);
/* Give up: write what is buffered as complete frames (so the file reads as a
 * truncated recording), close and free. Errors are ignored. */
void journal_writer_abandon(JournalWriter *w);

/* ---- reading ---- */

typedef struct JournalFrameInfo {
    uint64_t offset;          /* file offset of the frame header */
    uint64_t first_steps;
    uint64_t first_event;
    uint32_t n_events;
    uint32_t raw_len, comp_len;
    uint8_t flags;
} JournalFrameInfo;

#define JOURNAL_FRAME_HAS_END 0x01

typedef enum JournalEnd {
    JOURNAL_END_CLEAN = 0,     /* end marker, index and trailer intact */
    JOURNAL_END_NO_INDEX,      /* end marker present; index or trailer missing/incomplete */
    JOURNAL_END_TRUNCATED,     /* no end marker: the recording was interrupted */
} JournalEnd;

typedef struct JournalReader JournalReader;

/* Open path: read and check the header, then locate every complete event frame
 * (from the index when it is intact, else by scanning frame headers). With
 * `verify`, also read every frame's compressed bytes and check its checksum,
 * so damage anywhere is refused now rather than met halfway through a replay;
 * without it, frames are checked when first decoded.
 * A truncated recording opens successfully: see journal_reader_end(). */
/* The reader holds a shared lock on the file until freed: a journal still
 * being recorded (or not a regular file) is refused with ERR_IO, at once. */
JournalReader *journal_reader_open(const char *path, bool verify, Error **errp);
void journal_reader_free(JournalReader *r);

const JournalManifest *journal_reader_manifest(const JournalReader *r);
JournalEnd journal_reader_end(const JournalReader *r);
/* Total events in complete frames, and the steps of the last one. */
uint64_t journal_reader_event_count(const JournalReader *r);
uint64_t journal_reader_last_steps(const JournalReader *r);
/* Kind of the last event (0 if none). */
JournalEventKind journal_reader_last_kind(const JournalReader *r);
/* Where readable data ends (file offset) and how big the file is. */
uint64_t journal_reader_valid_bytes(const JournalReader *r);
uint64_t journal_reader_file_size(const JournalReader *r);
bool journal_reader_used_index(const JournalReader *r);
size_t journal_reader_frame_count(const JournalReader *r);
const JournalFrameInfo *journal_reader_frame(const JournalReader *r, size_t i);
/* The error describing how the journal ends when it is not clean (class
 * ERR_JOURNAL_TRUNCATED, naming the step count reached), or NULL if clean. */
Error *journal_reader_end_error(const JournalReader *r);

/* A position in the event stream with its own decode buffer; several cursors
 * may walk one reader independently. */
typedef struct JournalCursor JournalCursor;

JournalCursor *journal_cursor_new(JournalReader *r);
void journal_cursor_free(JournalCursor *c);
/* The next event: true with *ev filled; false at the end of the readable
 * events (no error) or on damage (error set, ERR_JOURNAL_CORRUPT). */
bool journal_cursor_next(JournalCursor *c, JournalEvent *ev, Error **errp);
/* Ordinal of the event the next journal_cursor_next() returns. */
uint64_t journal_cursor_position(const JournalCursor *c);
/* Position at the event with this ordinal (== event count means the end). */
bool journal_cursor_seek_event(JournalCursor *c, uint64_t ordinal, Error **errp);
/* Position at the first event with steps >= `steps`, decoding only the frame
 * that covers it. */
bool journal_cursor_seek_steps(JournalCursor *c, uint64_t steps, Error **errp);

/* ---- inspection (the rrsim-journal tool) ---- */

/* Manifest, event counts by kind, length in steps and virtual time, how it ends.
 * A truncated journal is described, not an error. */
bool journal_info(const char *path, FILE *out, Error **errp);
/* The facts journal_info() prints, for other renderings (rrsim-journal
 * info --json). Free with journal_info_free(). */
typedef struct JournalInfo {
    JournalManifest manifest;
    size_t frames;
    bool index_used;
    uint64_t events;
    uint64_t counts[JOURNAL_EV_KIND_COUNT];   /* by JournalEventKind */
    uint64_t steps;                           /* the last event's step */
    int64_t virtual_ns;
    bool virtual_exact;                       /* from the end marker, else a lower bound */
    JournalEnd end;
    char *end_message;                        /* why not clean, or NULL */
} JournalInfo;
bool journal_info_collect(const char *path, JournalInfo *info, Error **errp);
void journal_info_free(JournalInfo *info);

/* Every event, one per line. Fails at the first damaged frame, after printing
 * what came before it; a truncated journal fails with ERR_JOURNAL_TRUNCATED
 * after printing all readable events. */
bool journal_dump(const char *path, FILE *out, Error **errp);
/* Full integrity check without running: header, every checksum, every event,
 * continuity of steps and ordinals, the end marker, index and trailer. */
bool journal_verify(const char *path, FILE *out, Error **errp);
/* The events drawn as an SVG picture: a row per kind, steps across. The
 * output depends on the journal alone. A truncated journal is drawn up to
 * where it ends; damage is an error. */
bool journal_timeline_svg(const char *path, FILE *out, Error **errp);

#endif
