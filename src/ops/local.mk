# src/ops: files of this layer (added by its owner)
