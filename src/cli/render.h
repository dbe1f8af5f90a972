/* render.h - how the commands show the library's events (archllm_events): a bar with
 * ETA on a terminal, plain lines otherwise, or one JSON object a line for tools
 * (--progress=jsonl).  Every command and `run` use this one renderer. */
#ifndef ARCHLLM_CLI_RENDER_H
#define ARCHLLM_CLI_RENDER_H

#include <stdio.h>

#include "archllm.h"

typedef enum {
    CLI_PROGRESS_AUTO,  /* bar on a terminal, else plain */
    CLI_PROGRESS_PLAIN, /* a line per step event and message */
    CLI_PROGRESS_BAR,
    CLI_PROGRESS_JSONL  /* {"event": "step", "stage": ..., "step": S, "total": T, "metrics": {...}} */
} cli_progress_mode;

typedef struct {
    cli_progress_mode mode;    /* resolved: never AUTO after cli_render_init */
    FILE   *out;               /* where events go (stdout) */
    FILE   *log;               /* NULL, or every event again as a plain line (run's stage logs) */
    int     brief;             /* run: detail messages to the log only, step lines at most every `every` s */
    double  every;             /* brief plain step lines: seconds between them */
    const char *prefix;        /* run: "run: [2/6] " before brief lines; NULL: none */
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

/* "1m05s", "2h03m", "12.3s"; "?" when unknown */
void cli_format_duration(char *buf, size_t cap, double seconds);

#endif
