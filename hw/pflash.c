/* pflash: see pflash.h. Command set: Intel/Sharp (CFI ID 0x0001); the CFI
 * table and the replication of answers follow QEMU's hw/block/pflash_cfi01.c
 * with width=4, device-width=2, as its virt boards configure it. */
#include "hw/pflash.h"

#include <stdlib.h>
#include <string.h>

#define BANK_WIDTH     4   /* bytes on the bus */
#define DEVICE_WIDTH   2   /* bytes per part */
#define NUM_DEVICES    (BANK_WIDTH / DEVICE_WIDTH)
#define CFI_TABLE_SIZE 0x52

#define CMD_READ_ARRAY 0x00   /* the model's read-array state (QEMU's convention) */
#define STATUS_READY   0x80

typedef struct PflashState {
    uint8_t cmd;      /* command the next read answers */
    uint8_t wcycle;   /* write cycle within a multi-cycle command */
    uint8_t status;
    uint32_t counter; /* words left in a buffered write */
} PflashState;

struct Pflash {
    PflashState s;   /* first: the VMState description covers it */
    SimLog *log;
    uint8_t cfi[CFI_TABLE_SIZE];
};

/* CFI query table of one x16 part (JESD68.01; Intel P30 primary table). */
static void pflash_build_cfi(uint8_t *t)
{
    const uint64_t blocks = VIRT_FLASH_SIZE / VIRT_FLASH_SECTOR;
    const uint64_t sector_per_device = VIRT_FLASH_SECTOR / NUM_DEVICES;
    const uint64_t device_len = sector_per_device * blocks;
    static const uint8_t head[] = {
        'Q', 'R', 'Y', 0x01, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x10 */
        0x45, 0x55, 0x00, 0x00,                                           /* 0x1b voltages */
        0x07, 0x07, 0x0a, 0x00, 0x04, 0x04, 0x04, 0x00,                   /* 0x1f timeouts */
    };
    memset(t, 0, CFI_TABLE_SIZE);
    memcpy(t + 0x10, head, sizeof(head));
    t[0x27] = (uint8_t)__builtin_ctzll(device_len);
    t[0x28] = 0x02;   /* x8/x16 interface */
    t[0x2a] = 0x0b;   /* 2 KiB write buffer */
    t[0x2c] = 0x01;   /* one uniform erase region */
    t[0x2d] = (uint8_t)(blocks - 1);
    t[0x2e] = (uint8_t)((blocks - 1) >> 8);
    t[0x2f] = (uint8_t)(sector_per_device >> 8);
    t[0x30] = (uint8_t)(sector_per_device >> 16);
    static const uint8_t pri[] = { 'P', 'R', 'I', '1', '0' };
    memcpy(t + 0x31, pri, sizeof(pri));
    t[0x3f] = 0x01;   /* protection fields */
}

/* A part's 16-bit answer on both halves of the 32-bit bus. */
static uint32_t pflash_replicate(uint32_t v)
{
    v &= 0xffff;
    return v | (v << 16);
}

/* Query and ID addresses count in bus words: byte offset / 4. */
static uint32_t pflash_query(Pflash *f, uint64_t offset)
{
    uint64_t idx = offset >> 2;
    return idx < CFI_TABLE_SIZE ? pflash_replicate(f->cfi[idx]) : 0;
}

static uint32_t pflash_devid(uint64_t offset)
{
    switch ((offset >> 2) & 0xff) {
    case 0:
        return pflash_replicate(0x89);   /* manufacturer: Intel */
    case 1:
        return pflash_replicate(0x18);   /* device */
    default:
        return 0;   /* block lock status and the rest are not modelled */
    }
}

static uint64_t pflash_read(void *opaque, uint64_t offset, unsigned size)
{
    Pflash *f = opaque;
    uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    switch (f->s.cmd) {
    case 0x10: case 0x20: case 0x28: case 0x40: case 0x50: case 0x60: case 0x70: case 0xe8: {
        /* Status register, one copy per part. */
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i += DEVICE_WIDTH) {
            v |= (uint64_t)f->s.status << (8 * i);
        }
        return v & mask;
    }
    case 0x90:
        return pflash_devid(offset) & mask;
    case 0x98:
        return pflash_query(f, offset) & mask;
    default:   /* read array (and any state only a snapshot could hold) */
        return (0x0101010101010101ull * PFLASH_CONTENT_BYTE) & mask;
    }
}

static void pflash_read_array(Pflash *f)
{
    f->s.wcycle = 0;
    f->s.cmd = CMD_READ_ARRAY;
}

static void pflash_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Pflash *f = opaque;
    PflashState *s = &f->s;
    uint8_t cmd = (uint8_t)value;

    switch (s->wcycle) {
    case 0:
        switch (cmd) {
        case 0x00: case 0xf0: case 0xff:   /* read array (0xf0: an AMD-style reset probe) */
            pflash_read_array(f);
            return;
        case 0x50:   /* clear status */
            s->status = 0;
            pflash_read_array(f);
            return;
        case 0x70: case 0x90:   /* read status / read ID: one cycle */
            s->cmd = cmd;
            return;
        case 0x20: case 0xe8:   /* block erase / buffered write: the erase is not kept */
            s->status |= STATUS_READY;
            break;
        case 0x10: case 0x40: case 0x60: case 0x98:
            break;
        default:
            log_mask(f->log, LOG_UNIMP, "pflash_write: unimplemented flash cmd 0x%02x at "
                     "offset 0x%llx\n", cmd, (unsigned long long)offset);
            pflash_read_array(f);   /* unknown command */
            return;
        }
        s->wcycle = 1;
        s->cmd = cmd;
        return;
    case 1:
        switch (s->cmd) {
        case 0x10: case 0x40:   /* program: the data is dropped (no backing store) */
            s->status |= STATUS_READY;
            s->wcycle = 0;
            return;
        case 0x20: case 0x28:
            if (cmd == 0xd0) {
                s->wcycle = 0;
                s->status |= STATUS_READY;
            } else {
                pflash_read_array(f);
            }
            return;
        case 0xe8:
            s->counter = (uint32_t)(value & 0xffff);   /* word count - 1, per part */
            s->wcycle = 2;
            return;
        case 0x60:
            if (cmd == 0xd0 || cmd == 0x01) {
                s->wcycle = 0;
                s->status |= STATUS_READY;
            } else {
                pflash_read_array(f);
            }
            return;
        case 0x98:
            if (cmd == 0xff) {
                pflash_read_array(f);
            }
            return;   /* any other write leaves query mode as it was */
        default:
            pflash_read_array(f);
            return;
        }
    case 2:   /* buffered write data */
        s->status |= STATUS_READY;
        if (s->counter == 0) {
            s->wcycle = 3;
        } else {
            s->counter--;
        }
        return;
    default:   /* buffered write confirm */
        if (cmd == 0xd0) {
            s->wcycle = 0;
            s->status |= STATUS_READY;
        } else {
            pflash_read_array(f);
        }
        return;
    }
}

static const MmioOps pflash_ops = {
    .read = pflash_read,
    .write = pflash_write,
    .valid = { 1, 8 },
    .impl = { 1, 4 },
};

/* Every saved value is usable: a command byte the model never enters reads
 * as array and is left by the next command, any counter runs down. */
static const VMStateField pflash_fields[] = {
    VMSTATE_UINT8(cmd, PflashState),
    VMSTATE_UINT8(wcycle, PflashState),
    VMSTATE_UINT8(status, PflashState),
    VMSTATE_UINT32(counter, PflashState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription pflash_vmsd = {
    .name = "pflash",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = pflash_fields,
};

void pflash_reset(Pflash *f)
{
    f->s.cmd = CMD_READ_ARRAY;
    f->s.wcycle = 0;
    f->s.counter = 0;
    f->s.status = STATUS_READY;   /* write state machine ready */
}

Pflash *pflash_create(const Board *b, const char *name, uint64_t base, Error **errp)
{
    Pflash *f = calloc(1, sizeof(*f));
    if (!f) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    pflash_build_cfi(f->cfi);
    f->log = b->log;
    if (!mem_map_mmio(b->as, name, base, VIRT_FLASH_SIZE, &pflash_ops, f, errp)) {
        free(f);
        return NULL;
    }
    pflash_reset(f);
    vmstate_register(b->vms, name, &pflash_vmsd, &f->s);
    return f;
}

void pflash_free(Pflash *f)
{
    free(f);
}
