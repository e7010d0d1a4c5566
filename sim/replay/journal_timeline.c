/*
 * rrsim-journal timeline: a recording's events drawn as an SVG picture.
 *
 * One row per event kind present, steps on the horizontal axis. Events are
 * counted into one bin per pixel column, and a column's bar grows with the
 * logarithm of its count, so a burst of ten thousand console bytes and a
 * lone reset stay visible side by side. Everything is integer arithmetic
 * and the output depends on the journal alone: the same journal draws the
 * same bytes, so pictures can be compared and committed to documents.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay/journal.h"
#include "sim/replay/journal_internal.h"

enum {
    TL_COLS = 800,           /* plot width in pixels, one bin each */
    TL_LEFT = 110,           /* room for the row labels */
    TL_RIGHT = 30,
    TL_TOP = 58,             /* room for the title lines */
    TL_ROW = 30,             /* row pitch */
    TL_BAR = 24,             /* tallest bar */
    TL_AXIS = 40,            /* room for the tick labels */
};

typedef struct TlRow {
    uint64_t total;
    uint64_t bytes;          /* payload bytes (console input, random bytes) */
    uint32_t bins[TL_COLS];
} TlRow;

/* Colours per kind: stable, readable on white, distinct for neighbours. */
static const char *tl_colour(JournalEventKind k)
{
    static const char *const pal[] = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    };
    return pal[(unsigned)k % (sizeof(pal) / sizeof(pal[0]))];
}

/* Bar height for a bin count: 1 + floor(log2(n)) scaled into TL_BAR. */
static unsigned tl_height(uint32_t n)
{
    unsigned lg = 0;
    while (n >>= 1) {
        lg++;
    }
    unsigned h = 4 + lg * 2;
    return h > TL_BAR ? TL_BAR : h;
}

static unsigned tl_col(uint64_t steps, uint64_t last)
{
    if (!last) {
        return 0;
    }
    unsigned __int128 c = (unsigned __int128)steps * (TL_COLS - 1) / last;
    return (unsigned)c;
}

/* 1234567 -> "1.23M"; exact for small values. */
static void tl_si(char *buf, size_t n, uint64_t v)
{
    static const char suffix[] = " kMGTPE";
    int i = 0;
    uint64_t scale = 1;
    while (v / scale >= 1000 && i < 6) {
        scale *= 1000;
        i++;
    }
    if (!i) {
        snprintf(buf, n, "%" PRIu64, v);
        return;
    }
    uint64_t whole = v / scale, frac = (v % scale) * 100 / scale;
    if (frac) {
        snprintf(buf, n, "%" PRIu64 ".%02" PRIu64 "%c", whole, frac, suffix[i]);
        /* drop a trailing zero: 1.50M -> 1.5M */
        size_t l = strlen(buf);
        if (buf[l - 2] == '0') {
            memmove(buf + l - 2, buf + l - 1, 2);
        }
    } else {
        snprintf(buf, n, "%" PRIu64 "%c", whole, suffix[i]);
    }
}

/* Tick spacing: the 1-2-5 multiple that gives at most eight ticks. */
static uint64_t tl_tick(uint64_t last)
{
    uint64_t t = 1;
    for (;;) {
        static const unsigned m[] = { 1, 2, 5 };
        for (int i = 0; i < 3; i++) {
            if (t * m[i] != 0 && last / (t * m[i]) <= 8) {
                return t * m[i];
            }
        }
        if (t > UINT64_MAX / 10) {
            return t;
        }
        t *= 10;
    }
}

static void tl_escape_max(FILE *out, const char *s, size_t max)
{
    for (size_t i = 0; s[i]; i++) {
        if (i == max) {
            fputs("...", out);
            return;
        }
        const char *t = s + i;
        switch (*t) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            fputc((unsigned char)*t < 0x20 ? '?' : *t, out);
        }
    }
}

static void tl_escape(FILE *out, const char *s)
{
    tl_escape_max(out, s, SIZE_MAX);
}

static void tl_draw_row(FILE *out, const TlRow *row, JournalEventKind k, int y)
{
    const char *col = tl_colour(k);
    char tot[32];
    tl_si(tot, sizeof(tot), row->total);
    fprintf(out, "<g class=\"row\" data-kind=\"%s\" data-events=\"%" PRIu64 "\">\n",
            journal_event_kind_name(k), row->total);
    fprintf(out, "<title>%s: %" PRIu64 " events", journal_event_kind_name(k), row->total);
    if (row->bytes) {
        fprintf(out, ", %" PRIu64 " bytes", row->bytes);
    }
    fprintf(out, "</title>\n");
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", TL_LEFT - 8,
            y + TL_BAR - 6, journal_event_kind_name(k));
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"n\">%s</text>\n", TL_LEFT + TL_COLS + 4,
            y + TL_BAR - 6, tot);
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"base\"/>\n", TL_LEFT,
            y + TL_BAR, TL_LEFT + TL_COLS, y + TL_BAR);
    /* Neighbouring columns of one height become one rectangle. */
    for (int c = 0; c < TL_COLS;) {
        if (!row->bins[c]) {
            c++;
            continue;
        }
        unsigned h = tl_height(row->bins[c]);
        int e = c + 1;
        while (e < TL_COLS && row->bins[e] && tl_height(row->bins[e]) == h) {
            e++;
        }
        fprintf(out, "<rect x=\"%d\" y=\"%u\" width=\"%d\" height=\"%u\" fill=\"%s\"/>\n",
                TL_LEFT + c, y + TL_BAR - h, e - c, h, col);
        c = e;
    }
    fprintf(out, "</g>\n");
}

bool journal_timeline_svg(const char *path, FILE *out, Error **errp)
{
    JournalReader *r = journal_reader_open(path, false, errp);
    if (!r) {
        return false;
    }
    const JournalManifest *m = journal_reader_manifest(r);
    uint64_t last = journal_reader_last_steps(r);
    TlRow *rows = calloc(JOURNAL_EV_KIND_COUNT, sizeof(*rows));
    if (!rows) {
        journal_reader_free(r);
        error_setg(errp, "out of memory");
        return false;
    }
    JournalCursor *c = journal_cursor_new(r);
    JournalEvent ev;
    Error *err = NULL;
    JournalVclock vc;
    journal_vclock_init(&vc, m->icount_shift);
    while (journal_cursor_next(c, &ev, &err)) {
        if (!journal_vclock_event(&vc, &ev, path, &err)) {
            break;
        }
        TlRow *row = &rows[ev.kind];
        row->total++;
        row->bytes += ev.len;
        uint32_t *b = &row->bins[tl_col(ev.steps, last)];
        if (*b != UINT32_MAX) {
            (*b)++;
        }
    }
    journal_cursor_free(c);
    if (err) {
        error_propagate(errp, err);
        free(rows);
        journal_reader_free(r);
        return false;
    }

    int nrows = 0;
    for (int k = 1; k < JOURNAL_EV_KIND_COUNT; k++) {
        nrows += rows[k].total != 0;
    }
    int width = TL_LEFT + TL_COLS + TL_RIGHT + 40;
    int height = TL_TOP + nrows * TL_ROW + TL_AXIS;
    char steps_s[32];
    tl_si(steps_s, sizeof(steps_s), last);
    bool clean = journal_reader_end(r) == JOURNAL_END_CLEAN;

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            width, height, width, height);
    fprintf(out, "<style>.base{stroke:#ccc}.tick{stroke:#999}.n{fill:#555}"
            ".end{stroke:#d00;stroke-dasharray:4 3}</style>\n");
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(out, "<text x=\"%d\" y=\"20\" font-weight=\"bold\">", TL_LEFT);
    tl_escape(out, path);
    fprintf(out, "</text>\n<text x=\"%d\" y=\"38\" class=\"n\">%s steps, %" PRId64 ".%03" PRId64
            " s virtual, %s; ", TL_LEFT, steps_s, vc.now_ns / 1000000000,
            (vc.now_ns % 1000000000) / 1000000, clean ? "clean end" : "TRUNCATED");
    /* The whole manifest is in the tooltip; the line shows what fits. */
    fprintf(out, "<tspan><title>");
    tl_escape(out, m->machine);
    fprintf(out, "</title>");
    tl_escape_max(out, m->machine, 90);
    fprintf(out, "</tspan></text>\n");

    int y = TL_TOP;
    for (int k = 1; k < JOURNAL_EV_KIND_COUNT; k++) {
        if (rows[k].total) {
            tl_draw_row(out, &rows[k], k, y);
            y += TL_ROW;
        }
    }

    /* Step axis. */
    uint64_t tick = tl_tick(last);
    fprintf(out, "<g class=\"axis\">\n");
    for (uint64_t s = 0; s <= last; s += tick) {
        int x = TL_LEFT + (int)tl_col(s, last);
        char lab[32];
        tl_si(lab, sizeof(lab), s);
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"tick\"/>\n", x,
                TL_TOP - 4, x, y + 4);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"n\">%s</text>\n",
                x, y + 18, lab);
        if (s > UINT64_MAX - tick) {
            break;
        }
    }
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">guest steps "
            "(instructions retired)</text>\n", TL_LEFT + TL_COLS / 2, y + 34);
    if (clean) {
        int x = TL_LEFT + (int)tl_col(last, last);
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"end\"/>\n", x,
                TL_TOP - 8, x, y);
    }
    fprintf(out, "</g>\n</svg>\n");
    free(rows);
    journal_reader_free(r);
    if (ferror(out)) {
        error_setc(errp, ERR_IO, "writing the timeline failed");
        return false;
    }
    return true;
}
