/*
 * cmd_replay.c - `slate replay AUDIT.DB`: verify a decision log's hash chain
 * and re-run its entries through the stored policy images (switching policy
 * where the log did) and check that every row the run would write is the row
 * the log holds.  Exit 0 only when all match; otherwise name the first problem.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "progress.h"
#include "rerun.h"

enum { O_QUIET };

static const cli_opt opts[] = {
    [O_QUIET] = {NULL, 'q', NULL, "print nothing when everything matches", NULL},
};

const cli_cmd cmd_replay_args = {
    .name = "replay",
    .synopsis =
        "usage: slate replay [-q] AUDIT.DB\n"
        "\n"
        "Check a decision log: first its hash chain (an edited, deleted or inserted row\n"
        "in any table is named), then re-run every stored event through the stored\n"
        "policy images, switching policy where the log did, with the options the log\n"
        "records (tolerance, strict).  Every decision the replay makes must be the one\n"
        "the log holds, byte for byte; the first divergence is named (event seq,\n"
        "decision seq, what was expected and what the log holds).\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 7,
    .epilogue =
        "\n"
        "exit status: 0 all match, 1 the log was changed or the replay diverges,\n"
        "2 usage error, 3 I/O or internal error\n",
};

/* Whether the log at path keeps a row per decision (schema version 1); in
 * version 2 decisions are packed in their entry's row, so the chain's rows
 * are the policies and the entries alone. */
static int decision_rows(const char *path)
{
    slate_log_reader *rd;
    if (slate_log_read_open(path, NULL, &rd, NULL)) return 0;
    const char *v = slate_log_read_meta(rd, "schema_version");
    int one = v && !strcmp(v, "1");
    slate_log_read_close(rd);
    return one;
}

int cmd_replay(int argc, char **argv)
{
    const char *path = NULL;
    int quiet = 0;
    cli_parser ap;
    cli_args(&ap, &cmd_replay_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        else if (k == O_QUIET) quiet = 1;
        else if (path) return cli_usage_error("replay", "one log at a time");
        else path = ap.arg;
    }
    if (!path) return cli_usage_error("replay", "no decision log given");

    aud_log lg;
    int rc = aud_open(&lg, "replay", path, AUD_CALLER_VERIFIES);
    if (rc) return rc;
    aud_close(&lg);

    /* verify and replay in one pass: each stored row is read and hashed once */
    slate_log_summary sum;
    rr_result res;
    cli_progress pg;
    cli_progress_begin(&pg, "replay", "events", quiet, NULL, NULL);
    rc = rr_check_progress(path, &res, &sum, "replay", cli_progress_cb, &pg);
    cli_progress_clear(&pg);
    if (rc) return rc;
    if (!quiet) {
        aud_txt t = {0};
        const char *name = aud_txt_s(&t, path);
        printf("%s: chain verified: %" PRIu64 " rows, head %s\n", name,
               sum.policies + sum.entries + (decision_rows(path) ? sum.decisions : 0), sum.head);
        if (res.partitions) /* an archive: each partition ran through its own engine */
            printf("%s: replay matches: %" PRIu64 " events (%" PRIu64 " rejected), %" PRIu64
                   " policy entries, %" PRIu64 " decisions, %" PRIu64 " partitions\n",
                   name, res.events, res.rejected, res.policies, res.decisions, res.partitions);
        else
            printf("%s: replay matches: %" PRIu64 " events (%" PRIu64 " rejected), %" PRIu64
                   " policy entries, %" PRIu64 " decisions\n",
                   name, res.events, res.rejected, res.policies, res.decisions);
        if (res.opaque)
            printf("%s: %" PRIu64 " events were stored without payload; their rejections were "
                   "taken as logged\n", name, res.opaque);
    }
    if (fflush(stdout)) {
        fprintf(stderr, "slate replay: stdout: %s\n", strerror(errno));
        return EXIT_IO;
    }
    return EXIT_OK;
}
