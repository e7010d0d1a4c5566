/*
 * The gdbstub packet engine under 100,000 mutated packets from a fixed seed,
 * so the parser is exercised even where libFuzzer is not available. Each
 * input starts from a valid packet, is mutated (bit flips, byte changes,
 * truncation, insertion of framing bytes, huge numbers), and is fed with or
 * without a correct checksum. The output must stay well framed and the
 * session must stay usable: a valid '?' afterwards is answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "tests/unit/test_gdb_fake.h"

#define ITERATIONS 100000

typedef struct Out {
    size_t bytes;
    int state;         /* framing checker: 0 outside, 1 payload, 2/3 checksum */
    int packets;
} Out;

static void out_write(void *opaque, const uint8_t *buf, size_t len)
{
    Out *o = opaque;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        switch (o->state) {
        case 0:
            assert_true(c == '$' || c == '+' || c == '-');
            o->state = c == '$' ? 1 : 0;
            break;
        case 1:
            assert_true(c != '$');
            o->state = c == '#' ? 2 : 1;
            break;
        case 2:
            o->state = 3;
            break;
        default:
            o->state = 0;
            o->packets++;
            break;
        }
    }
    o->bytes += len;
}

/* xorshift64*: a fixed, portable sequence. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static const char *const SEEDS[] = {
    "?", "g", "G0000000000000000", "p20", "p341", "P20=0000008000000000", "m80000000,40",
    "M80000000,4:deadbeef", "X80000000,2:ab", "c", "s", "c80000000", "C05;80000000", "S05",
    "vCont?", "vCont;s:1;c", "vCont;c:p1.-1", "vCont;t", "Z0,80000000,4", "z0,80000000,4",
    "Z2,80001000,8", "Z3,80001000,4;X1,0", "z4,80001000,1", "bc", "bs", "qSupported:swbreak+",
    "qXfer:features:read:target.xml:0,800", "qXfer:features:read:target.xml:1000,ffff",
    "qAttached", "qC", "qfThreadInfo", "qsThreadInfo", "qRcmd,68656c70", "qRcmd,626967",
    "Hg0", "T1", "vMustReplyEmpty", "QStartNoAckMode", "QEnableErrorStrings", "D", "k",
    "vKill;1", "mffffffffffffffff,ffffffffffffffff", "qThreadExtraInfo,1",
};

static const char INTERESTING[] = { '$', '#', '}', '*', ',', ':', ';', '=', 0x03, 0, '-', '+',
                                    'f', 'F', '0', '9' };

static size_t mutate(uint64_t *rng, uint8_t *buf, size_t len, size_t cap)
{
    int rounds = 1 + (int)(rng_next(rng) % 4);
    for (int r = 0; r < rounds; r++) {
        uint64_t x = rng_next(rng);
        size_t pos = len ? (size_t)(x >> 8) % len : 0;
        switch (x % 7) {
        case 0:  /* flip a bit */
            if (len) {
                buf[pos] ^= (uint8_t)(1u << ((x >> 40) & 7));
            }
            break;
        case 1:  /* random byte */
            if (len) {
                buf[pos] = (uint8_t)(x >> 32);
            }
            break;
        case 2:  /* interesting byte inserted */
            if (len < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = (uint8_t)INTERESTING[(x >> 32) % sizeof(INTERESTING)];
                len++;
            }
            break;
        case 3:  /* truncate */
            len = pos;
            break;
        case 4:  /* a run of hex digits: huge numbers */
            for (int k = 0; k < 20 && len < cap; k++) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = 'f';
                len++;
            }
            break;
        case 5:  /* delete a byte */
            if (len) {
                memmove(buf + pos, buf + pos + 1, len - pos - 1);
                len--;
            }
            break;
        default: /* duplicate the tail */
            for (size_t k = pos; k < len && len < cap; k++) {
                buf[len++] = buf[k];
            }
            break;
        }
    }
    return len;
}

static void frame_and_feed(GdbSession *gs, const uint8_t *p, size_t n, bool good_sum,
                           uint64_t *rng)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += p[i];
    }
    if (!good_sum) {
        sum ^= (uint8_t)(1 + rng_next(rng) % 255);
    }
    char tail[4];
    snprintf(tail, sizeof(tail), "#%02x", sum);
    gdb_session_input(gs, (const uint8_t *)"$", 1);
    gdb_session_input(gs, p, n);
    gdb_session_input(gs, (const uint8_t *)tail, 3);
}

static void sync_stop(void *opaque, GdbStopReason r)
{
    gdb_session_notify_stop(opaque, r);
}

static void test_mutated_packets(void **state)
{
    uint64_t rng = 0x7272736d2d676462ull;  /* fixed seed */
    FakeTarget *fake = calloc(1, sizeof(*fake));
    Out out = { 0 };
    GdbSession *gs = gdb_session_new(&FAKE_OPS, fake, out_write, &out);
    uint8_t buf[512];
    int sessions = 1;
    for (int it = 0; it < ITERATIONS; it++) {
        const char *seed = SEEDS[rng_next(&rng) % (sizeof(SEEDS) / sizeof(SEEDS[0]))];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        len = mutate(&rng, buf, len, sizeof(buf));
        uint64_t mode = rng_next(&rng);
        fake->replay = mode & 1;
        fake->no_reverse = mode & 2;
        fake->sync_stop = (mode & 4) ? sync_stop : NULL;
        fake->sync_opaque = gs;
        if (mode & 8) {
            /* Raw bytes, no framing at all. */
            gdb_session_input(gs, buf, len);
        } else {
            frame_and_feed(gs, buf, len, (mode & 0x30) != 0, &rng);
        }
        if (gdb_session_running(gs)) {
            gdb_session_notify_stop(gs, (GdbStopReason){ .kind = (GdbStopKind)(mode >> 8) %
                                                                 (GDB_STOP_EXITED + 1),
                                                         .addr = mode >> 16 });
            assert_false(gdb_session_running(gs));
        }
        /* A session ended by D/k/vKill is replaced, as the transport would. */
        uint8_t probe = '+';
        if (!gdb_session_input(gs, &probe, 1)) {
            gdb_session_free(gs);
            gs = gdb_session_new(&FAKE_OPS, fake, out_write, &out);
            out.state = 0;
            sessions++;
        }
    }
    /* Still answering: resynchronise on a fresh packet and ask '?'. */
    fake->replay = false;
    fake->sync_stop = NULL;
    gdb_session_input(gs, (const uint8_t *)"#00", 3);  /* close any half packet */
    int before = out.packets;
    frame_and_feed(gs, (const uint8_t *)"?", 1, true, &rng);
    assert_true(out.packets > before);
    assert_true(sessions > 1);  /* D/k were reached and handled */
    gdb_session_free(gs);
    free(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_packets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
