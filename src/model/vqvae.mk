# VQ-VAE model, its op families and commands (owned by the VQ-VAE work)
