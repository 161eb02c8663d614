/* SPDX-License-Identifier: MIT */
/* Fuzz target: bytes as protobuf (wire reader, OTLP decoders) and as a record line (OTLP encoders). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "obs_otlp.h"
#include "obs_pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk every field, reading each length-delimited one as a message too. */
static void walk(const struct obs_pb_reader *r)
{
	struct obs_pb_reader copy = *r, sub;
	struct obs_pb_field f;
	size_t n, i;

	while (obs_pb_read(&copy, &f, NULL) > 0) {
		if (f.wire == OBS_PB_LEN && obs_pb_reader_sub(&copy, &f, &sub, NULL) == 0)
			walk(&sub);
		if (obs_pb_packed64(&f, &n, NULL) == 0)
			for (i = 0; i < n; i++)
				(void)obs_pb_packed64_at(&f, i);
		(void)obs_pb_double(&f);
	}
}

/* Decoded records go back through the encoder: it must cope with whatever the decoder makes. */
static int emit(void *ctx, json_t *rec, int64_t t, struct obs_error *err)
{
	struct obs_otlp_batch *b = ctx;
	char *text = json_dumps(rec, JSON_COMPACT);

	if (!text)
		abort();
	free(text);
	if (b)
		obs_otlp_batch_add_json(b, rec, NULL);
	json_decref(rec);
	/* Exercise the stop path now and then. */
	return t % 11 == 5 ? obs_error_set(err, "stop") : 0;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_pb_reader r;
	struct obs_otlp_decoder d;
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	int sig, enc;

	obs_pb_reader_init(&r, data, size);
	walk(&r);
	for (sig = 0; sig < 3; sig++) {
		obs_otlp_batch_init(&b, (enum obs_otlp_signal)sig, OBS_OTLP_PROTOBUF);
		obs_otlp_decoder_init(&d, emit, warn, &b);
		obs_otlp_decode(&d, (enum obs_otlp_signal)sig, data, size, &err);
		if (obs_otlp_batch_finish(&b, &body, &len, &err) == 0) {
			/* What the encoder made decodes without a wire error. */
			obs_otlp_decoder_init(&d, emit, warn, NULL);
			if (obs_otlp_decode(&d, (enum obs_otlp_signal)sig, body, len, &err) < 0 &&
			    strncmp(err.msg, "invalid Export", 14) == 0)
				abort();
		}
		obs_otlp_batch_release(&b);
	}
	/* The same bytes as one record line, for every signal and encoding. */
	for (sig = 0; sig < 3; sig++)
		for (enc = 0; enc < 2; enc++) {
			obs_otlp_batch_init(&b, (enum obs_otlp_signal)sig, (enum obs_otlp_encoding)enc);
			if (obs_otlp_batch_add(&b, (const char *)data, size, &err) == 0)
				obs_otlp_batch_add(&b, (const char *)data, size, &err);
			obs_otlp_batch_finish(&b, &body, &len, &err);
			if (enc == OBS_OTLP_PROTOBUF) {
				obs_otlp_decoder_init(&d, emit, warn, NULL);
				if (obs_otlp_decode(&d, (enum obs_otlp_signal)sig, body, len, &err) < 0 &&
				    strncmp(err.msg, "invalid Export", 14) == 0)
					abort();
			}
			obs_otlp_batch_release(&b);
		}
	return 0;
}
