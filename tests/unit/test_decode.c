/* Decoder golden tests: encodings produced by the GNU assembler for every
 * instruction class (RV64IMAFD, Zicsr, Zifencei, compressed, Zb*, Zicond,
 * Zfh, Zfa), with the operands the spec defines for them. Compressed forms are checked against
 * their 32-bit expansions. Integer destinations x0 decode as the sink 32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/internal.h"

typedef struct Golden {
    uint32_t raw;
    const char *op;
    int rd, rs1, rs2;
    long long imm;
} Golden;

static const Golden golden[] = {
    { 0x12345537u, "lui", 10, 0, 0, 305418240ll }, /* lui a0, 0x12345 */
    { 0x80000537u, "lui", 10, 0, 0, -2147483648ll }, /* lui a0, 0x80000 */
    { 0xfffff297u, "auipc", 5, 0, 0, -4096ll }, /* auipc t0, 0xfffff */
    { 0x001000efu, "jal", 1, 0, 0, 2048ll }, /* jal ra, .+2048 */
    { 0xffdff06fu, "jal", 32, 0, 0, -4ll }, /* jal zero, .-4 */
    { 0xff878367u, "jalr", 6, 15, 0, -8ll }, /* jalr t1, -8(a5) */
    { 0x7eb50fe3u, "beq", 0, 10, 11, 4094ll }, /* beq a0, a1, .+4094 */
    { 0x80941063u, "bne", 0, 8, 9, -4096ll }, /* bne s0, s1, .-4096 */
    { 0x00d64863u, "blt", 0, 12, 13, 16ll }, /* blt a2, a3, .+16 */
    { 0xfed658e3u, "bge", 0, 12, 13, -16ll }, /* bge a2, a3, .-16 */
    { 0x0062e463u, "bltu", 0, 5, 6, 8ll }, /* bltu t0, t1, .+8 */
    { 0x0062f463u, "bgeu", 0, 5, 6, 8ll }, /* bgeu t0, t1, .+8 */
    { 0xfff10503u, "lb", 10, 2, 0, -1ll }, /* lb a0, -1(sp) */
    { 0x7ff11503u, "lh", 10, 2, 0, 2047ll }, /* lh a0, 2047(sp) */
    { 0x80012503u, "lw", 10, 2, 0, -2048ll }, /* lw a0, -2048(sp) */
    { 0x0085b503u, "ld", 10, 11, 0, 8ll }, /* ld a0, 8(a1) */
    { 0x0015c503u, "lbu", 10, 11, 0, 1ll }, /* lbu a0, 1(a1) */
    { 0x0025d503u, "lhu", 10, 11, 0, 2ll }, /* lhu a0, 2(a1) */
    { 0x0045e503u, "lwu", 10, 11, 0, 4ll }, /* lwu a0, 4(a1) */
    { 0xfec58fa3u, "sb", 0, 11, 12, -1ll }, /* sb a2, -1(a1) */
    { 0x00c59123u, "sh", 0, 11, 12, 2ll }, /* sh a2, 2(a1) */
    { 0x80c5a023u, "sw", 0, 11, 12, -2048ll }, /* sw a2, -2048(a1) */
    { 0x7ec5bfa3u, "sd", 0, 11, 12, 2047ll }, /* sd a2, 2047(a1) */
    { 0xfff58513u, "addi", 10, 11, 0, -1ll }, /* addi a0, a1, -1 */
    { 0x00000013u, "addi", 32, 0, 0, 0ll }, /* addi zero, zero, 0 */
    { 0x0055a513u, "slti", 10, 11, 0, 5ll }, /* slti a0, a1, 5 */
    { 0xfff5b513u, "sltiu", 10, 11, 0, -1ll }, /* sltiu a0, a1, -1 */
    { 0x7ff5c513u, "xori", 10, 11, 0, 2047ll }, /* xori a0, a1, 0x7ff */
    { 0x0015e513u, "ori", 10, 11, 0, 1ll }, /* ori a0, a1, 1 */
    { 0xff05f513u, "andi", 10, 11, 0, -16ll }, /* andi a0, a1, -16 */
    { 0x03f59513u, "slli", 10, 11, 0, 63ll }, /* slli a0, a1, 63 */
    { 0x0215d513u, "srli", 10, 11, 0, 33ll }, /* srli a0, a1, 33 */
    { 0x4015d513u, "srai", 10, 11, 0, 1ll }, /* srai a0, a1, 1 */
    { 0x00c58533u, "add", 10, 11, 12, 0ll }, /* add a0, a1, a2 */
    { 0x40c58533u, "sub", 10, 11, 12, 0ll }, /* sub a0, a1, a2 */
    { 0x00c59533u, "sll", 10, 11, 12, 0ll }, /* sll a0, a1, a2 */
    { 0x00c5a533u, "slt", 10, 11, 12, 0ll }, /* slt a0, a1, a2 */
    { 0x00c5b533u, "sltu", 10, 11, 12, 0ll }, /* sltu a0, a1, a2 */
    { 0x00c5c533u, "xor", 10, 11, 12, 0ll }, /* xor a0, a1, a2 */
    { 0x00c5d533u, "srl", 10, 11, 12, 0ll }, /* srl a0, a1, a2 */
    { 0x40c5d533u, "sra", 10, 11, 12, 0ll }, /* sra a0, a1, a2 */
    { 0x00c5e533u, "or", 10, 11, 12, 0ll }, /* or a0, a1, a2 */
    { 0x00c5f533u, "and", 10, 11, 12, 0ll }, /* and a0, a1, a2 */
    { 0xffb5851bu, "addiw", 10, 11, 0, -5ll }, /* addiw a0, a1, -5 */
    { 0x01f5951bu, "slliw", 10, 11, 0, 31ll }, /* slliw a0, a1, 31 */
    { 0x0035d51bu, "srliw", 10, 11, 0, 3ll }, /* srliw a0, a1, 3 */
    { 0x4035d51bu, "sraiw", 10, 11, 0, 3ll }, /* sraiw a0, a1, 3 */
    { 0x00c5853bu, "addw", 10, 11, 12, 0ll }, /* addw a0, a1, a2 */
    { 0x40c5853bu, "subw", 10, 11, 12, 0ll }, /* subw a0, a1, a2 */
    { 0x00c5953bu, "sllw", 10, 11, 12, 0ll }, /* sllw a0, a1, a2 */
    { 0x00c5d53bu, "srlw", 10, 11, 12, 0ll }, /* srlw a0, a1, a2 */
    { 0x40c5d53bu, "sraw", 10, 11, 12, 0ll }, /* sraw a0, a1, a2 */
    { 0x02c58533u, "mul", 10, 11, 12, 0ll }, /* mul a0, a1, a2 */
    { 0x02c59533u, "mulh", 10, 11, 12, 0ll }, /* mulh a0, a1, a2 */
    { 0x02c5a533u, "mulhsu", 10, 11, 12, 0ll }, /* mulhsu a0, a1, a2 */
    { 0x02c5b533u, "mulhu", 10, 11, 12, 0ll }, /* mulhu a0, a1, a2 */
    { 0x02c5c533u, "div", 10, 11, 12, 0ll }, /* div a0, a1, a2 */
    { 0x02c5d533u, "divu", 10, 11, 12, 0ll }, /* divu a0, a1, a2 */
    { 0x02c5e533u, "rem", 10, 11, 12, 0ll }, /* rem a0, a1, a2 */
    { 0x02c5f533u, "remu", 10, 11, 12, 0ll }, /* remu a0, a1, a2 */
    { 0x02c5853bu, "mulw", 10, 11, 12, 0ll }, /* mulw a0, a1, a2 */
    { 0x02c5c53bu, "divw", 10, 11, 12, 0ll }, /* divw a0, a1, a2 */
    { 0x02c5d53bu, "divuw", 10, 11, 12, 0ll }, /* divuw a0, a1, a2 */
    { 0x02c5e53bu, "remw", 10, 11, 12, 0ll }, /* remw a0, a1, a2 */
    { 0x02c5f53bu, "remuw", 10, 11, 12, 0ll }, /* remuw a0, a1, a2 */
    { 0x0330000fu, "fence", 0, 0, 0, 0ll }, /* fence rw, rw */
    { 0x0000100fu, "fence_i", 0, 0, 0, 0ll }, /* fence.i */
    { 0x0100000fu, "fence", 0, 0, 0, 0ll }, /* pause */
    { 0x00000073u, "ecall", 0, 0, 0, 0ll }, /* ecall */
    { 0x00100073u, "ebreak", 0, 0, 0, 0ll }, /* ebreak */
    { 0x30200073u, "mret", 0, 0, 0, 0ll }, /* mret */
    { 0x10200073u, "sret", 0, 0, 0, 0ll }, /* sret */
    { 0x10500073u, "wfi", 0, 0, 0, 0ll }, /* wfi */
    { 0x12b50073u, "sfence_vma", 0, 10, 11, 0ll }, /* sfence.vma a0, a1 */
    { 0x30059573u, "csrrw", 10, 11, 0, 768ll }, /* csrrw a0, mstatus, a1 */
    { 0x1805a073u, "csrrs", 32, 11, 0, 384ll }, /* csrrs zero, satp, a1 */
    { 0x30403573u, "csrrc", 10, 0, 0, 772ll }, /* csrrc a0, mie, zero */
    { 0x003fd573u, "csrrwi", 10, 31, 0, 3ll }, /* csrrwi a0, fcsr, 31 */
    { 0x10016573u, "csrrsi", 10, 2, 0, 256ll }, /* csrrsi a0, sstatus, 2 */
    { 0xfff0f573u, "csrrci", 10, 1, 0, 4095ll }, /* csrrci a0, 0xfff, 1 */
    { 0x1005a52fu, "lr_w", 10, 11, 0, 0ll }, /* lr.w a0, (a1) */
    { 0x18c5a52fu, "sc_w", 10, 11, 12, 0ll }, /* sc.w a0, a2, (a1) */
    { 0x0cc5a52fu, "amoswap_w", 10, 11, 12, 0ll }, /* amoswap.w.aq a0, a2, (a1) */
    { 0x00c5a52fu, "amoadd_w", 10, 11, 12, 0ll }, /* amoadd.w a0, a2, (a1) */
    { 0x20c5a52fu, "amoxor_w", 10, 11, 12, 0ll }, /* amoxor.w a0, a2, (a1) */
    { 0x60c5a52fu, "amoand_w", 10, 11, 12, 0ll }, /* amoand.w a0, a2, (a1) */
    { 0x40c5a52fu, "amoor_w", 10, 11, 12, 0ll }, /* amoor.w a0, a2, (a1) */
    { 0x80c5a52fu, "amomin_w", 10, 11, 12, 0ll }, /* amomin.w a0, a2, (a1) */
    { 0xa0c5a52fu, "amomax_w", 10, 11, 12, 0ll }, /* amomax.w a0, a2, (a1) */
    { 0xc0c5a52fu, "amominu_w", 10, 11, 12, 0ll }, /* amominu.w a0, a2, (a1) */
    { 0xe0c5a52fu, "amomaxu_w", 10, 11, 12, 0ll }, /* amomaxu.w a0, a2, (a1) */
    { 0x1605b52fu, "lr_d", 10, 11, 0, 0ll }, /* lr.d.aqrl a0, (a1) */
    { 0x1ac5b52fu, "sc_d", 10, 11, 12, 0ll }, /* sc.d.rl a0, a2, (a1) */
    { 0x08c5b52fu, "amoswap_d", 10, 11, 12, 0ll }, /* amoswap.d a0, a2, (a1) */
    { 0x00c5b52fu, "amoadd_d", 10, 11, 12, 0ll }, /* amoadd.d a0, a2, (a1) */
    { 0x20c5b52fu, "amoxor_d", 10, 11, 12, 0ll }, /* amoxor.d a0, a2, (a1) */
    { 0x60c5b52fu, "amoand_d", 10, 11, 12, 0ll }, /* amoand.d a0, a2, (a1) */
    { 0x40c5b52fu, "amoor_d", 10, 11, 12, 0ll }, /* amoor.d a0, a2, (a1) */
    { 0x80c5b52fu, "amomin_d", 10, 11, 12, 0ll }, /* amomin.d a0, a2, (a1) */
    { 0xa0c5b52fu, "amomax_d", 10, 11, 12, 0ll }, /* amomax.d a0, a2, (a1) */
    { 0xc0c5b52fu, "amominu_d", 10, 11, 12, 0ll }, /* amominu.d a0, a2, (a1) */
    { 0xe0c5b02fu, "amomaxu_d", 32, 11, 12, 0ll }, /* amomaxu.d zero, a2, (a1) */
    { 0x0045a507u, "flw", 10, 11, 0, 4ll }, /* flw fa0, 4(a1) */
    { 0xfec5ae27u, "fsw", 0, 11, 12, -4ll }, /* fsw fa2, -4(a1) */
    { 0x0085b507u, "fld", 10, 11, 0, 8ll }, /* fld fa0, 8(a1) */
    { 0x00c5b827u, "fsd", 0, 11, 12, 16ll }, /* fsd fa2, 16(a1) */
    { 0x68c58543u, "fmadd_s", 10, 11, 12, 0ll }, /* fmadd.s fa0, fa1, fa2, fa3, rne */
    { 0x68c5f547u, "fmsub_s", 10, 11, 12, 0ll }, /* fmsub.s fa0, fa1, fa2, fa3 */
    { 0x68c5f54bu, "fnmsub_s", 10, 11, 12, 0ll }, /* fnmsub.s fa0, fa1, fa2, fa3 */
    { 0x68c5f54fu, "fnmadd_s", 10, 11, 12, 0ll }, /* fnmadd.s fa0, fa1, fa2, fa3 */
    { 0x00c5f553u, "fadd_s", 10, 11, 12, 0ll }, /* fadd.s fa0, fa1, fa2 */
    { 0x08c5f553u, "fsub_s", 10, 11, 12, 0ll }, /* fsub.s fa0, fa1, fa2 */
    { 0x10c5f553u, "fmul_s", 10, 11, 12, 0ll }, /* fmul.s fa0, fa1, fa2 */
    { 0x18c5f553u, "fdiv_s", 10, 11, 12, 0ll }, /* fdiv.s fa0, fa1, fa2 */
    { 0x5805f553u, "fsqrt_s", 10, 11, 0, 0ll }, /* fsqrt.s fa0, fa1 */
    { 0x20c58553u, "fsgnj_s", 10, 11, 12, 0ll }, /* fsgnj.s fa0, fa1, fa2 */
    { 0x20c59553u, "fsgnjn_s", 10, 11, 12, 0ll }, /* fsgnjn.s fa0, fa1, fa2 */
    { 0x20c5a553u, "fsgnjx_s", 10, 11, 12, 0ll }, /* fsgnjx.s fa0, fa1, fa2 */
    { 0x28c58553u, "fmin_s", 10, 11, 12, 0ll }, /* fmin.s fa0, fa1, fa2 */
    { 0x28c59553u, "fmax_s", 10, 11, 12, 0ll }, /* fmax.s fa0, fa1, fa2 */
    { 0xc0059553u, "fcvt_w_s", 10, 11, 0, 0ll }, /* fcvt.w.s a0, fa1, rtz */
    { 0xc015f553u, "fcvt_wu_s", 10, 11, 1, 0ll }, /* fcvt.wu.s a0, fa1 */
    { 0xc025f553u, "fcvt_l_s", 10, 11, 2, 0ll }, /* fcvt.l.s a0, fa1 */
    { 0xc035f553u, "fcvt_lu_s", 10, 11, 3, 0ll }, /* fcvt.lu.s a0, fa1 */
    { 0xe0058553u, "fmv_x_w", 10, 11, 0, 0ll }, /* fmv.x.w a0, fa1 */
    { 0xa0c5a553u, "feq_s", 10, 11, 12, 0ll }, /* feq.s a0, fa1, fa2 */
    { 0xa0c59553u, "flt_s", 10, 11, 12, 0ll }, /* flt.s a0, fa1, fa2 */
    { 0xa0c58553u, "fle_s", 10, 11, 12, 0ll }, /* fle.s a0, fa1, fa2 */
    { 0xe0059553u, "fclass_s", 10, 11, 0, 0ll }, /* fclass.s a0, fa1 */
    { 0xd005f553u, "fcvt_s_w", 10, 11, 0, 0ll }, /* fcvt.s.w fa0, a1 */
    { 0xd015f553u, "fcvt_s_wu", 10, 11, 1, 0ll }, /* fcvt.s.wu fa0, a1 */
    { 0xd025f553u, "fcvt_s_l", 10, 11, 2, 0ll }, /* fcvt.s.l fa0, a1 */
    { 0xd035f553u, "fcvt_s_lu", 10, 11, 3, 0ll }, /* fcvt.s.lu fa0, a1 */
    { 0xf0058553u, "fmv_w_x", 10, 11, 0, 0ll }, /* fmv.w.x fa0, a1 */
    { 0x6ac5f543u, "fmadd_d", 10, 11, 12, 0ll }, /* fmadd.d fa0, fa1, fa2, fa3 */
    { 0x6ac5f547u, "fmsub_d", 10, 11, 12, 0ll }, /* fmsub.d fa0, fa1, fa2, fa3 */
    { 0x6ac5f54bu, "fnmsub_d", 10, 11, 12, 0ll }, /* fnmsub.d fa0, fa1, fa2, fa3 */
    { 0x6ac5f54fu, "fnmadd_d", 10, 11, 12, 0ll }, /* fnmadd.d fa0, fa1, fa2, fa3 */
    { 0x02c5b553u, "fadd_d", 10, 11, 12, 0ll }, /* fadd.d fa0, fa1, fa2, rup */
    { 0x0ac5f553u, "fsub_d", 10, 11, 12, 0ll }, /* fsub.d fa0, fa1, fa2 */
    { 0x12c5f553u, "fmul_d", 10, 11, 12, 0ll }, /* fmul.d fa0, fa1, fa2 */
    { 0x1ac5f553u, "fdiv_d", 10, 11, 12, 0ll }, /* fdiv.d fa0, fa1, fa2 */
    { 0x5a05f553u, "fsqrt_d", 10, 11, 0, 0ll }, /* fsqrt.d fa0, fa1 */
    { 0x22c58553u, "fsgnj_d", 10, 11, 12, 0ll }, /* fsgnj.d fa0, fa1, fa2 */
    { 0x22c59553u, "fsgnjn_d", 10, 11, 12, 0ll }, /* fsgnjn.d fa0, fa1, fa2 */
    { 0x22c5a553u, "fsgnjx_d", 10, 11, 12, 0ll }, /* fsgnjx.d fa0, fa1, fa2 */
    { 0x2ac58553u, "fmin_d", 10, 11, 12, 0ll }, /* fmin.d fa0, fa1, fa2 */
    { 0x2ac59553u, "fmax_d", 10, 11, 12, 0ll }, /* fmax.d fa0, fa1, fa2 */
    { 0x4015f553u, "fcvt_s_d", 10, 11, 1, 0ll }, /* fcvt.s.d fa0, fa1 */
    { 0x42058553u, "fcvt_d_s", 10, 11, 0, 0ll }, /* fcvt.d.s fa0, fa1 */
    { 0xc205f553u, "fcvt_w_d", 10, 11, 0, 0ll }, /* fcvt.w.d a0, fa1 */
    { 0xc215f553u, "fcvt_wu_d", 10, 11, 1, 0ll }, /* fcvt.wu.d a0, fa1 */
    { 0xc225f553u, "fcvt_l_d", 10, 11, 2, 0ll }, /* fcvt.l.d a0, fa1 */
    { 0xc235f553u, "fcvt_lu_d", 10, 11, 3, 0ll }, /* fcvt.lu.d a0, fa1 */
    { 0xe2058553u, "fmv_x_d", 10, 11, 0, 0ll }, /* fmv.x.d a0, fa1 */
    { 0xa2c5a553u, "feq_d", 10, 11, 12, 0ll }, /* feq.d a0, fa1, fa2 */
    { 0xa2c59553u, "flt_d", 10, 11, 12, 0ll }, /* flt.d a0, fa1, fa2 */
    { 0xa2c58553u, "fle_d", 10, 11, 12, 0ll }, /* fle.d a0, fa1, fa2 */
    { 0xe2059553u, "fclass_d", 10, 11, 0, 0ll }, /* fclass.d a0, fa1 */
    { 0xd2058553u, "fcvt_d_w", 10, 11, 0, 0ll }, /* fcvt.d.w fa0, a1 */
    { 0xd2158553u, "fcvt_d_wu", 10, 11, 1, 0ll }, /* fcvt.d.wu fa0, a1 */
    { 0xd225f553u, "fcvt_d_l", 10, 11, 2, 0ll }, /* fcvt.d.l fa0, a1 */
    { 0xd235f553u, "fcvt_d_lu", 10, 11, 3, 0ll }, /* fcvt.d.lu fa0, a1 */
    { 0xf2058553u, "fmv_d_x", 10, 11, 0, 0ll }, /* fmv.d.x fa0, a1 */
    { 0x00001fe8u, "addi", 10, 2, 0, 1020ll }, /* c.addi4spn a0, sp, 1020 */
    { 0x00003de8u, "fld", 10, 11, 0, 248ll }, /* c.fld fa0, 248(a1) */
    { 0x00005de8u, "lw", 10, 11, 0, 124ll }, /* c.lw a0, 124(a1) */
    { 0x00007de8u, "ld", 10, 11, 0, 248ll }, /* c.ld a0, 248(a1) */
    { 0x0000a590u, "fsd", 0, 11, 12, 8ll }, /* c.fsd fa2, 8(a1) */
    { 0x0000c1d0u, "sw", 0, 11, 12, 4ll }, /* c.sw a2, 4(a1) */
    { 0x0000e590u, "sd", 0, 11, 12, 8ll }, /* c.sd a2, 8(a1) */
    { 0x00000001u, "addi", 32, 0, 0, 0ll }, /* c.nop */
    { 0x00001501u, "addi", 10, 10, 0, -32ll }, /* c.addi a0, -32 */
    { 0x0000257du, "addiw", 10, 10, 0, 31ll }, /* c.addiw a0, 31 */
    { 0x0000557du, "addi", 10, 0, 0, -1ll }, /* c.li a0, -1 */
    { 0x00007101u, "addi", 2, 2, 0, -512ll }, /* c.addi16sp sp, -512 */
    { 0x0000617du, "addi", 2, 2, 0, 496ll }, /* c.addi16sp sp, 496 */
    { 0x00007501u, "lui", 10, 0, 0, -131072ll }, /* c.lui a0, 0xfffe0 */
    { 0x00006505u, "lui", 10, 0, 0, 4096ll }, /* c.lui a0, 1 */
    { 0x0000917du, "srli", 10, 10, 0, 63ll }, /* c.srli a0, 63 */
    { 0x00008505u, "srai", 10, 10, 0, 1ll }, /* c.srai a0, 1 */
    { 0x0000997du, "andi", 10, 10, 0, -1ll }, /* c.andi a0, -1 */
    { 0x00008d0du, "sub", 10, 10, 11, 0ll }, /* c.sub a0, a1 */
    { 0x00008d2du, "xor", 10, 10, 11, 0ll }, /* c.xor a0, a1 */
    { 0x00008d4du, "or", 10, 10, 11, 0ll }, /* c.or a0, a1 */
    { 0x00008d6du, "and", 10, 10, 11, 0ll }, /* c.and a0, a1 */
    { 0x00009d0du, "subw", 10, 10, 11, 0ll }, /* c.subw a0, a1 */
    { 0x00009d2du, "addw", 10, 10, 11, 0ll }, /* c.addw a0, a1 */
    { 0x0000b001u, "jal", 32, 0, 0, -2048ll }, /* c.j .-2048 */
    { 0x0000affdu, "jal", 32, 0, 0, 2046ll }, /* c.j .+2046 */
    { 0x0000d101u, "beq", 0, 10, 0, -256ll }, /* c.beqz a0, .-256 */
    { 0x0000ed7du, "bne", 0, 10, 0, 254ll }, /* c.bnez a0, .+254 */
    { 0x0000157eu, "slli", 10, 10, 0, 63ll }, /* c.slli a0, 63 */
    { 0x0000357eu, "fld", 10, 2, 0, 504ll }, /* c.fldsp fa0, 504(sp) */
    { 0x0000557eu, "lw", 10, 2, 0, 252ll }, /* c.lwsp a0, 252(sp) */
    { 0x0000757eu, "ld", 10, 2, 0, 504ll }, /* c.ldsp a0, 504(sp) */
    { 0x00008502u, "jalr", 32, 10, 0, 0ll }, /* c.jr a0 */
    { 0x0000852eu, "add", 10, 0, 11, 0ll }, /* c.mv a0, a1 */
    { 0x00009002u, "ebreak", 0, 0, 0, 0ll }, /* c.ebreak */
    { 0x00009502u, "jalr", 1, 10, 0, 0ll }, /* c.jalr a0 */
    { 0x0000952eu, "add", 10, 10, 11, 0ll }, /* c.add a0, a1 */
    { 0x0000bfaau, "fsd", 0, 2, 10, 504ll }, /* c.fsdsp fa0, 504(sp) */
    { 0x0000dfaau, "sw", 0, 2, 10, 252ll }, /* c.swsp a0, 252(sp) */
    { 0x0000ffaau, "sd", 0, 2, 10, 504ll }, /* c.sdsp a0, 504(sp) */
    /* Zicbom, Zicboz, Svinval (GNU as 2.40). */
    { 0x0015a00fu, "cbo_clean", 0, 11, 0, 0ll }, /* cbo.clean (a1) */
    { 0x0025a00fu, "cbo_flush", 0, 11, 0, 0ll }, /* cbo.flush (a1) */
    { 0x0005a00fu, "cbo_inval", 0, 11, 0, 0ll }, /* cbo.inval (a1) */
    { 0x0045a00fu, "cbo_zero", 0, 11, 0, 0ll }, /* cbo.zero (a1) */
    { 0x16c58073u, "sinval_vma", 0, 11, 12, 0ll }, /* sinval.vma a1, a2 */
    { 0x18000073u, "sfence_w_inval", 0, 0, 0, 0ll }, /* sfence.w.inval */
    { 0x18100073u, "sfence_inval_ir", 0, 0, 0, 0ll }, /* sfence.inval.ir */
    /* Zba, Zbb, Zbc, Zbs, Zbkb, Zbkc, Zbkx (GNU as 2.40); Zicond through .insn. */
    { 0x08c5853bu, "add_uw", 10, 11, 12, 0ll }, /* add.uw a0, a1, a2 */
    { 0x20c5a533u, "sh1add", 10, 11, 12, 0ll }, /* sh1add a0, a1, a2 */
    { 0x20c5c533u, "sh2add", 10, 11, 12, 0ll }, /* sh2add a0, a1, a2 */
    { 0x20c5e533u, "sh3add", 10, 11, 12, 0ll }, /* sh3add a0, a1, a2 */
    { 0x20c5a53bu, "sh1add_uw", 10, 11, 12, 0ll }, /* sh1add.uw a0, a1, a2 */
    { 0x20c5c53bu, "sh2add_uw", 10, 11, 12, 0ll }, /* sh2add.uw a0, a1, a2 */
    { 0x20c5e53bu, "sh3add_uw", 10, 11, 12, 0ll }, /* sh3add.uw a0, a1, a2 */
    { 0x0bf5951bu, "slli_uw", 10, 11, 0, 63ll }, /* slli.uw a0, a1, 63 */
    { 0x40c5f533u, "andn", 10, 11, 12, 0ll }, /* andn a0, a1, a2 */
    { 0x40c5e533u, "orn", 10, 11, 12, 0ll }, /* orn a0, a1, a2 */
    { 0x40c5c533u, "xnor", 10, 11, 12, 0ll }, /* xnor a0, a1, a2 */
    { 0x60059513u, "clz", 10, 11, 0, 0ll }, /* clz a0, a1 */
    { 0x6005951bu, "clzw", 10, 11, 0, 0ll }, /* clzw a0, a1 */
    { 0x60159513u, "ctz", 10, 11, 0, 0ll }, /* ctz a0, a1 */
    { 0x6015951bu, "ctzw", 10, 11, 0, 0ll }, /* ctzw a0, a1 */
    { 0x60259513u, "cpop", 10, 11, 0, 0ll }, /* cpop a0, a1 */
    { 0x6025951bu, "cpopw", 10, 11, 0, 0ll }, /* cpopw a0, a1 */
    { 0x0ac5e533u, "max", 10, 11, 12, 0ll }, /* max a0, a1, a2 */
    { 0x0ac5f533u, "maxu", 10, 11, 12, 0ll }, /* maxu a0, a1, a2 */
    { 0x0ac5c533u, "min", 10, 11, 12, 0ll }, /* min a0, a1, a2 */
    { 0x0ac5d533u, "minu", 10, 11, 12, 0ll }, /* minu a0, a1, a2 */
    { 0x60459513u, "sext_b", 10, 11, 0, 0ll }, /* sext.b a0, a1 */
    { 0x60559513u, "sext_h", 10, 11, 0, 0ll }, /* sext.h a0, a1 */
    { 0x0805c53bu, "zext_h", 10, 11, 0, 0ll }, /* zext.h a0, a1 */
    { 0x60c59533u, "rol", 10, 11, 12, 0ll }, /* rol a0, a1, a2 */
    { 0x60c5953bu, "rolw", 10, 11, 12, 0ll }, /* rolw a0, a1, a2 */
    { 0x60c5d533u, "ror", 10, 11, 12, 0ll }, /* ror a0, a1, a2 */
    { 0x63f5d513u, "rori", 10, 11, 0, 63ll }, /* rori a0, a1, 63 */
    { 0x61f5d51bu, "roriw", 10, 11, 0, 31ll }, /* roriw a0, a1, 31 */
    { 0x60c5d53bu, "rorw", 10, 11, 12, 0ll }, /* rorw a0, a1, a2 */
    { 0x2875d513u, "orc_b", 10, 11, 0, 0ll }, /* orc.b a0, a1 */
    { 0x6b85d513u, "rev8", 10, 11, 0, 0ll }, /* rev8 a0, a1 */
    { 0x0ac59533u, "clmul", 10, 11, 12, 0ll }, /* clmul a0, a1, a2 */
    { 0x0ac5b533u, "clmulh", 10, 11, 12, 0ll }, /* clmulh a0, a1, a2 */
    { 0x0ac5a533u, "clmulr", 10, 11, 12, 0ll }, /* clmulr a0, a1, a2 */
    { 0x48c59533u, "bclr", 10, 11, 12, 0ll }, /* bclr a0, a1, a2 */
    { 0x4bf59513u, "bclri", 10, 11, 0, 63ll }, /* bclri a0, a1, 63 */
    { 0x48c5d533u, "bext", 10, 11, 12, 0ll }, /* bext a0, a1, a2 */
    { 0x4be5d513u, "bexti", 10, 11, 0, 62ll }, /* bexti a0, a1, 62 */
    { 0x68c59533u, "binv", 10, 11, 12, 0ll }, /* binv a0, a1, a2 */
    { 0x68159513u, "binvi", 10, 11, 0, 1ll }, /* binvi a0, a1, 1 */
    { 0x28c59533u, "bset", 10, 11, 12, 0ll }, /* bset a0, a1, a2 */
    { 0x2a859513u, "bseti", 10, 11, 0, 40ll }, /* bseti a0, a1, 40 */
    { 0x08c5c533u, "pack", 10, 11, 12, 0ll }, /* pack a0, a1, a2 */
    { 0x08c5f533u, "packh", 10, 11, 12, 0ll }, /* packh a0, a1, a2 */
    { 0x08c5c53bu, "packw", 10, 11, 12, 0ll }, /* packw a0, a1, a2 */
    { 0x6875d513u, "brev8", 10, 11, 0, 0ll }, /* brev8 a0, a1 */
    { 0x28c5a533u, "xperm4", 10, 11, 12, 0ll }, /* xperm4 a0, a1, a2 */
    { 0x28c5c533u, "xperm8", 10, 11, 12, 0ll }, /* xperm8 a0, a1, a2 */
    { 0x0ec5d533u, "czero_eqz", 10, 11, 12, 0ll }, /* czero.eqz a0, a1, a2 (.insn) */
    { 0x0ec5f533u, "czero_nez", 10, 11, 12, 0ll }, /* czero.nez a0, a1, a2 (.insn) */
    /* Zfh and Zfhmin (GNU as 2.40, -march=rv64gc_zfh). */
    { 0xffe59507u, "flh", 10, 11, 0, -2ll }, /* flh fa0, -2(a1) */
    { 0x7ff11087u, "flh", 1, 2, 0, 2047ll }, /* flh ft1, 2047(sp) */
    { 0x80c59027u, "fsh", 0, 11, 12, -2048ll }, /* fsh fa2, -2048(a1) */
    { 0x00371327u, "fsh", 0, 14, 3, 6ll }, /* fsh ft3, 6(a4) */
    { 0x6cc5f543u, "fmadd_h", 10, 11, 12, 0ll }, /* fmadd.h fa0, fa1, fa2, fa3 */
    { 0x6cc59547u, "fmsub_h", 10, 11, 12, 0ll }, /* fmsub.h fa0, fa1, fa2, fa3, rtz */
    { 0x6cc5a54bu, "fnmsub_h", 10, 11, 12, 0ll }, /* fnmsub.h fa0, fa1, fa2, fa3, rdn */
    { 0x6cc5c54fu, "fnmadd_h", 10, 11, 12, 0ll }, /* fnmadd.h fa0, fa1, fa2, fa3, rmm */
    { 0x04c5f553u, "fadd_h", 10, 11, 12, 0ll }, /* fadd.h fa0, fa1, fa2 */
    { 0x0cc58553u, "fsub_h", 10, 11, 12, 0ll }, /* fsub.h fa0, fa1, fa2, rne */
    { 0x14c5b553u, "fmul_h", 10, 11, 12, 0ll }, /* fmul.h fa0, fa1, fa2, rup */
    { 0x1cc5f553u, "fdiv_h", 10, 11, 12, 0ll }, /* fdiv.h fa0, fa1, fa2 */
    { 0x5c05f553u, "fsqrt_h", 10, 11, 0, 0ll }, /* fsqrt.h fa0, fa1 */
    { 0x24c58553u, "fsgnj_h", 10, 11, 12, 0ll }, /* fsgnj.h fa0, fa1, fa2 */
    { 0x24c59553u, "fsgnjn_h", 10, 11, 12, 0ll }, /* fsgnjn.h fa0, fa1, fa2 */
    { 0x24c5a553u, "fsgnjx_h", 10, 11, 12, 0ll }, /* fsgnjx.h fa0, fa1, fa2 */
    { 0x2cc58553u, "fmin_h", 10, 11, 12, 0ll }, /* fmin.h fa0, fa1, fa2 */
    { 0x2cc59553u, "fmax_h", 10, 11, 12, 0ll }, /* fmax.h fa0, fa1, fa2 */
    { 0x40258553u, "fcvt_s_h", 10, 11, 2, 0ll }, /* fcvt.s.h fa0, fa1 */
    { 0x4405f553u, "fcvt_h_s", 10, 11, 0, 0ll }, /* fcvt.h.s fa0, fa1 */
    { 0x42258553u, "fcvt_d_h", 10, 11, 2, 0ll }, /* fcvt.d.h fa0, fa1 */
    { 0x44159553u, "fcvt_h_d", 10, 11, 1, 0ll }, /* fcvt.h.d fa0, fa1, rtz */
    { 0xc4059553u, "fcvt_w_h", 10, 11, 0, 0ll }, /* fcvt.w.h a0, fa1, rtz */
    { 0xc415f553u, "fcvt_wu_h", 10, 11, 1, 0ll }, /* fcvt.wu.h a0, fa1 */
    { 0xc425f553u, "fcvt_l_h", 10, 11, 2, 0ll }, /* fcvt.l.h a0, fa1 */
    { 0xc435f553u, "fcvt_lu_h", 10, 11, 3, 0ll }, /* fcvt.lu.h a0, fa1 */
    { 0xe4058553u, "fmv_x_h", 10, 11, 0, 0ll }, /* fmv.x.h a0, fa1 */
    { 0xa4c5a553u, "feq_h", 10, 11, 12, 0ll }, /* feq.h a0, fa1, fa2 */
    { 0xa4c59553u, "flt_h", 10, 11, 12, 0ll }, /* flt.h a0, fa1, fa2 */
    { 0xa4c58553u, "fle_h", 10, 11, 12, 0ll }, /* fle.h a0, fa1, fa2 */
    { 0xe4059553u, "fclass_h", 10, 11, 0, 0ll }, /* fclass.h a0, fa1 */
    { 0xd405f553u, "fcvt_h_w", 10, 11, 0, 0ll }, /* fcvt.h.w fa0, a1 */
    { 0xd415f553u, "fcvt_h_wu", 10, 11, 1, 0ll }, /* fcvt.h.wu fa0, a1 */
    { 0xd425f553u, "fcvt_h_l", 10, 11, 2, 0ll }, /* fcvt.h.l fa0, a1 */
    { 0xd435f553u, "fcvt_h_lu", 10, 11, 3, 0ll }, /* fcvt.h.lu fa0, a1 */
    { 0xf4058553u, "fmv_h_x", 10, 11, 0, 0ll }, /* fmv.h.x fa0, a1 */
    { 0xa4c5a053u, "feq_h", 32, 11, 12, 0ll }, /* feq.h zero, fa1, fa2 */
    { 0xe4058053u, "fmv_x_h", 32, 11, 0, 0ll }, /* fmv.x.h zero, fa1 */
    /* Zfa (.insn: GNU as 2.40 has no Zfa mnemonics). fli: rs1 is the
     * constant's index. */
    { 0xf0100553u, "fli_s", 10, 0, 1, 0ll }, /* fli.s fa0, -1.0 */
    { 0xf2180553u, "fli_d", 10, 16, 1, 0ll }, /* fli.d fa0, 1.0 */
    { 0xf41f8553u, "fli_h", 10, 31, 1, 0ll }, /* fli.h fa0, nan */
    { 0x28c5a553u, "fminm_s", 10, 11, 12, 0ll }, /* fminm.s fa0, fa1, fa2 */
    { 0x28c5b553u, "fmaxm_s", 10, 11, 12, 0ll }, /* fmaxm.s fa0, fa1, fa2 */
    { 0x2ac5a553u, "fminm_d", 10, 11, 12, 0ll }, /* fminm.d fa0, fa1, fa2 */
    { 0x2ac5b553u, "fmaxm_d", 10, 11, 12, 0ll }, /* fmaxm.d fa0, fa1, fa2 */
    { 0x2cc5a553u, "fminm_h", 10, 11, 12, 0ll }, /* fminm.h fa0, fa1, fa2 */
    { 0x2cc5b553u, "fmaxm_h", 10, 11, 12, 0ll }, /* fmaxm.h fa0, fa1, fa2 */
    { 0x4045f553u, "fround_s", 10, 11, 4, 0ll }, /* fround.s fa0, fa1 */
    { 0x40559553u, "froundnx_s", 10, 11, 5, 0ll }, /* froundnx.s fa0, fa1, rtz */
    { 0x4245c553u, "fround_d", 10, 11, 4, 0ll }, /* fround.d fa0, fa1, rmm */
    { 0x4255f553u, "froundnx_d", 10, 11, 5, 0ll }, /* froundnx.d fa0, fa1 */
    { 0x4445a553u, "fround_h", 10, 11, 4, 0ll }, /* fround.h fa0, fa1, rdn */
    { 0x4455b553u, "froundnx_h", 10, 11, 5, 0ll }, /* froundnx.h fa0, fa1, rup */
    { 0xc2859553u, "fcvtmod_w_d", 10, 11, 8, 0ll }, /* fcvtmod.w.d a0, fa1, rtz */
    { 0xa0c5c553u, "fleq_s", 10, 11, 12, 0ll }, /* fleq.s a0, fa1, fa2 */
    { 0xa0c5d553u, "fltq_s", 10, 11, 12, 0ll }, /* fltq.s a0, fa1, fa2 */
    { 0xa2c5c553u, "fleq_d", 10, 11, 12, 0ll }, /* fleq.d a0, fa1, fa2 */
    { 0xa2c5d553u, "fltq_d", 10, 11, 12, 0ll }, /* fltq.d a0, fa1, fa2 */
    { 0xa4c5c553u, "fleq_h", 10, 11, 12, 0ll }, /* fleq.h a0, fa1, fa2 */
    { 0xa4c5d553u, "fltq_h", 10, 11, 12, 0ll }, /* fltq.h a0, fa1, fa2 */
};

static void test_golden(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        const Golden *g = &golden[i];
        DecodedInsn d;
        riscv_decode(g->raw, &d);
        if (strcmp(insn_names[d.op], g->op) != 0 || d.rd != g->rd || d.rs1 != g->rs1 ||
            d.rs2 != g->rs2 || d.imm != g->imm) {
            print_error("raw %08x: got %s rd=%d rs1=%d rs2=%d imm=%lld, want %s %d %d %d %lld\n",
                        g->raw, insn_names[d.op], d.rd, d.rs1, d.rs2, (long long)d.imm,
                        g->op, g->rd, g->rs1, g->rs2, g->imm);
            fail();
        }
        assert_int_equal(d.len, (g->raw & 3) == 3 ? 4 : 2);
        assert_int_equal(d.raw, (g->raw & 3) == 3 ? g->raw : (g->raw & 0xffff));
    }
}

static void test_fields(void **st)
{
    (void)st;
    DecodedInsn d;
    riscv_decode(0x68c5f543u, &d);  /* fmadd.s fa0, fa1, fa2, fa3 (dyn rm) */
    assert_int_equal(d.op, OP_fmadd_s);
    assert_int_equal(d.rs3, 13);
    assert_int_equal(d.rm, 7);
    riscv_decode(0x02c59553u, &d);  /* fadd.d fa0, fa1, fa2, rtz */
    assert_int_equal(d.op, OP_fadd_d);
    assert_int_equal(d.rm, 1);
    riscv_decode(0x4445a553u, &d);  /* fround.h fa0, fa1, rdn */
    assert_int_equal(d.rm, 2);
    riscv_decode(0x6cc5c54fu, &d);  /* fnmadd.h fa0, fa1, fa2, fa3, rmm */
    assert_int_equal(d.rs3, 13);
    assert_int_equal(d.rm, 4);
    /* Extension columns: Zfhmin's subset, and Zfa's half forms needing Zfh too. */
    assert_int_equal(insn_flags[OP_flh] >> E_SHIFT, HART_EXT_ZFH | HART_EXT_ZFHMIN);
    assert_int_equal(insn_flags[OP_fadd_h] >> E_SHIFT, HART_EXT_ZFH);
    assert_int_equal(insn_flags[OP_fli_s] & F_EXT_ALL, 0);
    assert_int_equal(insn_flags[OP_fli_h] & F_EXT_ALL, F_EXT_ALL);
    assert_int_equal(insn_flags[OP_fli_h] >> E_SHIFT, HART_EXT_ZFH | HART_EXT_ZFA);
    /* Block-ending flags. */
    assert_true(insn_flags[OP_jal] & F_END);
    assert_true(insn_flags[OP_csrrw] & F_END);
    assert_false(insn_flags[OP_add] & F_END);
    assert_false(insn_flags[OP_sd] & F_END);
}

static void test_illegal(void **st)
{
    (void)st;
    static const uint32_t bad[] = {
        0x00000000u,    /* all-zero parcel */
        0xffffffffu,
        0x0000ffffu,    /* opcode 0x7f (48/64-bit encodings are not supported) */
        0x00c5d553u,    /* fadd.s with reserved rm 5 */
        0x00c5e553u,    /* fadd.s with reserved rm 6 */
        0x4002u,        /* c.lwsp x0 */
        0x6002u,        /* c.ldsp x0 */
        0x6101u,        /* c.addi16sp 0 */
        0x6501u,        /* c.lui a0, 0 */
        0x8002u,        /* c.jr x0 */
        0x2001u,        /* c.addiw x0 */
        0x9c41u,        /* reserved c.subw/c.addw slot (bit12=1, funct2=2) */
        0x80000033u,    /* OP with funct7 0x40 */
        0x00004073u,    /* SYSTEM funct3 4 */
        0x1015a52fu,    /* lr.w with rs2 != 0 */
        0x04001013u,    /* slli with funct6 != 0 */
        0x06c5f543u,    /* fmadd with fmt 3 (quad, not supported) */
        0x06c5f553u,    /* fadd.q */
        0x04c5d553u,    /* fadd.h with reserved rm 5 */
        0x6cc5e543u,    /* fmadd.h with reserved rm 6 */
        0x5c15f553u,    /* fsqrt.h with rs2 != 0 */
        0x24c5b553u,    /* fsgnj.h funct3 3 */
        0x4435f553u,    /* fcvt.h.q */
        0x4425f553u,    /* fcvt.h.h */
        0x4465f553u,    /* OP-FP funct7 0x22 rs2 6 (after fround, froundnx) */
        0xc4459553u,    /* fcvt.h with an integer type rs2 4 */
        0xe4158553u,    /* fmv.x.h with rs2 1 */
        0xe405a553u,    /* fmv.x.h/fclass.h funct3 2 */
        0xf4059553u,    /* fmv.h.x funct3 1 */
        0xa4c5b553u,    /* OP-FP compare funct3 3 */
        0xa4c5e553u,    /* OP-FP compare funct3 6 */
        0x2cc5c553u,    /* fmin/fmax funct3 4 */
        0xc2858553u,    /* fcvtmod.w.d with rm RNE (only RTZ is defined) */
        0xc2c59553u,    /* OP-FP funct7 0x61 rs2 12 */
        0xc0859553u,    /* fcvtmod.w.s does not exist */
        0xe2158553u,    /* fmvh.x.d (RV32 only) */
        0xb2c58553u,    /* fmvp.d.x (RV32 only) */
        0xf4159553u,    /* fli.h funct3 1 */
        0xf4258553u,    /* fmv.h.x / fli.h with rs2 2 */
        0x00004507u,    /* LOAD-FP funct3 4 (vector/quad: not supported) */
        0x00004527u,    /* STORE-FP funct3 4 */
        0x0030200fu,    /* MISC-MEM funct3 2 with an undefined CBO function */
        0x0010250fu,    /* cbo.clean with rd != 0 */
        0x00003003u + 0x4000u, /* load funct3 7 */
        0x00004023u,    /* store funct3 4 */
        0x00002063u,    /* branch funct3 2 */
        0x0000105bu,    /* unknown major opcode */
        0x30300073u,    /* mret-like with a bad funct */
        0x0ac5853bu,    /* OP-32 funct7 5 (no W form of min/max/clmul) */
        0x60359513u,    /* OP-IMM funct12 0x603 (between cpop and sext.b) */
        0x6035951bu,    /* OP-IMM-32 funct12 0x603 */
        0x2a85951bu,    /* bseti.w does not exist */
        0x0ec59533u,    /* OP funct7 7 funct3 1 (only 5 and 7 are Zicond) */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        DecodedInsn d;
        riscv_decode(bad[i], &d);
        if (d.op != OP_illegal) {
            print_error("raw %08x decoded as %s\n", bad[i], insn_names[d.op]);
            fail();
        }
        assert_int_equal(d.raw, (bad[i] & 3) == 3 ? bad[i] : (bad[i] & 0xffff));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_illegal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
