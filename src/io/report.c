/* report.c - index.html writer; see report.h. */
#include "config.h"
#include "io/report.h"
#include "io/svg.h"
#include "util/error.h"
#include "util/fileio.h"

#include <stdlib.h>
#include <string.h>

struct archllm_report {
    char          *title;
    archllm_strbuf body;
};

archllm_status archllm_report_init(archllm_report **out, const char *title)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return archllm_fail(ARCHLLM_ENOMEM, "report");
    (*out)->title = strdup(title ? title : "archllm report");
    if (!(*out)->title) {
        free(*out);
        *out = NULL;
        return archllm_fail(ARCHLLM_ENOMEM, "report");
    }
    return ARCHLLM_OK;
}

void archllm_report_free(archllm_report *r)
{
    if (!r) return;
    free(r->title);
    free(r->body.s);
    free(r);
}

void archllm_report_heading(archllm_report *r, const char *text)
{
    archllm_strbuf_printf(&r->body, "<h2>");
    archllm_strbuf_escape(&r->body, text);
    archllm_strbuf_printf(&r->body, "</h2>\n");
}

void archllm_report_paragraph(archllm_report *r, const char *text)
{
    archllm_strbuf_printf(&r->body, "<p>");
    archllm_strbuf_escape(&r->body, text);
    archllm_strbuf_printf(&r->body, "</p>\n");
}

static int numeric(const char *s)
{
    if (!s || !*s) return 0;
    char *end;
    strtod(s, &end);
    return *end == 0 || (end[0] == '%' && end[1] == 0) || strncmp(end, " \xc2\xb1 ", 4) == 0 ||
           strncmp(end, " +- ", 4) == 0;
}

void archllm_report_table(archllm_report *r, const char *caption, size_t ncols, const char *const *header,
                          size_t nrows, const char *const *cells)
{
    archllm_strbuf *b = &r->body;
    archllm_strbuf_printf(b, "<table>\n");
    if (caption) {
        archllm_strbuf_printf(b, "<caption>");
        archllm_strbuf_escape(b, caption);
        archllm_strbuf_printf(b, "</caption>\n");
    }
    archllm_strbuf_printf(b, "<thead><tr>");
    for (size_t c = 0; c < ncols; c++) {
        archllm_strbuf_printf(b, "<th>");
        archllm_strbuf_escape(b, header[c]);
        archllm_strbuf_printf(b, "</th>");
    }
    archllm_strbuf_printf(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < nrows; i++) {
        archllm_strbuf_printf(b, "<tr>");
        for (size_t c = 0; c < ncols; c++) {
            const char *t = cells[i * ncols + c];
            archllm_strbuf_printf(b, numeric(t) ? "<td class=\"num\">" : "<td>");
            archllm_strbuf_escape(b, t ? t : "");
            archllm_strbuf_printf(b, "</td>");
        }
        archllm_strbuf_printf(b, "</tr>\n");
    }
    archllm_strbuf_printf(b, "</tbody>\n</table>\n");
}

void archllm_report_svg(archllm_report *r, const char *caption, const char *svg)
{
    if (strncmp(svg, "<?xml", 5) == 0) {
        const char *nl = strchr(svg, '\n');
        svg = nl ? nl + 1 : svg + strlen(svg);
    }
    archllm_strbuf_printf(&r->body, "<figure>\n%s", svg);
    if (caption) {
        archllm_strbuf_printf(&r->body, "<figcaption>");
        archllm_strbuf_escape(&r->body, caption);
        archllm_strbuf_printf(&r->body, "</figcaption>\n");
    }
    archllm_strbuf_printf(&r->body, "</figure>\n");
}

static const char *style =
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0}\n"
    "caption{text-align:left;font-weight:bold;padding:.3em 0}\n"
    "th,td{border:1px solid #ccc;padding:.25em .6em}\n"
    "th{background:#f3f3f3}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "figure{margin:1em 0}\n"
    "figcaption{font-size:90%;color:#555}\n";

archllm_status archllm_report_save(const archllm_report *r, const char *path)
{
    if (r->body.oom) return archllm_fail(ARCHLLM_ENOMEM, "%s: report text", path);
    archllm_strbuf page = {0};
    archllm_strbuf_printf(&page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    archllm_strbuf_escape(&page, r->title);
    archllm_strbuf_printf(&page, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
    archllm_strbuf_escape(&page, r->title);
    archllm_strbuf_printf(&page, "</h1>\n%s</body>\n</html>\n", r->body.s ? r->body.s : "");
    if (page.oom) {
        free(page.s);
        return archllm_fail(ARCHLLM_ENOMEM, "%s: report text", path);
    }
    archllm_atomic_file af;
    archllm_status s = archllm_atomic_open(&af, path);
    if (s == ARCHLLM_OK) {
        if (fwrite(page.s, 1, page.len, af.f) != page.len) {
            archllm_atomic_abort(&af);
            s = archllm_fail(ARCHLLM_EIO, "%s: write failed", path);
        } else {
            s = archllm_atomic_commit(&af);
        }
    }
    free(page.s);
    return s;
}
