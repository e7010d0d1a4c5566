/*
 * rrsim-journal: inspect a recording without running it.
 *
 *   rrsim-journal info FILE     manifest, event counts, length, how it ends
 *   rrsim-journal dump FILE     every event, one per line
 *   rrsim-journal verify FILE   full integrity check
 *   rrsim-journal timeline FILE [OUT.svg]   the events as a picture
 *
 * The exit status is rrsim's: 0 when fine, 64 + error class otherwise
 * (65 usage, 66 I/O, 68 truncated, 69 corrupt, 70 other format version).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay/journal.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rrsim-journal info|dump|verify FILE\n"
            "       rrsim-journal timeline FILE [OUT.svg]\n"
            "  info    manifest, event counts by kind, length in steps and virtual time\n"
            "  dump    every event, one per line\n"
            "  verify  check the whole file; exit status tells what is wrong\n"
            "  timeline  the events as an SVG picture (a row per kind, steps across),\n"
            "          to OUT.svg or standard output\n");
}

/* Into a file that only appears once it is complete, so a failure leaves
 * no half picture behind. */
static bool journal_timeline_to(const char *path, const char *svg, Error **errp)
{
    char *tmp = malloc(strlen(svg) + 8);
    if (!tmp) {
        error_setg(errp, "out of memory");
        return false;
    }
    sprintf(tmp, "%s.tmp", svg);
    FILE *f = fopen(tmp, "w");
    bool ok = false;
    if (!f) {
        error_setg_errno(errp, errno, "cannot create %s", tmp);
    } else {
        ok = journal_timeline_svg(path, f, errp);
        if (fclose(f) && ok) {
            error_setc(errp, ERR_IO, "writing %s failed", tmp);
            ok = false;
        }
        if (ok && rename(tmp, svg)) {
            error_setc(errp, ERR_IO, "cannot rename %s to %s", tmp, svg);
            ok = false;
        }
        if (!ok) {
            remove(tmp);
        }
    }
    free(tmp);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf("rrsim-journal %s (journal format %u)\n", RRSIM_VERSION, JOURNAL_FORMAT_VERSION);
        return 0;
    }
    Error *err = NULL;
    if (argc == 4 && !strcmp(argv[1], "timeline")) {
        journal_timeline_to(argv[2], argv[3], &err);
    } else if (argc != 3) {
        usage(stderr);
        error_setc(&err, ERR_USAGE, "expected a command and a file");
    } else if (!strcmp(argv[1], "info")) {
        journal_info(argv[2], stdout, &err);
    } else if (!strcmp(argv[1], "dump")) {
        journal_dump(argv[2], stdout, &err);
    } else if (!strcmp(argv[1], "verify")) {
        journal_verify(argv[2], stdout, &err);
    } else if (!strcmp(argv[1], "timeline")) {
        journal_timeline_svg(argv[2], stdout, &err);
    } else {
        usage(stderr);
        error_setc(&err, ERR_USAGE, "unknown command '%s'", argv[1]);
    }
    fflush(stdout);
    if (err) {
        int status = error_exit_status(err);
        error_report_err(err);
        return status;
    }
    return 0;
}
