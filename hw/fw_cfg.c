/* fw_cfg: see fw_cfg.h. */
#include "hw/fw_cfg.h"

#include <stdlib.h>

static const uint8_t fw_cfg_signature[4] = { 'Q', 'E', 'M', 'U' };

typedef struct FwCfgState {
    uint16_t key;      /* selected item */
    uint32_t offset;   /* next byte of the item to read */
} FwCfgState;

struct FwCfg {
    FwCfgState s;   /* first: the VMState description covers it */
};

static uint8_t fw_cfg_next_byte(FwCfg *f)
{
    FwCfgState *s = &f->s;
    uint8_t b = 0;
    if (s->key == FW_CFG_SIGNATURE && s->offset < sizeof(fw_cfg_signature)) {
        b = fw_cfg_signature[s->offset];
    }
    if (s->offset < sizeof(fw_cfg_signature)) {
        s->offset++;   /* past the end the position stops: no item is longer */
    }
    return b;
}

static uint64_t fw_cfg_read(void *opaque, uint64_t offset, unsigned size)
{
    FwCfg *f = opaque;
    if (offset != FW_CFG_DATA) {
        return 0;
    }
    /* The item's bytes land in guest memory in order: byte i at bit 8*i. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)fw_cfg_next_byte(f) << (8 * i);
    }
    return v;
}

static void fw_cfg_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FwCfg *f = opaque;
    if (offset == FW_CFG_SELECTOR && size == 2) {
        /* The selector register is big-endian (fw_cfg.txt, "MMIO interface"). */
        f->s.key = (uint16_t)(((value & 0xff) << 8) | ((value >> 8) & 0xff));
        f->s.offset = 0;
    }
    /* Data writes are not supported by the interface; DMA is not offered. */
}

static const MmioOps fw_cfg_ops = {
    .read = fw_cfg_read,
    .write = fw_cfg_write,
    .valid = { 1, 8 },
    .impl = { 1, 8 },
};

/* Any position is usable: past the end of an item reads give zeros. */
static const VMStateField fw_cfg_fields[] = {
    VMSTATE_UINT16(key, FwCfgState),
    VMSTATE_UINT32(offset, FwCfgState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription fw_cfg_vmsd = {
    .name = "fw_cfg",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = fw_cfg_fields,
};

void fw_cfg_reset(FwCfg *f)
{
    f->s.key = FW_CFG_SIGNATURE;
    f->s.offset = 0;
}

FwCfg *fw_cfg_create(const Board *b, const char *name, uint64_t base, Error **errp)
{
    FwCfg *f = calloc(1, sizeof(*f));
    if (!f) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    if (!mem_map_mmio(b->as, name, base, VIRT_FW_CFG_SIZE, &fw_cfg_ops, f, errp)) {
        free(f);
        return NULL;
    }
    fw_cfg_reset(f);
    vmstate_register(b->vms, name, &fw_cfg_vmsd, &f->s);
    return f;
}

void fw_cfg_free(FwCfg *f)
{
    free(f);
}
