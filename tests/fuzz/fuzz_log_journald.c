/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the journalctl -o json parser: no crash, no leak, every record well formed. */
#include "log_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_logparse_options opt = { 0 };

	opt.format = OBS_LOG_JOURNALD;
	opt.timezone = NULL;
	opt.reference = FUZZ_REF;
	opt.service = "fuzz";
	fuzz_log(&opt, data, size);
	return 0;
}
