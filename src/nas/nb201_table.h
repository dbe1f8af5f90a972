/* nb201_table.h - NAS-Bench-201 accuracy tables: the CSV schema of data/nb201_accuracy.csv
 * (header line; columns `index`, `arch_str`, then numeric columns), keyed by index and by
 * arch string.  Rows are checked against the official index order. */
#ifndef ARCHLLM_NAS_NB201_TABLE_H
#define ARCHLLM_NAS_NB201_TABLE_H

#include "nas/nb201.h"

typedef struct archllm_nb201_table archllm_nb201_table;

/* Read a CSV file; errors name file:line. */
archllm_status archllm_nb201_table_load(archllm_nb201_table **out, const char *path);
/* Parse CSV text of len bytes (need not be NUL-terminated); name is used in messages. */
archllm_status archllm_nb201_table_parse(archllm_nb201_table **out, const char *text, size_t len, const char *name);
void           archllm_nb201_table_free(archllm_nb201_table *t);

int         archllm_nb201_table_ncols(const archllm_nb201_table *t);      /* numeric columns */
const char *archllm_nb201_table_colname(const archllm_nb201_table *t, int col);
int         archllm_nb201_table_column(const archllm_nb201_table *t, const char *name); /* -1 if none */
int         archllm_nb201_table_nrows(const archllm_nb201_table *t);
/* 1 when the table has a row for this index. */
int         archllm_nb201_table_has(const archllm_nb201_table *t, int index);
/* The value, NaN when the row or the cell is missing. */
double      archllm_nb201_table_get(const archllm_nb201_table *t, int index, int col);
/* Index of an arch string (parse + official order); EFORMAT for a bad string. */
archllm_status archllm_nb201_table_find_arch(int *index, const archllm_nb201_table *t, const char *arch);

#endif
