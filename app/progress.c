/* progress: see progress.h. */
#include "app/progress.h"

#include <inttypes.h>
#include <stdlib.h>

#include "sim/loop/loop.h"

/* Often enough to look alive, rarely enough to cost nothing (a report is a
 * few hundred host instructions); lines to a file or pipe, once a second. */
#define PROGRESS_TTY_NS  (250 * 1000 * 1000ll)
#define PROGRESS_LINE_NS (1000 * 1000 * 1000ll)

struct Progress {
    Machine *m;
    FILE *out;
    bool tty;
    bool drawn;
    uint64_t total;
    int64_t start_ns;
    uint64_t start_steps;
    Timer timer;
};

static void progress_report(void *opaque)
{
    Progress *p = opaque;
    int64_t now = loop_clock_ns(p->m->loop, CLOCK_REALTIME);
    uint64_t steps = machine_icount(p->m);
    double secs = (double)(now - p->start_ns) / 1e9;
    double rate = secs > 0 ? (double)(steps - p->start_steps) / secs : 0;
    double pct = p->total ? 100.0 * (double)steps / (double)p->total : 100.0;
    if (pct > 100.0) {
        pct = 100.0;
    }
    char left[32] = "?";
    if (rate > 0 && p->total > steps) {
        double s = (double)(p->total - steps) / rate;
        if (s < 10) {
            snprintf(left, sizeof(left), "%.1f s", s);
        } else if (s < 120) {
            snprintf(left, sizeof(left), "%.0f s", s);
        } else {
            snprintf(left, sizeof(left), "%.0f min", s / 60);
        }
    } else if (p->total <= steps) {
        snprintf(left, sizeof(left), "0 s");
    }
    fprintf(p->out, "%srrsim: replay step %" PRIu64 " of %" PRIu64 " (%.1f%%), %.1f M steps/s, %s left%s",
            p->tty ? "\r" : "", steps, p->total, pct, rate / 1e6, left, p->tty ? "\033[K" : "\n");
    fflush(p->out);
    p->drawn = p->tty;
    timer_mod(&p->timer, now + (p->tty ? PROGRESS_TTY_NS : PROGRESS_LINE_NS));
}

Progress *progress_new(Machine *m, FILE *out, bool tty, uint64_t total)
{
    Progress *p = calloc(1, sizeof(*p));
    if (!p) {
        abort();
    }
    p->m = m;
    p->out = out;
    p->tty = tty;
    p->total = total;
    p->start_ns = loop_clock_ns(m->loop, CLOCK_REALTIME);
    p->start_steps = machine_icount(m);
    timer_init(&p->timer, m->loop, CLOCK_REALTIME, progress_report, p);
    timer_mod(&p->timer, p->start_ns + (tty ? PROGRESS_TTY_NS : PROGRESS_LINE_NS));
    return p;
}

void progress_free(Progress *p)
{
    if (!p) {
        return;
    }
    timer_del(&p->timer);
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    free(p);
}
