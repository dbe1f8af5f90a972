# src/nas: files of this layer (added by its owner)
