/*
 * vmstate: declarative descriptions of device and hart state, in the spirit
 * of QEMU's VMState, and their (de)serialisation.
 *
 * A device describes its state struct as a static const table of fields
 * (name, type, offset, count, nested description, version added). The
 * serialised form is explicit about size and byte order (little-endian,
 * fixed width), so a snapshot written on one host loads on another, and
 * save -> load -> save gives identical bytes.
 *
 * The machine owns one VMStateRegistry; every device and the hart register
 * their instance at creation, in a fixed order, which is the order of the
 * machine's serialised state and digests.
 *
 * Rules for descriptions: fixed-width types only; derived caches (TB cache,
 * TLB, decoded tables) are not described but rebuilt in post_load; timers
 * are described with VMSTATE_TIMER so they are re-armed on load.
 */
#ifndef RRSIM_SNAPSHOTS_VMSTATE_H
#define RRSIM_SNAPSHOTS_VMSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/base/hash.h"

typedef enum VMStateType {
    VMS_END = 0,
    VMS_BOOL,    /* bool, stored as one byte 0/1; load rejects other values */
    VMS_U8,
    VMS_U16,
    VMS_U32,
    VMS_U64,
    VMS_I32,
    VMS_I64,
    VMS_BUFFER,  /* raw bytes: count = length in bytes */
    VMS_STRUCT,  /* nested description: vmsd, elem_size for arrays */
    VMS_TIMER,   /* a sim/loop Timer embedded in the state */
} VMStateType;

typedef struct VMStateDescription VMStateDescription;

typedef struct VMStateField {
    const char *name;
    VMStateType type;
    size_t offset;
    uint32_t count;            /* array length; 1 for scalars */
    size_t elem_size;          /* VMS_STRUCT arrays: sizeof one element */
    const VMStateDescription *vmsd; /* VMS_STRUCT */
    int version_id;            /* first description version that has this field */
} VMStateField;

struct VMStateDescription {
    const char *name;
    int version_id;            /* written into the stream */
    int minimum_version_id;    /* oldest stream version this code can load */
    /* Called before saving (e.g. to sync a lazily computed value). */
    void (*pre_save)(void *opaque);
    /* Called after loading: validate ranges and rebuild derived state.
     * Returning false (with errp set) rejects the snapshot. */
    bool (*post_load)(void *opaque, int version_id, Error **errp);
    const VMStateField *fields;
};

#define VMSTATE_FIELD_(f, st, ty, cnt, ver) \
    { .name = #f, .type = (ty), .offset = offsetof(st, f), .count = (cnt), .version_id = (ver) }

#define VMSTATE_BOOL(f, st)   VMSTATE_FIELD_(f, st, VMS_BOOL, 1, 0)
#define VMSTATE_UINT8(f, st)  VMSTATE_FIELD_(f, st, VMS_U8, 1, 0)
#define VMSTATE_UINT16(f, st) VMSTATE_FIELD_(f, st, VMS_U16, 1, 0)
#define VMSTATE_UINT32(f, st) VMSTATE_FIELD_(f, st, VMS_U32, 1, 0)
#define VMSTATE_UINT64(f, st) VMSTATE_FIELD_(f, st, VMS_U64, 1, 0)
#define VMSTATE_INT32(f, st)  VMSTATE_FIELD_(f, st, VMS_I32, 1, 0)
#define VMSTATE_INT64(f, st)  VMSTATE_FIELD_(f, st, VMS_I64, 1, 0)
#define VMSTATE_UINT8_ARRAY(f, st, n)  VMSTATE_FIELD_(f, st, VMS_U8, n, 0)
#define VMSTATE_UINT16_ARRAY(f, st, n) VMSTATE_FIELD_(f, st, VMS_U16, n, 0)
#define VMSTATE_UINT32_ARRAY(f, st, n) VMSTATE_FIELD_(f, st, VMS_U32, n, 0)
#define VMSTATE_UINT64_ARRAY(f, st, n) VMSTATE_FIELD_(f, st, VMS_U64, n, 0)
#define VMSTATE_BOOL_ARRAY(f, st, n)   VMSTATE_FIELD_(f, st, VMS_BOOL, n, 0)
#define VMSTATE_BUFFER(f, st)          VMSTATE_FIELD_(f, st, VMS_BUFFER, sizeof(((st *)0)->f), 0)
#define VMSTATE_TIMER(f, st)           VMSTATE_FIELD_(f, st, VMS_TIMER, 1, 0)
#define VMSTATE_STRUCT(f, st, desc, ty) \
    { .name = #f, .type = VMS_STRUCT, .offset = offsetof(st, f), .count = 1, \
      .elem_size = sizeof(ty), .vmsd = &(desc) }
#define VMSTATE_STRUCT_ARRAY(f, st, n, desc, ty) \
    { .name = #f, .type = VMS_STRUCT, .offset = offsetof(st, f), .count = (n), \
      .elem_size = sizeof(ty), .vmsd = &(desc) }
/* A field added in a later version of the description. */
#define VMSTATE_UINT64_V(f, st, ver) VMSTATE_FIELD_(f, st, VMS_U64, 1, ver)
#define VMSTATE_END_OF_LIST() { .name = NULL, .type = VMS_END }

/* A growable byte buffer for serialised state. */
typedef struct VMBuf {
    uint8_t *data;
    size_t len, cap;
} VMBuf;

void vmbuf_init(VMBuf *b);
void vmbuf_free(VMBuf *b);
void vmbuf_put(VMBuf *b, const void *data, size_t len);

/* Serialise one instance (with a header of name and version). */
void vmstate_save(const VMStateDescription *vmsd, void *opaque, VMBuf *out);
/* Deserialise from in[0..len); *consumed receives the bytes used. Checks the
 * name, the version range, bool values, and runs post_load. On error the
 * instance may be partly written: callers restore the whole machine or nothing. */
bool vmstate_load(const VMStateDescription *vmsd, void *opaque, const uint8_t *in,
                  size_t len, size_t *consumed, Error **errp);

/* The machine's list of state instances. */
typedef struct VMStateEntry {
    char *instance;            /* unique name, e.g. "uart0", "hart0" */
    const VMStateDescription *vmsd;
    void *opaque;
} VMStateEntry;

typedef struct VMStateRegistry {
    VMStateEntry *entries;
    size_t n, cap;
} VMStateRegistry;

void vmstate_registry_init(VMStateRegistry *r);
void vmstate_registry_free(VMStateRegistry *r);
/* Duplicate instance names are a programming error (assert). */
void vmstate_register(VMStateRegistry *r, const char *instance,
                      const VMStateDescription *vmsd, void *opaque);

/* All registered instances, in registration order. */
void vmstate_save_all(VMStateRegistry *r, VMBuf *out);
bool vmstate_load_all(VMStateRegistry *r, const uint8_t *in, size_t len, Error **errp);
/* The checks vmstate_load_all() makes before it touches any state: the
 * header, and that the instance list (names, order, count) matches r. Lets
 * a caller refuse a snapshot before restoring anything else (e.g. RAM). */
bool vmstate_check_all(VMStateRegistry *r, const uint8_t *in, size_t len, Error **errp);
/* Hash of vmstate_save_all()'s output: the device+hart part of a digest. */
Hash128 vmstate_digest(VMStateRegistry *r);

/* The loop's next timer arming sequence number is machine state: without it a
 * restored machine would number new timers differently and its next snapshot
 * would differ from the original run's. A machine that does not save it as
 * part of its own state can embed one of these, set .loop and register it
 * (e.g. instance "loop") with vmstate_loop_seq. */
typedef struct VMStateLoopSeq {
    struct Loop *loop;
    uint64_t seq;              /* filled by pre_save, applied by post_load */
} VMStateLoopSeq;
extern const VMStateDescription vmstate_loop_seq;

#endif
