/* log: see log.h. */
#include "sim/base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    uint32_t mask;
    const char *help;
} items[] = {
    { "in_asm", LOG_IN_ASM, "show target assembly code for each compiled TB" },
    { "int", LOG_INT, "show interrupts/exceptions in short format" },
    { "exec", LOG_EXEC, "show trace before each executed TB (lots of logs)" },
    { "cpu", LOG_CPU, "show CPU registers before entering a TB (lots of logs)" },
    { "fpu", LOG_FPU, "include FPU registers in the 'cpu' logging" },
    { "mmu", LOG_MMU, "log MMU-related activities" },
    { "cpu_reset", LOG_CPU_RESET, "show CPU state before CPU resets" },
    { "unimp", LOG_UNIMP, "log unimplemented functionality" },
    { "guest_errors", LOG_GUEST_ERROR, "log when the guest OS does something invalid (eg accessing a\n"
                                       "non-existent register)" },
    { "page", LOG_PAGE, "dump pages at beginning of user mode emulation (nothing in rrsim)" },
    { "nochain", LOG_NOCHAIN, "do not chain compiled TBs so that \"exec\" and \"cpu\" show\n"
                              "complete traces (always so in rrsim)" },
    { "summary", LOG_SUMMARY, "rrsim: a JSON object with the run's outcome at exit" },
    { "progress", LOG_PROGRESS, "rrsim: a replay's progress on stderr" },
};

/* QEMU items that only make sense with a code generator or user mode. */
static const char *const qemu_only[] = {
    "out_asm", "op", "op_opt", "op_ind", "pcall", "plugin", "strace", "tid", "vpu", NULL,
};

void log_help(FILE *out)
{
    fprintf(out, "Log items (comma separated):\n");
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        fprintf(out, "%-15s %s\n", items[i].name, items[i].help);
    fprintf(out, "\nWith -D FILE the log goes to FILE (default: stderr); -dfilter RANGE[,RANGE...]\n"
                 "(0x1000+0x100, 0x1000-0x1fff, 0x1000..0x1fff) limits it to those addresses.\n");
}

bool log_parse_items(const char *list, uint32_t *mask, bool *help, Error **errp)
{
    *help = false;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        bool found = false;
        if ((n == 4 && !strncmp(p, "help", 4)) || (n == 1 && *p == '?')) {
            *help = true;
            found = true;
        } else if (n == 3 && !strncmp(p, "all", 3)) {
            *mask |= LOG_IN_ASM | LOG_INT | LOG_EXEC | LOG_CPU | LOG_FPU | LOG_MMU |
                     LOG_CPU_RESET | LOG_UNIMP | LOG_GUEST_ERROR;
            found = true;
        }
        for (size_t i = 0; !found && i < sizeof(items) / sizeof(items[0]); i++) {
            if (strlen(items[i].name) == n && !strncmp(p, items[i].name, n)) {
                *mask |= items[i].mask;
                found = true;
            }
        }
        for (int i = 0; !found && qemu_only[i]; i++) {
            if (strlen(qemu_only[i]) == n && !strncmp(p, qemu_only[i], n)) {
                error_setc(errp, ERR_USAGE, "-d %s: log item '%.*s' is not available in rrsim "
                           "(it has no code generator and no user mode; see -d help)",
                           list, (int)n, p);
                return false;
            }
        }
        if (!found) {
            error_setc(errp, ERR_USAGE, "-d %s: unknown log item '%.*s' (see -d help)", list,
                       (int)n, p);
            return false;
        }
        p += n + (p[n] == ',');
    }
    return true;
}

static bool parse_num(const char *s, const char **end, uint64_t *v)
{
    char *e;
    errno = 0;
    if (*s == '-' || *s == '+' || *s == ' ')
        return false;
    *v = strtoull(s, &e, 0);
    if (e == s || errno)
        return false;
    *end = e;
    return true;
}

bool log_parse_dfilter(SimLog *l, const char *spec, Error **errp)
{
    for (const char *p = spec; *p;) {
        size_t n = strcspn(p, ",");
        char tok[80];
        const char *e;
        uint64_t a, b;
        if (n == 0 || n >= sizeof(tok) || l->nranges == LOG_MAX_RANGES)
            goto bad;
        memcpy(tok, p, n);
        tok[n] = 0;
        if (!parse_num(tok, &e, &a))
            goto bad;
        if (*e == '+' && parse_num(e + 1, &e, &b) && !*e && b) {
            b = a + b - 1;
        } else if (*e == '-' && parse_num(e + 1, &e, &b) && !*e) {
        } else if (e[0] == '.' && e[1] == '.' && parse_num(e + 2, &e, &b) && !*e) {
        } else {
            goto bad;
        }
        if (b < a)
            goto bad;
        l->range[l->nranges].lo = a;
        l->range[l->nranges].hi = b;
        l->nranges++;
        p += n + (p[n] == ',');
        continue;
bad:
        error_setc(errp, ERR_USAGE, "-dfilter %s: bad range '%.*s' (START+LEN, START-END or "
                   "START..END, at most %d)", spec, (int)n, p, LOG_MAX_RANGES);
        return false;
    }
    return true;
}

bool log_addr_in(const SimLog *l, uint64_t addr)
{
    if (!l->nranges)
        return true;
    for (int i = 0; i < l->nranges; i++)
        if (addr >= l->range[i].lo && addr <= l->range[i].hi)
            return true;
    return false;
}

bool log_open(SimLog *l, const char *path, Error **errp)
{
    log_close(l);
    l->out = stderr;
    if (path) {
        FILE *f = fopen(path, "w");
        if (!f) {
            error_setc(errp, ERR_IO, "-D %s: %s", path, strerror(errno));
            return false;
        }
        l->out = f;
        l->own = true;
    }
    return true;
}

void log_close(SimLog *l)
{
    if (l->own && l->out)
        fclose(l->out);
    else if (l->out)
        fflush(l->out);
    l->own = false;
    l->out = NULL;
}

void log_printf(SimLog *l, const char *fmt, ...)
{
    va_list ap;
    if (!l || !l->out)
        return;
    va_start(ap, fmt);
    vfprintf(l->out, fmt, ap);
    va_end(ap);
}

void log_mask(SimLog *l, uint32_t item, const char *fmt, ...)
{
    va_list ap;
    if (!log_on(l, item) || !l->out)
        return;
    va_start(ap, fmt);
    vfprintf(l->out, fmt, ap);
    va_end(ap);
}
