/* render.c - see render.h. */
#include "cli/render.h"
#include "cli/cli.h"
#include "util/clock.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_progress_parse(const char *arg, cli_progress_mode *mode)
{
    static const char *const names[] = {"auto", "plain", "bar", "jsonl"};
    for (int i = 0; i < 4; i++)
        if (strcmp(arg, names[i]) == 0) {
            *mode = (cli_progress_mode)i;
            return 0;
        }
    return cli_error(CLI_EXIT_USAGE, "--progress: '%s' (auto, plain, bar or jsonl)", arg);
}

void cli_render_init(cli_render *r, cli_progress_mode mode, FILE *out)
{
    memset(r, 0, sizeof *r);
    if (mode == CLI_PROGRESS_AUTO) mode = isatty(fileno(out)) ? CLI_PROGRESS_BAR : CLI_PROGRESS_PLAIN;
    r->mode = mode;
    r->out = out;
    r->every = 10.0;
    r->s_first = -1;
}

void cli_render_clear(cli_render *r)
{
    if (!r->bar_drawn) return;
    fputs("\r\033[K", r->out);
    fflush(r->out);
    r->bar_drawn = 0;
}

/* The seconds left at step s of t, from the rate since the first step seen (a resumed
 * stage starts past 0); negative when not yet known. */
static double eta(const cli_render *r, long s, long t, double now)
{
    if (r->s_first < 0 || s <= r->s_first || t <= 0 || now <= r->t_first) return -1;
    return (double)(t - s) * (now - r->t_first) / (double)(s - r->s_first);
}

/* "step S/T | loss 0.123456 | 812 graphs/s | ETA 1m20s" */
static void step_line(char *buf, size_t cap, long s, long t, const archllm_metric *m, int n, double left)
{
    size_t len = (size_t)snprintf(buf, cap, t > 0 ? "step %ld/%ld" : "step %ld", s, t);
    for (int i = 0; i < n && len < cap; i++) {
        char v[64];
        /* the format comes from the stage that emits the metric: a literal there */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(v, sizeof v, m[i].format ? m[i].format : "%g", m[i].value);
#pragma GCC diagnostic pop
        if (m[i].unit && m[i].unit[0]) len += (size_t)snprintf(buf + len, cap - len, " | %s %s", v, m[i].unit);
        else len += (size_t)snprintf(buf + len, cap - len, " | %s %s", m[i].name, v);
    }
    if (t > 0 && len < cap) {
        char e[32];
        archllm_format_duration(e, sizeof e, left);
        snprintf(buf + len, cap - len, " | ETA %s", e);
    }
}

static void jsonl(cli_render *r, json_t *o)
{
    if (!o) /* a string that is not UTF-8 (a path, say): the event as far as JSON can say it */
        o = json_pack("{s:s}", "event", "unprintable");
    json_dumpf(o, r->out, JSON_COMPACT);
    fputc('\n', r->out);
    fflush(r->out);
    json_decref(o);
}

static void on_begin(void *user, const char *stage, const char *what)
{
    cli_render *r = user;
    r->t_begin = r->t_line = archllm_now_s();
    r->s_first = -1;
    if (r->log_dir) {
        char p[1280];
        snprintf(p, sizeof p, "%s/%s.log", r->log_dir, stage);
        if (r->log) fclose(r->log);
        r->log = fopen(p, "a");
    }
    if (r->log && what[0]) fprintf(r->log, "%s: %s\n", stage, what), fflush(r->log);
    if (r->mode == CLI_PROGRESS_JSONL) {
        jsonl(r, json_pack("{s:s, s:s, s:s}", "event", "begin", "stage", stage, "what", what));
        return;
    }
    if (r->brief || !what[0]) return;
    cli_render_clear(r);
    fprintf(r->out, "%s: %s\n", stage, what);
    fflush(r->out);
}

static void on_end(void *user, const char *stage, archllm_status status, double seconds)
{
    cli_render *r = user;
    if (r->log && status != ARCHLLM_OK) /* the log says why it stopped */
        fprintf(r->log, "%s: %s: %s\n", stage, status == ARCHLLM_EINTERRUPTED ? "interrupted" : "failed",
                archllm_last_error()[0] ? archllm_last_error() : archllm_status_string(status));
    if (r->log_dir && r->log) {
        fclose(r->log);
        r->log = NULL;
    }
    if (r->mode == CLI_PROGRESS_JSONL) {
        jsonl(r, json_pack("{s:s, s:s, s:s, s:f}", "event", "end", "stage", stage, "status",
                           status == ARCHLLM_OK ? "ok" : archllm_status_string(status), "seconds", seconds));
        return;
    }
    cli_render_clear(r);
}

static void on_step(void *user, const char *stage, long s, long t, const archllm_metric *m, int n)
{
    cli_render *r = user;
    double now = archllm_now_s(), left = eta(r, s, t, now);
    if (r->s_first < 0) r->s_first = s, r->t_first = now;
    char line[1024];
    if (n > 0) step_line(line, sizeof line, s, t, m, n, left);
    if (r->log && n > 0) fprintf(r->log, "%s\n", line), fflush(r->log);
    if (r->mode == CLI_PROGRESS_JSONL) {
        json_t *mj = json_object();
        for (int i = 0; i < n; i++) /* NaN and infinities have no JSON number */
            json_object_set_new(mj, m[i].name, isfinite(m[i].value) ? json_real(m[i].value) : json_null());
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:o, s:f}", "event", "step", "stage", stage, "step", (json_int_t)s,
                              "total", (json_int_t)t, "metrics", mj, "elapsed", now - r->t_begin);
        if (left >= 0) json_object_set_new(o, "eta", json_real(left));
        jsonl(r, o);
        return;
    }
    char el[32], e[32];
    archllm_format_duration(el, sizeof el, now - r->t_begin);
    archllm_format_duration(e, sizeof e, left);
    double frac = t > 0 ? (double)s / (double)t : 0;
    if (r->mode == CLI_PROGRESS_BAR) {
        if (!r->brief && n > 0) { /* a command's figures stay on screen above the bar */
            cli_render_clear(r);
            fprintf(r->out, "%s\n", line);
        }
        char bar[25];
        int w = 24, k = (int)(frac * w + 0.5);
        for (int i = 0; i < w; i++) bar[i] = i < k ? '#' : '-';
        bar[w] = 0;
        fprintf(r->out, "\r\033[K%s%-8s [%s] %3.0f%% step %ld/%ld  %s elapsed  ETA %s", r->prefix ? r->prefix : "",
                stage, bar, 100 * frac, s, t, el, e);
        fflush(r->out);
        r->bar_drawn = 1;
        return;
    }
    if (!r->brief) {
        if (n > 0) fprintf(r->out, "%s\n", line), fflush(r->out);
        return;
    }
    /* run's plain output: a line every `every` seconds and at the end */
    if (now - r->t_line < r->every && s != t) return;
    r->t_line = now;
    if (t > 0)
        fprintf(r->out, "%s%s: step %ld/%ld (%.0f%%), %s elapsed, ETA %s\n", r->prefix ? r->prefix : "", stage, s, t,
                100 * frac, el, e);
    else fprintf(r->out, "%s%s: step %ld, %s elapsed\n", r->prefix ? r->prefix : "", stage, s, el);
    fflush(r->out);
}

static void on_message(void *user, const char *stage, archllm_message_level level, const char *text)
{
    cli_render *r = user;
    if (r->log) fprintf(r->log, "%s%s\n", level == ARCHLLM_MESSAGE_WARN ? "warning: " : "", text), fflush(r->log);
    if (r->mode == CLI_PROGRESS_JSONL) {
        static const char *const names[] = {"info", "detail", "warning"};
        jsonl(r, json_pack("{s:s, s:s, s:s, s:s}", "event", "message", "stage", stage, "level", names[level], "text",
                           text));
        return;
    }
    int own = strcmp(stage, "run") == 0;
    if (r->brief && level != ARCHLLM_MESSAGE_WARN && !own && strcmp(stage, "report") != 0) return;
    cli_render_clear(r);
    if (level == ARCHLLM_MESSAGE_WARN) {
        fflush(r->out);
        fprintf(stderr, "archllm: warning: %s\n", text);
        return;
    }
    fprintf(r->out, "%s%s\n", r->brief && own && r->prefix ? r->prefix : "", text);
    fflush(r->out);
}

archllm_events cli_render_events(cli_render *r)
{
    archllm_events ev = {.user = r, .stage_begin = on_begin, .stage_end = on_end, .step = on_step,
                         .message = on_message};
    return ev;
}
