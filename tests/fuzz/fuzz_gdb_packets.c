/*
 * libFuzzer harness for the GDB remote protocol engine (framing, checksums,
 * packet parsing and dispatch) against the fake target.
 *
 * Input layout: byte 0 selects target behaviour (bit 0 replay, bit 1
 * synchronous stops, bit 2 no reverse execution, bit 3 failing resume); the
 * rest is client bytes, fed in chunks split at 0xff bytes, after each of
 * which a running target reports a stop chosen by the chunk length.
 * The output is checked for framing: every '$' packet ends in '#xx'.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/unit/test_gdb_fake.h"

typedef struct Sink {
    size_t bytes;
    int state;  /* 0 outside, 1 in payload, 2/3 checksum digits */
} Sink;

static void sink_write(void *opaque, const uint8_t *buf, size_t len)
{
    Sink *s = opaque;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        switch (s->state) {
        case 0:
            assert(c == '$' || c == '+' || c == '-');
            s->state = c == '$' ? 1 : 0;
            break;
        case 1:
            assert(c != '$');
            s->state = c == '#' ? 2 : 1;
            break;
        default:
            assert((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
            s->state = s->state == 2 ? 3 : 0;
            break;
        }
    }
    s->bytes += len;
}

static void sync_stop(void *opaque, GdbStopReason r)
{
    gdb_session_notify_stop(opaque, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    static FakeTarget fake;  /* large; reset below on every input */
    memset(&fake, 0, sizeof(fake));
    fake.replay = data[0] & 1;
    fake.no_reverse = data[0] & 4;
    fake.fail_resume = data[0] & 8;
    Sink sink = { 0 };
    GdbSession *gs = gdb_session_new(&FAKE_OPS, &fake, sink_write, &sink);
    if (data[0] & 2) {
        fake.sync_stop = sync_stop;
        fake.sync_opaque = gs;
    }
    size_t i = 1;
    while (i < size) {
        size_t j = i;
        while (j < size && data[j] != 0xff) {
            j++;
        }
        if (!gdb_session_input(gs, data + i, j - i)) {
            break;
        }
        if (gdb_session_running(gs)) {
            GdbStopReason r = { .kind = (GdbStopKind)((j - i) % (GDB_STOP_EXITED + 1)),
                                .addr = FAKE_MEM_BASE + (j - i), .exit_code = (int)(j - i) };
            gdb_session_notify_stop(gs, r);
            assert(!gdb_session_running(gs));
        }
        i = j + 1;
    }
    gdb_session_free(gs);
    return 0;
}
