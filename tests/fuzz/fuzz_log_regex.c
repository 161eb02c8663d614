/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the regex parser: fixed patterns, or a pattern from the input; never a crash. */
#include "log_check.h"

static const char *const patterns[] = {
	"(?<time>\\S+ \\S+) (?<level>\\w+)\\s+\\[(?<thread>[^\\]]+)\\] (?<logger>\\S+) - (?<msg>.*)",
	"(?<time>\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d) \\[(?<level>\\w+)\\] (?<process__pid>\\d+)#"
	"(?<thread__id>\\d+): (?:\\*(?<connection>\\d+) )?(?<msg>.*)",
	"(?:id=(?<id>\\S+) took=(?<took>\\S+)(?: trace=(?<trace_id>\\S+) span=(?<span_id>\\S+))?|"
	"tp=(?<traceparent>\\S+)|(?<service>\\w+): (?<msg>.*))",
	"(?<x>(a|aa)*)$",
};

/*
 * The first byte picks a pattern; with its top bit set, the input up to
 * the first newline (at most 100 bytes) is the pattern and the rest the log.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_logparse_options opt = { 0 };
	struct obs_logparse p;
	struct obs_error err;
	char pattern[101];

	if (size == 0)
		return 0;
	opt.format = OBS_LOG_REGEX;
	opt.reference = FUZZ_REF;
	opt.timezone = "-03:00";
	opt.regex = patterns[data[0] % (sizeof(patterns) / sizeof(patterns[0]))];
	data++;
	size--;
	if (data[-1] & 0x80) {
		const uint8_t *nl = memchr(data, '\n', size < 100 ? size : 100);
		size_t n;

		if (!nl)
			return 0;
		n = (size_t)(nl - data);
		memcpy(pattern, data, n);
		pattern[n] = '\0';
		if (memchr(pattern, '\0', n))
			return 0;
		opt.regex = pattern;
		data += n + 1;
		size -= n + 1;
		/* A pattern that does not compile is a clean error. */
		if (obs_logparse_init(&p, &opt, &err) != 0) {
			if (strncmp(err.msg, "invalid regular expression '", 28) != 0)
				abort();
			return 0;
		}
		obs_logparse_release(&p);
	}
	fuzz_log(&opt, data, size);
	return 0;
}
