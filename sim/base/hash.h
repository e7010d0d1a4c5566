/*
 * hash: content hashes for digests and content-addressed storage.
 *
 * One 128-bit hash (XXH3-128 from Debian's libxxhash) serves state digests,
 * journal manifests and RAM page identities. It is fast enough to hash every
 * dirty page at each snapshot and wide enough that accidental collisions are
 * not a practical concern; it is not meant to resist a deliberate attacker.
 */
#ifndef RRSIM_SIM_BASE_HASH_H
#define RRSIM_SIM_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>

typedef struct Hash128 {
    uint64_t lo, hi;
} Hash128;

typedef struct HashState {
    void *xxh; /* XXH3_state_t, opaque here so users need not include xxhash.h */
} HashState;

Hash128 hash128(const void *data, size_t len);

/* Incremental hashing: init, update any number of times, final, then free. */
void hash_init(HashState *s);
void hash_update(HashState *s, const void *data, size_t len);
void hash_update_u64(HashState *s, uint64_t v); /* little-endian, host independent */
/* Everything left in f (files: images, journals). false on a read error. */
bool hash_update_stream(HashState *s, FILE *f);
Hash128 hash_final(HashState *s);
void hash_free(HashState *s);

static inline bool hash_equal(Hash128 a, Hash128 b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

/* 32 lowercase hex digits plus NUL. */
void hash_to_hex(Hash128 h, char out[33]);

#endif
