/*
 * rrsim-journal: inspect a recording without running it.
 *
 *   rrsim-journal info FILE     manifest, event counts, length, how it ends
 *   rrsim-journal info --json FILE   the same as one JSON object
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

#include "sim/monitor/json.h"
#include "sim/replay/journal.h"

/* info --json: the facts of `info` as one JSON object, for scripts. */
static bool info_json(const char *path, FILE *out, Error **errp)
{
    static const char *const ends[] = { "clean", "no-index", "truncated" };
    JournalInfo in;
    if (!journal_info_collect(path, &in, errp)) {
        return false;
    }
    const JournalManifest *m = &in.manifest;
    JsonValue *o = json_object();
    json_object_set(o, "journal", json_string(path));
    json_object_set(o, "format", json_int(m->format_version));
    json_object_set(o, "rrsim", json_string(m->rrsim_version ? m->rrsim_version : ""));
    json_object_set(o, "machine", json_string(m->machine ? m->machine : ""));
    json_object_set(o, "icount_shift", json_int(m->icount_shift));
    JsonValue *inputs = json_object();
    for (size_t i = 0; i < m->n_inputs; i++) {
        char h[33];
        hash_to_hex(m->inputs[i].hash, h);
        json_object_set(inputs, m->inputs[i].name, json_string(h));
    }
    json_object_set(o, "inputs", inputs);
    json_object_set(o, "frames", json_int((int64_t)in.frames));
    json_object_set(o, "index_used", json_bool(in.index_used));
    json_object_set(o, "events", json_int((int64_t)in.events));
    JsonValue *counts = json_object();
    for (int k = 1; k < JOURNAL_EV_KIND_COUNT; k++) {
        json_object_set(counts, journal_event_kind_name(k), json_int((int64_t)in.counts[k]));
    }
    json_object_set(o, "event_counts", counts);
    json_object_set(o, "steps", json_int((int64_t)in.steps));
    json_object_set(o, "virtual_ns", json_int(in.virtual_ns));
    json_object_set(o, "virtual_ns_exact", json_bool(in.virtual_exact));
    json_object_set(o, "end", json_string(ends[in.end]));
    json_object_set(o, "end_error", in.end_message ? json_string(in.end_message) : json_null());
    char *text = json_serialize(o, NULL);
    fprintf(out, "%s\n", text);
    free(text);
    json_free(o);
    journal_info_free(&in);
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rrsim-journal info [--json]|dump|verify FILE\n"
            "       rrsim-journal timeline FILE [OUT.svg]\n"
            "  info    manifest, event counts by kind, length in steps and virtual time\n"
            "          (--json: the same as one JSON object)\n"
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
    } else if (argc == 4 && !strcmp(argv[1], "info") && !strcmp(argv[2], "--json")) {
        info_json(argv[3], stdout, &err);
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
