# src/cli: `archllm <command>`, one cmd_<command>.c each; render.c shows the library's events.
archllm_SOURCES += src/cli/cli.h src/cli/main.c src/cli/render.c src/cli/render.h src/cli/cmd_devices.c src/cli/cmd_tune.c src/cli/cmd_bench.c \
	src/cli/cmd_config.c
archllm_SOURCES += src/cli/cmd_dataset.c src/cli/cmd_show.c
archllm_SOURCES += src/cli/cmd_train.c src/cli/cmd_encode.c src/cli/cmd_decode.c
archllm_SOURCES += src/cli/cmd_lm_logits.c src/cli/cmd_sample.c
archllm_SOURCES += src/cli/cmd_generate.c src/cli/cmd_run.c
archllm_SOURCES += src/cli/cmd_search.c src/cli/cmd_baseline.c
