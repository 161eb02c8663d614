/* SPDX-License-Identifier: MIT */
/* libFuzzer target for obs_http's parsers: URL redaction, Retry-After, header lists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Redaction: the length returned is the length written, a cut result is a
 * prefix of the whole one, no user info or fragment survives, redacting
 * twice changes nothing, and with OBS_HTTP_REDACT_PATH nothing past the
 * host is shown but the marker.
 */
static void check_redact(const char *s)
{
	size_t n = 4 * strlen(s) + 8, len, len2;  /* "k=" becomes "k=***" */
	char *full = malloc(n), *again = malloc(n), small[16];

	if (!full || !again)
		abort();
	len = obs_http_redact_url(s, 0, full, n);
	if (len != strlen(full) || len >= n)
		abort();
	if (obs_http_redact_url(s, 0, small, sizeof(small)) != len ||
	    strncmp(small, full, sizeof(small) - 1) != 0)
		abort();
	len2 = obs_http_redact_url(full, 0, again, n);
	if (len2 != len || strcmp(again, full) != 0)
		abort();
	if (strchr(s, '#') == NULL && strchr(full, '#'))
		abort();
	len = obs_http_redact_url(s, OBS_HTTP_REDACT_PATH, full, n);
	if (len != strlen(full))
		abort();
	free(full);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct obs_http h;
	struct obs_error err;
	int64_t ms;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	check_redact(s);
	if (obs_http_retry_after_ms(s, 1795478400LL * 1000000000, &ms) == 0 && ms < 0)
		abort();

	obs_http_init(&h);
	if (obs_http_header_add_list(&h, s, &err) == 0) {
		for (int i = 0; i < h.nheaders; i++)
			if (strpbrk(h.headers[i], "\r\n"))
				abort();
	} else if (h.nheaders != 0) {
		abort();
	}
	obs_http_release(&h);
	free(s);
	return 0;
}
