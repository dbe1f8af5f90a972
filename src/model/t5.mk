# T5 model, its op families, tokenizers and commands (owned by the T5 work)
