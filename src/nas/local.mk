# src/nas: search spaces (NB101, NB201, DARTS, a user's cells), the nasbench hash, the hash
# set, benchmark tables and readers, datasets.
libarchllm_core_la_SOURCES += \
	src/nas/cell.c src/nas/cell.h \
	src/nas/nb101.c src/nas/nb101.h \
	src/nas/nb201.c src/nas/nb201.h \
	src/nas/nb201_table.c src/nas/nb201_table.h \
	src/nas/tfrecord.c src/nas/tfrecord.h \
	src/nas/nb101_data.c src/nas/nb101_data.h \
	src/nas/jsonl.c src/nas/jsonl.h \
	src/nas/dataset.c src/nas/dataset.h \
	src/nas/darts.c src/nas/darts.h \
	src/nas/cells.c src/nas/cells.h \
	src/nas/hashset.c src/nas/hashset.h
