/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the syslog (RFC 5424, RFC 3164, rsyslog files) parser: no crash, no leak, every record well formed. */
#include "log_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_logparse_options opt = { 0 };

	opt.format = OBS_LOG_SYSLOG;
	opt.timezone = "Europe/Berlin";
	opt.reference = FUZZ_REF;
	opt.service = "fuzz";
	fuzz_log(&opt, data, size);
	return 0;
}
