archllm_SOURCES += src/cli/cli.h src/cli/main.c src/cli/render.c src/cli/render.h src/cli/cmd_devices.c src/cli/cmd_bench.c \
	src/cli/cmd_config.c
archllm_SOURCES += src/cli/cmd_dataset.c src/cli/cmd_show.c
