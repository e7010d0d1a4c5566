/* -cpu parsing and the ISA names derived from it (cpu/isa.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/hart.h"
#include "cpu/isa.h"

static uint64_t parse_ok(const char *arg)
{
    uint64_t ext = 0;
    bool help = true;
    Error *err = NULL;
    if (!isa_parse_cpu(arg, &ext, &help, &err)) {
        fail_msg("-cpu %s: %s", arg, error_get_message(err));
    }
    assert_false(help);
    return ext;
}

static void parse_fails(const char *arg, const char *mention)
{
    uint64_t ext = 0x1234;
    bool help;
    Error *err = NULL;
    assert_false(isa_parse_cpu(arg, &ext, &help, &err));
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_USAGE);
    if (!strstr(error_get_message(err), mention)) {
        fail_msg("-cpu %s: '%s' does not mention '%s'", arg, error_get_message(err), mention);
    }
    assert_int_equal(ext, 0x1234);  /* untouched on error */
    error_free(err);
}

static const char *isa(uint64_t ext)
{
    static char buf[512];
    size_t n = isa_string(ext, true, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    return buf;
}

/* The default model is QEMU 7.2's rv64 minus H, and "rv64" alone, "any"
 * and no -cpu at all mean the same hart. */
static void test_default(void **st)
{
    (void)st;
    uint64_t d = isa_default_ext();
    assert_int_equal(parse_ok("rv64"), d);
    assert_int_equal(parse_ok("any"), d);
    assert_int_equal(parse_ok("rv64,h=false"), d);
    assert_int_equal(d, HART_EXT_ZBA | HART_EXT_ZBB | HART_EXT_ZBC | HART_EXT_ZBS |
                        HART_EXT_SSTC | HART_EXT_ZIHINTPAUSE | HART_EXT_SV57 | HART_EXT_ZIHPM |
                        HART_EXT_SDTRIG);
    assert_string_equal(isa(d),
                        "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zihpm_zba_zbb_zbc_zbs_sdtrig_sstc");
    assert_string_equal(isa_mmu_type(d), "riscv,sv57");
}

/* QEMU's spellings: case-insensitive names (7.2 capitalises some), every
 * boolean word, bare names, legacy +/-, x- prefixes; the last word wins. */
static void test_spellings(void **st)
{
    (void)st;
    uint64_t d = isa_default_ext();
    assert_int_equal(parse_ok("rv64,zbkb=on"), d | HART_EXT_ZBKB);
    assert_int_equal(parse_ok("rv64,ZBKB=true"), d | HART_EXT_ZBKB);
    assert_int_equal(parse_ok("rv64,zbkb=yes"), d | HART_EXT_ZBKB);
    assert_int_equal(parse_ok("rv64,zbkb"), d | HART_EXT_ZBKB);
    assert_int_equal(parse_ok("rv64,+zbkb"), d | HART_EXT_ZBKB);
    assert_int_equal(parse_ok("rv64,-zba"), d & ~HART_EXT_ZBA);
    assert_int_equal(parse_ok("rv64,x-zicond=on"), d | HART_EXT_ZICOND);
    assert_int_equal(parse_ok("rv64,Zihintpause=false"), d & ~HART_EXT_ZIHINTPAUSE);
    assert_int_equal(parse_ok("rv64,zba=off,zba=on"), d);
    assert_int_equal(parse_ok("rv64,zbkx=on,zbkx=off"), d);
    assert_int_equal(parse_ok("rv64,sv57=off"), d & ~HART_EXT_SV57);
    assert_string_equal(isa_mmu_type(d & ~HART_EXT_SV57), "riscv,sv48");
    assert_int_equal(parse_ok("rv64,debug=off"), d & ~HART_EXT_SDTRIG);
    assert_int_equal(parse_ok("rv64,debug=off,debug=true"), d);
    assert_true(parse_ok("max") & HART_EXT_SDTRIG);
    /* Fixed properties take their one value. */
    parse_ok("rv64,i=on,m=true,mmu=on,pmp=on,v=off,e=off,priv_spec=v1.12.0,cbom_blocksize=64,"
             "zicsr=on,Zifencei=true");
    /* max has everything, and can still turn things off. */
    uint64_t max = parse_ok("max");
    for (uint64_t b = HART_EXT_ZBA; b <= HART_EXT_SSTC; b <<= 1) {
        assert_true(max & b);
    }
    assert_false(parse_ok("max,svpbmt=off") & HART_EXT_SVPBMT);
    assert_true(max & HART_EXT_ZFA);
    /* QEMU 7.2's spellings Zfh=on, Zfhmin=on; as there, Zfh does not name
     * Zfhmin in riscv,isa (the hart gives Zfh Zfhmin's instructions). */
    assert_int_equal(parse_ok("rv64,Zfh=on"), d | HART_EXT_ZFH);
    assert_int_equal(parse_ok("rv64,Zfhmin=on"), d | HART_EXT_ZFHMIN);
    assert_int_equal(parse_ok("rv64,zfa=on"), d | HART_EXT_ZFA);
    assert_string_equal(isa(parse_ok("rv64,Zfh=on,zfa=on")),
                        "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zihpm_zfa_zfh_zba_zbb_zbc_zbs_sdtrig_sstc");
    assert_string_equal(isa(parse_ok("rv64,Zfhmin=on")),
                        "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zihpm_zfhmin_zba_zbb_zbc_zbs_sdtrig_sstc");
}

/* riscv,isa spells neither debug (QEMU 7.2 does not) nor sv57; the
 * manifest's string does, so a replay on another of them is refused. */
static void test_manifest_string(void **st)
{
    (void)st;
    char buf[256];
    uint64_t d = isa_default_ext();
    size_t n = isa_manifest_string(d, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zihpm_zba_zbb_zbc_zbs_"
                             "sdtrig_sstc_sv57");
    isa_manifest_string(d & ~HART_EXT_SV57, buf, sizeof(buf));
    assert_string_equal(buf, isa(d));
    isa_manifest_string(d & ~(HART_EXT_SDTRIG | HART_EXT_SV57), buf, sizeof(buf));
    assert_null(strstr(buf, "sdtrig"));
    /* Too small a buffer: truncated, with the length it needed. */
    assert_int_equal(isa_manifest_string(d, buf, 8), n);
    assert_string_equal(buf, "rv64ima");
}

static uint32_t pmu_num(const char *arg, uint64_t *ext)
{
    uint32_t n = 1234;
    bool help = true;
    Error *err = NULL;
    if (!isa_parse_cpu_pmu(arg, ext, &n, &help, &err)) {
        fail_msg("-cpu %s: %s", arg, error_get_message(err));
    }
    assert_false(help);
    return n;
}

/* pmu-num: QEMU 7.2's count of programmable counters (16 by default); 0
 * means none, which is the hart without Zihpm. Sscofpmf and Smstateen
 * (QEMU 8's x-smstateen) are off by default. */
static void test_pmu(void **st)
{
    (void)st;
    uint64_t d = isa_default_ext(), ext;
    assert_int_equal(pmu_num("rv64", &ext), 16);
    assert_int_equal(ext, d);
    assert_int_equal(pmu_num("rv64,pmu-num=4", &ext), 4);
    assert_int_equal(ext, d);
    assert_int_equal(pmu_num("rv64,pmu-num=29", &ext), 29);
    assert_int_equal(pmu_num("rv64,pmu-num=0", &ext), 0);
    assert_int_equal(ext, d & ~HART_EXT_ZIHPM);
    assert_int_equal(pmu_num("rv64,zihpm=off", &ext), 0);
    assert_int_equal(pmu_num("rv64,pmu-num=0,pmu-num=3", &ext), 3);
    assert_int_equal(ext, d);
    assert_int_equal(pmu_num("rv64,pmu-num=5,zihpm=off,zihpm=on", &ext), 5);
    assert_int_equal(pmu_num("rv64,sscofpmf=on,x-smstateen=on", &ext), 16);
    assert_int_equal(ext, d | HART_EXT_SSCOFPMF | HART_EXT_SMSTATEEN);
    assert_int_equal(parse_ok("rv64,smstateen=true"), d | HART_EXT_SMSTATEEN);
    assert_false(d & (HART_EXT_SSCOFPMF | HART_EXT_SMSTATEEN));
    uint64_t max = parse_ok("max");
    assert_int_equal(max & (HART_EXT_ZIHPM | HART_EXT_SSCOFPMF | HART_EXT_SMSTATEEN),
                     HART_EXT_ZIHPM | HART_EXT_SSCOFPMF | HART_EXT_SMSTATEEN);
    /* riscv,isa names sscofpmf as QEMU 7.2 does, and leaves zihpm out. */
    char s[256];
    isa_string(d | HART_EXT_SSCOFPMF | HART_EXT_SMSTATEEN, false, s, sizeof(s));
    assert_string_equal(s, "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_smstateen_"
                           "sscofpmf_sstc");
}

static void test_errors(void **st)
{
    (void)st;
    parse_fails("sifive-u54", "unknown CPU model 'sifive-u54'");
    parse_fails("rv64,zzz=on", "unknown property 'zzz'");
    parse_fails("rv64,zba=2", "'2' for zba is not on or off");
    parse_fails("rv64,h=on", "hypervisor");
    parse_fails("rv64,v=true", "vector");
    parse_fails("rv64,c=off", "C extension");
    parse_fails("rv64,zicsr=off", "cannot be turned off");
    parse_fails("rv64,priv_spec=v1.11.0", "priv_spec=v1.11.0 is not supported");
    parse_fails("rv64,cbom_blocksize=32", "64 bytes");
    parse_fails("rv64,sv48=off", "Sv48");
    parse_fails("rv64,pmu-num=30", "pmu-num=30 is not a number from 0 to 29");
    parse_fails("rv64,pmu-num=", "pmu-num= is not a number");
    parse_fails("rv64,pmu-num=4x", "pmu-num=4x");
}

static void test_help(void **st)
{
    (void)st;
    uint64_t ext = 7;
    bool help = false;
    assert_true(isa_parse_cpu("help", &ext, &help, NULL));
    assert_true(help);
    help = false;
    assert_true(isa_parse_cpu("rv64,zba=on,help", &ext, &help, NULL));
    assert_true(help);
    assert_int_equal(ext, 7);
}

/* riscv,isa-extensions names exactly the extensions of riscv,isa, in the
 * same order, and every property of the table round-trips. */
static void test_names_agree(void **st)
{
    (void)st;
    const char *specs[] = { "rv64", "max", "rv64,zba=off,zbb=off,zbc=off,zbs=off,sstc=off",
                            "rv64,svinval=on,zicboz=on" };
    for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
        uint64_t ext = parse_ok(specs[s]);
        char joined[512] = "rv64";
        for (unsigned i = 0; isa_extension_name(ext, i); i++) {
            const char *n = isa_extension_name(ext, i);
            strcat(joined, strlen(n) > 1 ? "_" : "");
            strcat(joined, n);
        }
        /* "rv64" + "i","m",... = "rv64imafdc" + "_zicntr"... */
        assert_string_equal(joined, isa(ext));
        char buf[8];
        assert_int_equal(isa_string(ext, true, buf, sizeof(buf)), strlen(isa(ext)));
        assert_string_equal(buf, "rv64ima");
    }
    assert_int_equal(isa_string(0, true, NULL, 0), strlen("rv64imafdc_zicntr_zicsr_zifencei"));
    /* riscv,isa leaves out what QEMU 7.2 leaves implied. */
    char s7[64];
    isa_string(0, false, s7, sizeof(s7));
    assert_string_equal(s7, "rv64imafdc_zicsr_zifencei");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_manifest_string),
        cmocka_unit_test(test_pmu),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_names_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
