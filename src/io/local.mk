# src/io: files of this layer (added by its owner)
