# src/backend: files of this layer (added by its owner)
