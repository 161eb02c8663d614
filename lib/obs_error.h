/* SPDX-License-Identifier: MIT */
/* Error reporting for libobs-common: functions fill a caller's struct. */
#ifndef OBS_ERROR_H
#define OBS_ERROR_H

#include <stddef.h>

#define OBS_ERROR_MAX 512

/*
 * Library functions return 0 on success and -1 on failure (predicates
 * return 1 / 0 / -1) and describe the failure here, in the house style:
 * lowercase, no final period, problem first, subject in quotes, e.g.
 * "cannot open 'x': No such file or directory". err may be NULL.
 */
struct obs_error {
	char msg[OBS_ERROR_MAX];
};

/* Set the message (printf format); always returns -1 for `return obs_error_set(...)`. */
int obs_error_set(struct obs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like obs_error_set, with ": strerror(errno)" appended (errno is read first). */
int obs_error_errno(struct obs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the existing message: "PREFIX: old message". Returns -1. */
int obs_error_prefix(struct obs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void obs_error_clear(struct obs_error *err);

#endif
