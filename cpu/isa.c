/* isa: see isa.h. Property names and defaults follow QEMU's riscv CPU
 * (target/riscv/cpu.c); the multi-letter extensions are listed in the order
 * the ISA manual prescribes for ISA strings (Z by category, then S). */
#include "cpu/isa.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/hart.h"

typedef struct IsaExt {
    const char *name;       /* ISA-string name, also the -cpu property */
    const char *alias;      /* QEMU's other spelling, or NULL */
    uint64_t bit;           /* HART_EXT_*; 0 = always present */
    bool dflt;              /* on in the default rv64 model */
    bool implied;           /* left out of riscv,isa, as QEMU 7.2 does */
    uint64_t implies;       /* turned on with it */
    uint64_t requires;      /* refused without */
    const char *what;
} IsaExt;

static const IsaExt isa_exts[] = {
    { "zicbom", NULL, HART_EXT_ZICBOM, false, false, 0, 0, "cache-block management (CBO.CLEAN/FLUSH/INVAL)" },
    { "zicbop", NULL, HART_EXT_ZICBOP, false, false, 0, 0, "cache-block prefetch hints" },
    { "zicboz", NULL, HART_EXT_ZICBOZ, false, false, 0, 0, "cache-block zero (CBO.ZERO)" },
    { "zicond", NULL, HART_EXT_ZICOND, false, false, 0, 0, "integer conditional operations" },
    { "zicntr", NULL, 0, true, true, 0, 0, "base counters cycle, time, instret" },
    { "zicsr", NULL, 0, true, false, 0, 0, "control and status registers" },
    { "zifencei", NULL, 0, true, false, 0, 0, "instruction-fetch fence" },
    { "zihintntl", NULL, HART_EXT_ZIHINTNTL, false, false, 0, 0, "non-temporal locality hints" },
    { "zihintpause", NULL, HART_EXT_ZIHINTPAUSE, true, false, 0, 0, "PAUSE hint" },
    /* QEMU 7.2 has the counters with pmu-num > 0 (the default) and names
     * them nowhere; QEMU 8 calls the property zihpm. */
    { "zihpm", NULL, HART_EXT_ZIHPM, true, true, 0, 0,
      "programmable counters mhpmcounter3.. (pmu-num of them)" },
    { "zfa", NULL, HART_EXT_ZFA, false, false, 0, 0, "additional floating point (FLI, FMINM, FROUND, FCVTMOD, FLEQ)" },
    /* Zfh includes Zfhmin's instructions (insn.def), but QEMU 7.2 leaves the
     * zfhmin property and riscv,isa entry off for Zfh=on: so does this. */
    { "zfh", NULL, HART_EXT_ZFH, false, false, 0, 0, "half-precision floating point" },
    { "zfhmin", NULL, HART_EXT_ZFHMIN, false, false, 0, 0, "half-precision loads, stores, moves and conversions" },
    { "zba", NULL, HART_EXT_ZBA, true, false, 0, 0, "address generation" },
    { "zbb", NULL, HART_EXT_ZBB, true, false, 0, 0, "basic bit manipulation" },
    { "zbc", NULL, HART_EXT_ZBC, true, false, 0, 0, "carry-less multiplication" },
    { "zbkb", NULL, HART_EXT_ZBKB, false, false, 0, 0, "bit manipulation for cryptography" },
    { "zbkc", NULL, HART_EXT_ZBKC, false, false, 0, 0, "carry-less multiplication for cryptography" },
    { "zbkx", NULL, HART_EXT_ZBKX, false, false, 0, 0, "crossbar permutations" },
    { "zbs", NULL, HART_EXT_ZBS, true, false, 0, 0, "single-bit instructions" },
    /* QEMU's property is debug= (on in 7.2, whose riscv,isa never names it). */
    { "sdtrig", "debug", HART_EXT_SDTRIG, true, true, 0, 0,
      "debug triggers (tselect, tdata1-3, tinfo)" },
    { "smstateen", NULL, HART_EXT_SMSTATEEN, false, false, 0, 0,
      "state enables (mstateen0-3, sstateen0-3)" },
    { "sscofpmf", NULL, HART_EXT_SSCOFPMF, false, false, 0, 0,
      "counter overflow interrupt and mode filtering" },
    { "sstc", NULL, HART_EXT_SSTC, true, false, 0, 0, "supervisor timer compare (stimecmp)" },
    { "svade", NULL, HART_EXT_SVADE, false, false, 0, 0, "A/D bits managed by software (page faults)" },
    { "svadu", NULL, HART_EXT_SVADU, false, false, 0, 0, "hardware A/D updates, menvcfg.ADUE" },
    { "svinval", NULL, HART_EXT_SVINVAL, false, false, 0, 0, "fine-grained address-translation cache invalidation" },
    { "svnapot", NULL, HART_EXT_SVNAPOT, false, false, 0, 0, "NAPOT translation contiguity (64 KiB pages)" },
    { "svpbmt", NULL, HART_EXT_SVPBMT, false, false, 0, 0, "page-based memory types" },
};
#define ISA_NEXTS (sizeof(isa_exts) / sizeof(isa_exts[0]))

/* Properties that exist in QEMU but have one value here. */
typedef struct IsaFixed {
    const char *name;
    const char *value;      /* the only accepted value ("on"/"off" for booleans) */
    const char *why;        /* said when another value is asked for */
} IsaFixed;

static const IsaFixed isa_fixed[] = {
    { "i", "on", "the base integer ISA" },
    { "e", "off", "this hart is RV64I, not RV64E" },
    { "g", "on", "IMAFD_Zicsr_Zifencei are always present" },
    { "m", "on", "the M extension is always present" },
    { "a", "on", "the A extension is always present" },
    { "f", "on", "the F extension is always present" },
    { "d", "on", "the D extension is always present" },
    { "c", "on", "the C extension is always present" },
    { "s", "on", "supervisor mode is always present" },
    { "u", "on", "user mode is always present" },
    { "h", "off", "this hart has no hypervisor extension (H)" },
    { "v", "off", "this hart has no vector extension (V)" },
    { "mmu", "on", "paging is always present" },
    { "pmp", "on", "PMP (16 entries) is always present" },
    { "sv39", "on", "Sv39 is always supported" },
    { "sv48", "on", "Sv48 is always supported" },
    { "priv_spec", "v1.12.0", "the hart implements privileged spec 1.12" },
    { "cbom_blocksize", "64", "cache blocks are 64 bytes" },
    { "cbop_blocksize", "64", "cache blocks are 64 bytes" },
    { "cboz_blocksize", "64", "cache blocks are 64 bytes" },
};
#define ISA_NFIXED (sizeof(isa_fixed) / sizeof(isa_fixed[0]))

/* Sv57 is a property too (QEMU 8's sv57=), kept apart from the table
 * because it names no ISA-string extension. */
#define ISA_SV57_DEFAULT true

uint64_t isa_default_ext(void)
{
    uint64_t ext = ISA_SV57_DEFAULT ? HART_EXT_SV57 : 0;
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        if (isa_exts[i].dflt) {
            ext |= isa_exts[i].bit;
        }
    }
    return ext;
}

static const IsaExt *find_ext(const char *name)
{
    /* QEMU 8 marks newer properties experimental with "x-". */
    if (!strncasecmp(name, "x-", 2)) {
        name += 2;
    }
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        if (!strcasecmp(name, isa_exts[i].name) ||
            (isa_exts[i].alias && !strcasecmp(name, isa_exts[i].alias))) {
            return &isa_exts[i];
        }
    }
    return NULL;
}

static const IsaFixed *find_fixed(const char *name)
{
    for (size_t i = 0; i < ISA_NFIXED; i++) {
        if (!strcasecmp(name, isa_fixed[i].name)) {
            return &isa_fixed[i];
        }
    }
    return NULL;
}

/* QEMU's boolean spellings. */
static bool parse_bool(const char *v, bool *out)
{
    static const char *const on[] = { "on", "true", "yes", "y" };
    static const char *const off[] = { "off", "false", "no", "n" };
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, on[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(v, off[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool set_prop(const char *name, const char *val, uint64_t *on, uint64_t *off,
                     uint32_t *pmu_num, const char *arg, Error **errp)
{
    const IsaExt *e = find_ext(name);
    bool b;
    if (!strcasecmp(name, "pmu-num")) {
        /* QEMU 7.2's counter count; 0 leaves the hart without them. */
        char *end;
        unsigned long n = strtoul(val, &end, 10);
        if (!*val || *end || n > ISA_MAX_PMU_NUM) {
            error_setc(errp, ERR_USAGE, "-cpu %s: pmu-num=%s is not a number from 0 to %d",
                       arg, val, ISA_MAX_PMU_NUM);
            return false;
        }
        if (n) {
            *pmu_num = (uint32_t)n;
        }
        *on = n ? (*on | HART_EXT_ZIHPM) : (*on & ~HART_EXT_ZIHPM);
        *off = n ? (*off & ~HART_EXT_ZIHPM) : (*off | HART_EXT_ZIHPM);
        return true;
    }
    if (e || !strcasecmp(name, "sv57")) {
        if (!parse_bool(val, &b)) {
            error_setc(errp, ERR_USAGE, "-cpu %s: '%s' for %s is not on or off", arg, val, name);
            return false;
        }
        uint64_t bit = e ? e->bit : HART_EXT_SV57;
        if (bit == 0) {
            if (!b) {
                error_setc(errp, ERR_USAGE, "-cpu %s: %s cannot be turned off (always present)",
                           arg, name);
                return false;
            }
            return true;
        }
        /* The last word on a property wins, as in QEMU. */
        *on = b ? (*on | bit) : (*on & ~bit);
        *off = b ? (*off & ~bit) : (*off | bit);
        return true;
    }
    const IsaFixed *f = find_fixed(name);
    if (f) {
        bool want;
        bool ok = parse_bool(f->value, &want) ? parse_bool(val, &b) && b == want
                                               : !strcasecmp(val, f->value);
        if (!ok) {
            error_setc(errp, ERR_USAGE, "-cpu %s: %s=%s is not supported: %s", arg, name, val,
                       f->why);
            return false;
        }
        return true;
    }
    error_setc(errp, ERR_USAGE,
               "-cpu %s: unknown property '%s' (-cpu rv64,help lists the properties)", arg, name);
    return false;
}

bool isa_parse_cpu(const char *arg, uint64_t *ext, bool *help, Error **errp)
{
    uint32_t pmu_num;
    return isa_parse_cpu_pmu(arg, ext, &pmu_num, help, errp);
}

bool isa_parse_cpu_pmu(const char *arg, uint64_t *ext, uint32_t *pmu_num, bool *help,
                       Error **errp)
{
    uint32_t npmu = ISA_DEFAULT_PMU_NUM;
    char *copy = strdup(arg);
    if (!copy) {
        error_setc(errp, ERR_GENERIC, "out of memory");
        return false;
    }
    bool ok = true;
    *help = false;
    uint64_t on = 0, off = 0, base = 0;
    char *save = NULL;
    char *model = strtok_r(copy, ",", &save);
    if (!model || !strcmp(model, "help") || !strcmp(model, "?")) {
        *help = true;
        goto out;
    }
    if (!strcmp(model, "rv64") || !strcmp(model, "any")) {
        base = isa_default_ext();
    } else if (!strcmp(model, "max")) {
        base = HART_EXT_SV57;
        for (size_t i = 0; i < ISA_NEXTS; i++) {
            base |= isa_exts[i].bit;
        }
    } else {
        error_setc(errp, ERR_USAGE, "-cpu: unknown CPU model '%s' (-cpu help lists them)", model);
        ok = false;
        goto out;
    }
    for (char *tok = strtok_r(NULL, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "help") || !strcmp(tok, "?")) {
            *help = true;
            goto out;
        }
        char *eq = strchr(tok, '=');
        const char *val = "on";
        if (eq) {
            *eq = 0;
            val = eq + 1;
        } else if (tok[0] == '+' || tok[0] == '-') {
            /* QEMU's legacy +feature / -feature. */
            val = tok[0] == '+' ? "on" : "off";
            tok++;
        }
        if (!set_prop(tok, val, &on, &off, &npmu, arg, errp)) {
            ok = false;
            goto out;
        }
    }
    uint64_t e = (base | on) & ~off;
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        if ((e & isa_exts[i].bit) && isa_exts[i].implies) {
            e |= isa_exts[i].implies;
        }
    }
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        const IsaExt *x = &isa_exts[i];
        if ((e & x->bit) && (e & x->requires) != x->requires) {
            for (size_t j = 0; j < ISA_NEXTS; j++) {
                if ((x->requires & isa_exts[j].bit) && !(e & isa_exts[j].bit)) {
                    error_setc(errp, ERR_USAGE, "-cpu %s: %s needs %s", arg, x->name,
                               isa_exts[j].name);
                    break;
                }
            }
            ok = false;
            goto out;
        }
    }
    *ext = e;
    *pmu_num = (e & HART_EXT_ZIHPM) ? npmu : 0;
out:
    free(copy);
    return ok;
}

void isa_help(FILE *out, bool props)
{
    if (!props) {
        fputs("Available CPUs:\n"
              "  rv64    the virt board's default hart: QEMU 7.2's rv64 without H\n"
              "  any     the same as rv64\n"
              "  max     every extension rrsim implements\n"
              "-cpu MODEL,help lists a model's properties.\n",
              out);
        return;
    }
    fputs("rv64 properties (on|off; the default in brackets):\n", out);
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        const IsaExt *e = &isa_exts[i];
        fprintf(out, "  %-12s [%s]%s %s%s%s%s\n", e->name, e->dflt ? "on" : "off",
                e->bit ? "" : " (always on)", e->what, e->alias ? "; also spelled " : "",
                e->alias ? e->alias : "", e->alias ? "=" : "");
    }
    fprintf(out, "  %-12s [%s] Sv57 paging (Sv39 and Sv48 are always there)\n", "sv57",
            ISA_SV57_DEFAULT ? "on" : "off");
    fprintf(out, "  %-12s [%d] programmable counters, 0 to %d (0: no zihpm)\n", "pmu-num",
            ISA_DEFAULT_PMU_NUM, ISA_MAX_PMU_NUM);
    fputs("Accepted with one value only:", out);
    for (size_t i = 0; i < ISA_NFIXED; i++) {
        fprintf(out, "%s %s=%s", i ? "," : "", isa_fixed[i].name, isa_fixed[i].value);
    }
    fputs("\n", out);
}

size_t isa_string(uint64_t ext, bool implied, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "rv64imafdc");
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        if ((implied || !isa_exts[i].implied) && (!isa_exts[i].bit || (ext & isa_exts[i].bit))) {
            n += (size_t)snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0, "_%s",
                                  isa_exts[i].name);
        }
    }
    return n;
}

size_t isa_manifest_string(uint64_t ext, char *buf, size_t len)
{
    size_t n = isa_string(ext, true, buf, len);
    static const struct { uint64_t bit; const char *name; } extra[] = {
        { HART_EXT_SV57, "sv57" },
    };
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        if (ext & extra[i].bit) {
            n += (size_t)snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0, "_%s",
                                  extra[i].name);
        }
    }
    return n;
}

const char *isa_extension_name(uint64_t ext, unsigned index)
{
    static const char *const letters[] = { "i", "m", "a", "f", "d", "c" };
    if (index < 6) {
        return letters[index];
    }
    index -= 6;
    for (size_t i = 0; i < ISA_NEXTS; i++) {
        if (!isa_exts[i].bit || (ext & isa_exts[i].bit)) {
            if (index-- == 0) {
                return isa_exts[i].name;
            }
        }
    }
    return NULL;
}

const char *isa_mmu_type(uint64_t ext)
{
    return (ext & HART_EXT_SV57) ? "riscv,sv57" : "riscv,sv48";
}
