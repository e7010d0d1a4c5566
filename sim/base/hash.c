/* hash: see hash.h. */
#include "sim/base/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

Hash128 hash128(const void *data, size_t len)
{
    XXH128_hash_t h = XXH3_128bits(data, len);
    return (Hash128){ .lo = h.low64, .hi = h.high64 };
}

void hash_init(HashState *s)
{
    s->xxh = XXH3_createState();
    if (!s->xxh) {
        abort();
    }
    XXH3_128bits_reset(s->xxh);
}

void hash_update(HashState *s, const void *data, size_t len)
{
    XXH3_128bits_update(s->xxh, data, len);
}

void hash_update_u64(HashState *s, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    XXH3_128bits_update(s->xxh, b, sizeof(b));
}

Hash128 hash_final(HashState *s)
{
    XXH128_hash_t h = XXH3_128bits_digest(s->xxh);
    return (Hash128){ .lo = h.low64, .hi = h.high64 };
}

bool hash_update_stream(HashState *s, FILE *f)
{
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        hash_update(s, buf, n);
    }
    return !ferror(f);
}

void hash_free(HashState *s)
{
    XXH3_freeState(s->xxh);
    s->xxh = NULL;
}

void hash_to_hex(Hash128 h, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.hi, (unsigned long long)h.lo);
}
