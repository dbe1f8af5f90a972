/* cli.h - what every `archllm <command>` shares: the command table, exit codes,
 * error printing and the device selector.  Commands live one per file, cmd_<name>.c. */
#ifndef ARCHLLM_CLI_H
#define ARCHLLM_CLI_H

#include <signal.h>

#include "archllm.h"
#include "cli/render.h"
#include "io/experiment.h"
#include "util/error.h"

enum {
    CLI_EXIT_OK      = 0, /* success */
    CLI_EXIT_FAILURE = 1, /* runtime failure (device, I/O, numerics) */
    CLI_EXIT_USAGE   = 2  /* usage or configuration error */
};

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;               /* one line for `archllm help` */
    const char *usage;                 /* full text for `archllm help <name>` */
} cli_command;

const cli_command *cli_find_command(const char *name);
extern const cli_command cli_commands[];
extern const int cli_command_count;

/* Print "archllm: <message>" to stderr and return code. */
int cli_error(int code, const char *fmt, ...) ARCHLLM_PRINTF(2, 3);
/* Print "archllm: <what>: <last error or status string>" and return the exit code for s:
 * 2 for EINVAL/ECONFIG/ENOTFOUND-of-a-selector style errors and EBUSY, 1 otherwise. */
int cli_status(archllm_status s, const char *what);
/* Print the usage text of a command to stdout (or stderr with a hint when bad). */
int cli_usage(const char *name, int code);

/* The device selector: --device, then ARCHLLM_DEVICE, then cfg's device.selector (cfg
 * may be NULL), else NULL for the default device. */
const char *cli_device_selector(const char *option, const archllm_config *cfg);
/* Open a context on the selected device; prints the error and returns the exit code. */
int cli_open_ctx(archllm_ctx_t **ctx, const char *option, const archllm_config *cfg);

/* Options every config-reading command takes: --config FILE and --set key=value. */
typedef struct {
    const char *path;
    const char *sets[64];
    int         nsets;
} cli_config_opts;
/* Record --config/--set; returns 1 if handled, 0 if not a config option, -1 on error. */
int cli_config_option(cli_config_opts *o, int opt, const char *arg);
/* Take the config file from the first positional argument (unless --config gave one);
 * no file, or more arguments, is a usage error naming cmd.  Returns the exit code. */
int cli_config_positional(cli_config_opts *o, int argc, char **argv, const char *cmd);
/* Defaults + file + --set overrides; prints the one-line error and returns exit code 2. */
int cli_config_load(archllm_config *cfg, const cli_config_opts *o);
#define CLI_OPT_CONFIG 0x1000 /* getopt_long codes of --config and --set */
#define CLI_OPT_SET    0x1001
#define CLI_CONFIG_LONG_OPTIONS                                    \
    {"config", required_argument, NULL, CLI_OPT_CONFIG},           \
    {"set", required_argument, NULL, CLI_OPT_SET}

/* --progress=auto|plain|bar|jsonl (src/cli/render.h), for commands that run a stage */
#define CLI_OPT_PROGRESS 0x1002
#define CLI_PROGRESS_LONG_OPTION {"progress", required_argument, NULL, CLI_OPT_PROGRESS}

/* cli_config_option, then --progress (into *mode): 1 when handled, 0 when not one of
 * them, -1 on error (printed). */
int cli_stage_option(cli_config_opts *co, cli_progress_mode *mode, int opt, const char *arg);

/* Ctrl-C and SIGTERM set the returned flag (cleared here) until cli_release_stop; a
 * stage then stops at its next step, checkpointed. */
const volatile sig_atomic_t *cli_catch_stop(void);
/* The same for a running experiment: the signal stops its stage (archllm_experiment_stop). */
void cli_catch_stop_of(archllm_experiment *e);
void cli_release_stop(void);
/* The exit code of a stage's status: 0, 130 when a signal stopped it (a stop the caller
 * asked for, such as --stop-after, is 0), else cli_status's. */
int cli_stage_exit(archllm_status s, const char *what);

/* A shipped data file: the option's path when given, else NAME in $ARCHLLM_DATA_DIR, the
 * installed data folder, then the source tree's data/; 0 when none is readable. */
int cli_find_data_file(char *out, size_t cap, const char *option, const char *name);

/* Lock the experiment folder DIR (creating it) for the rest of the process, so that two
 * commands never write into one folder at once; when another process holds it, print
 * "archllm: WHAT: DIR is in use by pid N (COMMAND) ..." and return 2. */
int cli_lock_output(const char *dir, const char *what);
/* The command line as typed ("archllm run conf/x.cfg"), which the lock records. */
const char *cli_command_line(void);

/* True when s is "-h" or "--help". */
int cli_is_help(const char *s);

/* commands */
int cmd_devices(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_train_vqvae(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_train_lm(int argc, char **argv);
int cmd_lm_logits(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
