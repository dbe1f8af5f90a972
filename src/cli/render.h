/* render.h - how the commands show the library's events (archllm_events): a bar with
 * ETA on a terminal, plain lines otherwise, or one JSON object a line for tools
 * (--progress=jsonl).  Every command and `run` use this one renderer. */
#ifndef ARCHLLM_CLI_RENDER_H
#define ARCHLLM_CLI_RENDER_H

#include <stdio.h>

#include "archllm.h"

typedef enum {
    CLI_PROGRESS_AUTO,  /* bar on a terminal, else plain */
    CLI_PROGRESS_PLAIN, /* a line per step event with figures, and per message */
    CLI_PROGRESS_BAR,
    CLI_PROGRESS_JSONL  /* {"event": "step", "stage": ..., "step": S, "total": T, "metrics": {...}} */
} cli_progress_mode;

typedef struct {
    cli_progress_mode mode;    /* resolved: never AUTO after cli_render_init */
    FILE   *out;               /* where events go (stdout) */
    const char *log_dir;       /* run: each stage's events also as plain lines in LOG_DIR/STAGE.log */
    FILE   *log;               /* the open stage log */
    /* run: on the terminal only run's own lines (stage "run", with the prefix), the
     * report, warnings and a step line at most every `every` seconds */
    int     brief;
    double  every;
    const char *prefix;        /* "run: " */
    /* state of the stage being shown */
    double  t_begin, t_first, t_line;
    long    s_first;
    int     bar_drawn;
} cli_render;

/* Parse --progress's value (auto, plain, bar, jsonl); 0 when fine, else prints and
 * returns the usage exit code. */
int  cli_progress_parse(const char *arg, cli_progress_mode *mode);
void cli_render_init(cli_render *r, cli_progress_mode mode, FILE *out);
/* The sink to hand to the library; r must outlive its use. */
archllm_events cli_render_events(cli_render *r);
/* Clear a bar left on the terminal (before printing anything else). */
void cli_render_clear(cli_render *r);

#endif
