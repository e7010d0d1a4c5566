/* sifive_test: see sifive_test.h. */
#include "hw/sifive_test.h"

#include <stdlib.h>

struct SifiveTest {
    Loop *loop;
    SimLog *log;
};

static uint64_t sifive_test_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    SifiveTest *t = opaque;
    if (offset != 0) {
        log_mask(t->log, LOG_GUEST_ERROR, "sifive_test_write: write: addr=0x%x val=0x%016llx\n",
                 (int)offset, (unsigned long long)value);
        return;
    }
    uint32_t status = value & 0xffff;
    int code = (int)((value >> 16) & 0xffff);
    switch (status) {
    case SIFIVE_TEST_FAIL:
        loop_request_shutdown(t->loop, SHUTDOWN_GUEST_POWEROFF, code);
        break;
    case SIFIVE_TEST_PASS:
        loop_request_shutdown(t->loop, SHUTDOWN_GUEST_POWEROFF, 0);
        break;
    case SIFIVE_TEST_RESET:
        loop_request_reset(t->loop);
        break;
    default:
        /* Unknown commands are ignored, as on the real finisher. */
        log_mask(t->log, LOG_GUEST_ERROR, "sifive_test_write: write: addr=0x%x val=0x%016llx\n",
                 (int)offset, (unsigned long long)value);
        break;
    }
}

static const MmioOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .valid = { 2, 4 },
    .impl = { 4, 4 },
};

SifiveTest *sifive_test_create(const Board *b, const char *name, uint64_t base, Error **errp)
{
    SifiveTest *t = calloc(1, sizeof(*t));
    if (!t) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    t->loop = b->loop;
    t->log = b->log;
    if (!mem_map_mmio(b->as, name, base, VIRT_TEST_SIZE, &sifive_test_ops, t, errp)) {
        free(t);
        return NULL;
    }
    /* No state: the device acts on writes and forgets them. */
    return t;
}

void sifive_test_free(SifiveTest *t)
{
    free(t);
}
