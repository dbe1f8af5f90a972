/* t5_config.c - the T5 configuration: defaults (Hugging Face's for missing keys), range
 * checks, and config.json read/write with jansson (feed_forward_proj rules of
 * configuration_t5.py).  No OpenCL here, so the fuzz target links it alone. */
#include "model/t5.h"

#include "util/error.h"
#include "util/fileio.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void archllm_t5_config_default(archllm_t5_config *c)
{
    memset(c, 0, sizeof *c);
    c->vocab = 32128;
    c->d_model = 512;
    c->d_kv = 64;
    c->d_ff = 2048;
    c->n_heads = 8;
    c->n_layers = 6;
    c->n_dec_layers = 6;
    c->num_buckets = 32;
    c->max_distance = 128;
    c->eps = 1e-6f;
    c->dropout = 0.1f;
    c->gated = 0;
    c->act = ARCHLLM_T5_RELU;
    c->tied = 1;
    c->scale_out = 1;
    c->scale_key = 0;
    c->pad_id = 0;
    c->eos_id = 1;
    c->start_id = 0;
}

archllm_status archllm_t5_config_check(const archllm_t5_config *c)
{
#define RANGE(f, lo, hi)                                                                                         \
    if (c->f < (lo) || c->f > (hi))                                                                              \
        return archllm_fail(ARCHLLM_EINVAL, "t5 config: " #f " = %d outside [%d, %d]", (int)c->f, (int)(lo),     \
                            (int)(hi))
    RANGE(vocab, 2, 1 << 22);
    RANGE(d_model, 1, 1 << 16);
    RANGE(d_kv, 1, 1 << 12);
    RANGE(d_ff, 1, 1 << 18);
    RANGE(n_heads, 1, 1024);
    RANGE(n_layers, 1, ARCHLLM_T5_MAX_LAYERS);
    RANGE(n_dec_layers, 1, ARCHLLM_T5_MAX_LAYERS);
    RANGE(num_buckets, 2, 4096);
    RANGE(max_distance, 2, 1 << 20);
    RANGE(pad_id, 0, c->vocab - 1);
    RANGE(eos_id, 0, c->vocab - 1);
    RANGE(start_id, 0, c->vocab - 1);
#undef RANGE
    if (!(c->eps > 0.0f && c->eps < 1.0f)) return archllm_fail(ARCHLLM_EINVAL, "t5 config: eps = %g", c->eps);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return archllm_fail(ARCHLLM_EINVAL, "t5 config: dropout = %g outside [0, 1)", c->dropout);
    return ARCHLLM_OK;
}

/* integer key: absent -> keep *v; null -> keep; non-integer or out of int range -> error */
static archllm_status get_int(json_t *root, const char *key, int *v, const char *name)
{
    json_t *j = json_object_get(root, key);
    if (!j || json_is_null(j)) return ARCHLLM_OK;
    if (!json_is_integer(j) || json_integer_value(j) < -(1LL << 30) || json_integer_value(j) > (1LL << 30))
        return archllm_fail(ARCHLLM_EFORMAT, "%s: \"%s\" must be an integer", name, key);
    *v = (int)json_integer_value(j);
    return ARCHLLM_OK;
}

static archllm_status get_num(json_t *root, const char *key, float *v, const char *name)
{
    json_t *j = json_object_get(root, key);
    if (!j || json_is_null(j)) return ARCHLLM_OK;
    if (!json_is_number(j)) return archllm_fail(ARCHLLM_EFORMAT, "%s: \"%s\" must be a number", name, key);
    *v = (float)json_number_value(j);
    return ARCHLLM_OK;
}

static archllm_status get_bool(json_t *root, const char *key, int *v, const char *name)
{
    json_t *j = json_object_get(root, key);
    if (!j || json_is_null(j)) return ARCHLLM_OK;
    if (!json_is_boolean(j)) return archllm_fail(ARCHLLM_EFORMAT, "%s: \"%s\" must be true or false", name, key);
    *v = json_is_true(j);
    return ARCHLLM_OK;
}

archllm_status archllm_t5_config_parse_json(archllm_t5_config *c, const char *text, size_t len, const char *name)
{
    json_error_t err;
    archllm_t5_config_default(c);
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: %s", name, err.line, err.text);
    archllm_status s = ARCHLLM_OK;
    if (!json_is_object(root)) s = archllm_fail(ARCHLLM_EFORMAT, "%s: not a JSON object", name);
    json_t *mt = s == ARCHLLM_OK ? json_object_get(root, "model_type") : NULL;
    if (mt && (!json_is_string(mt) || (strcmp(json_string_value(mt), "t5") != 0 &&
                                       strcmp(json_string_value(mt), "mt5") != 0)))
        s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: model_type is not \"t5\"", name);
    c->n_dec_layers = -1;
    if (s == ARCHLLM_OK) s = get_int(root, "vocab_size", &c->vocab, name);
    if (s == ARCHLLM_OK) s = get_int(root, "d_model", &c->d_model, name);
    if (s == ARCHLLM_OK) s = get_int(root, "d_kv", &c->d_kv, name);
    if (s == ARCHLLM_OK) s = get_int(root, "d_ff", &c->d_ff, name);
    if (s == ARCHLLM_OK) s = get_int(root, "num_heads", &c->n_heads, name);
    if (s == ARCHLLM_OK) s = get_int(root, "num_layers", &c->n_layers, name);
    if (s == ARCHLLM_OK) s = get_int(root, "num_decoder_layers", &c->n_dec_layers, name);
    if (s == ARCHLLM_OK) s = get_int(root, "relative_attention_num_buckets", &c->num_buckets, name);
    if (s == ARCHLLM_OK) s = get_int(root, "relative_attention_max_distance", &c->max_distance, name);
    if (s == ARCHLLM_OK) s = get_int(root, "pad_token_id", &c->pad_id, name);
    if (s == ARCHLLM_OK) s = get_int(root, "eos_token_id", &c->eos_id, name);
    if (s == ARCHLLM_OK) s = get_int(root, "decoder_start_token_id", &c->start_id, name);
    if (s == ARCHLLM_OK) s = get_num(root, "dropout_rate", &c->dropout, name);
    if (s == ARCHLLM_OK) s = get_num(root, "layer_norm_epsilon", &c->eps, name);
    if (s == ARCHLLM_OK) s = get_bool(root, "tie_word_embeddings", &c->tied, name);
    /* transformers 4.x scales exactly when tied; 5.x forces tie_word_embeddings true and
     * keeps the scaling in scale_decoder_outputs, derived the 4.x way when absent */
    c->scale_out = c->tied;
    c->scale_key = s == ARCHLLM_OK && json_is_boolean(json_object_get(root, "scale_decoder_outputs"));
    if (s == ARCHLLM_OK) s = get_bool(root, "scale_decoder_outputs", &c->scale_out, name);
    if (c->n_dec_layers < 0) c->n_dec_layers = c->n_layers;
    json_t *ff = s == ARCHLLM_OK ? json_object_get(root, "feed_forward_proj") : NULL;
    if (ff) {
        const char *f = json_is_string(ff) ? json_string_value(ff) : NULL;
        if (!f) s = archllm_fail(ARCHLLM_EFORMAT, "%s: \"feed_forward_proj\" must be a string", name);
        else {
            /* configuration_t5.py: "gated-X" or "X"; gated-gelu means gelu_new */
            c->gated = strncmp(f, "gated-", 6) == 0;
            const char *act = c->gated ? f + 6 : f;
            if (strcmp(act, "relu") == 0) c->act = ARCHLLM_T5_RELU;
            else if (strcmp(act, "gelu") == 0 || strcmp(act, "gelu_new") == 0) c->act = ARCHLLM_T5_GELU_NEW;
            else s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: feed_forward_proj \"%s\" (relu, gelu, gated-gelu "
                                                         "are supported)", name, f);
            if (s == ARCHLLM_OK && c->gated && c->act != ARCHLLM_T5_GELU_NEW)
                s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: feed_forward_proj \"%s\": only gated-gelu is gated", name, f);
        }
    }
    json_decref(root);
    if (s == ARCHLLM_OK) {
        s = archllm_t5_config_check(c);
        if (s != ARCHLLM_OK) archllm_fail_prefix(s, "%s", name);
    }
    return s;
}

archllm_status archllm_t5_config_load_json(archllm_t5_config *c, const char *path)
{
    char *text;
    size_t len;
    ARCHLLM_TRY(archllm_read_file(path, &text, &len));
    archllm_status s = archllm_t5_config_parse_json(c, text, len, path);
    free(text);
    return s;
}

char *archllm_t5_config_to_json(const archllm_t5_config *c)
{
    json_t *r = json_object();
    json_object_set_new(r, "architectures", json_pack("[s]", "T5ForConditionalGeneration"));
    json_object_set_new(r, "model_type", json_string("t5"));
    json_object_set_new(r, "vocab_size", json_integer(c->vocab));
    json_object_set_new(r, "d_model", json_integer(c->d_model));
    json_object_set_new(r, "d_kv", json_integer(c->d_kv));
    json_object_set_new(r, "d_ff", json_integer(c->d_ff));
    json_object_set_new(r, "num_heads", json_integer(c->n_heads));
    json_object_set_new(r, "num_layers", json_integer(c->n_layers));
    json_object_set_new(r, "num_decoder_layers", json_integer(c->n_dec_layers));
    json_object_set_new(r, "relative_attention_num_buckets", json_integer(c->num_buckets));
    json_object_set_new(r, "relative_attention_max_distance", json_integer(c->max_distance));
    json_object_set_new(r, "dropout_rate", json_real(c->dropout));
    json_object_set_new(r, "layer_norm_epsilon", json_real(c->eps));
    char ff[32];
    snprintf(ff, sizeof ff, "%s%s", c->gated ? "gated-" : "", c->act == ARCHLLM_T5_RELU ? "relu" : "gelu");
    json_object_set_new(r, "feed_forward_proj", json_string(ff));
    json_object_set_new(r, "tie_word_embeddings", json_boolean(c->tied));
    if (c->scale_out != c->tied) json_object_set_new(r, "scale_decoder_outputs", json_boolean(c->scale_out));
    json_object_set_new(r, "pad_token_id", json_integer(c->pad_id));
    json_object_set_new(r, "eos_token_id", json_integer(c->eos_id));
    json_object_set_new(r, "decoder_start_token_id", json_integer(c->start_id));
    json_object_set_new(r, "is_encoder_decoder", json_true());
    char *out = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(9));
    json_decref(r);
    return out;
}

