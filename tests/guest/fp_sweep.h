/*
 * fp_sweep: the sweep the floating-point guest programs share. Each
 * operation runs over the program's operand table, then over random draws
 * (FP_SWEEP_RANDOM of them), under one rounding mode given both statically
 * (in the instruction) and dynamically (frm), which must agree; the result
 * is a hash of every result and fflags.
 *
 * Included after the program defines: the kinds K_FFF, K_XFF, K_FFFF; the
 * table ops[] of OpInfo { name, kind, src, ... }; src_vals(src, &n);
 * rand_operand(src, &seed); ExecFn exec_static[5] and exec_dyn; rm_name[].
 */
#ifndef RRSIM_GUEST_FP_SWEEP_H
#define RRSIM_GUEST_FP_SWEEP_H

typedef struct Res { uint64_t r, flags; } Res;

static Res run(ExecFn fn, int op, uint64_t a, uint64_t b, uint64_t c)
{
    Res res;
    csr_write(fflags, 0);
    res.r = fn(op, a, b, c);
    res.flags = csr_read(fflags);
    return res;
}

static uint64_t sweep(int op, int rm)
{
    const OpInfo *o = &ops[op];
    unsigned n;
    const uint64_t *v = src_vals(o->src, &n);
    uint64_t h = 0, seed = 0x9e3779b97f4a7c15ULL + (uint64_t)op * 7919;
    unsigned nb = (o->kind == K_FFF || o->kind == K_XFF || o->kind == K_FFFF) ? n : 1;
    unsigned nc = o->kind == K_FFFF ? 4 : 1;
    csr_write(frm, rm);
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < (pass ? FP_SWEEP_RANDOM : n); i++)
            for (unsigned j = 0; j < nb; j++)
                for (unsigned k = 0; k < nc; k++) {
                    uint64_t a = v[i], b = v[j], c = v[(i + j + k * 5) % n];
                    if (pass) {
                        a = rand_operand(o->src, &seed);
                        b = rand_operand(o->src, &seed);
                        c = rand_operand(o->src, &seed);
                    }
                    Res s = run(exec_static[rm], op, a, b, c);
                    Res d = run(exec_dyn, op, a, b, c);
                    if (s.r != d.r || s.flags != d.flags) {
                        rt_printf("  %s static/dyn %s differ: a=%lx b=%lx c=%lx\n",
                                  o->name, rm_name[rm], a, b, c);
                        rt_check_fail(__FILE__, __LINE__, "static rm == dynamic rm");
                    }
                    h = rt_mix(rt_mix(h, s.r), s.flags);
                }
        if (pass == 0)
            nb = nc = 1;   /* the random pass: single draws */
    }
    csr_write(frm, 0);
    return h;
}

#endif
