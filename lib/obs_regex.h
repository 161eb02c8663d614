/* SPDX-License-Identifier: MIT */
/* Fully anchored RE2-syntax regular expressions (as PromQL has them) on top of POSIX regcomp. */
#ifndef OBS_REGEX_H
#define OBS_REGEX_H

#include <regex.h>
#include <stddef.h>

#include "obs_error.h"

/*
 * A pattern in RE2 syntax is translated to a POSIX extended regular
 * expression and compiled anchored at both ends, as ^(?:PATTERN)$ in RE2,
 * matching UTF-8 text by character (the C.UTF-8 locale is used while
 * compiling and matching; the process locale is left alone).
 *
 * Translated exactly: literals and escaped punctuation, '.' (any character
 * but newline), \d \D \s \S \w \W, \n \t \r \f \v \a, \xHH and \x{H...},
 * classes [...] and [^...] with ranges, \d \s \w and [:name:] (ASCII, as
 * RE2) inside them, groups (...) and (?:...), alternation, the greedy
 * quantifiers * + ? {n} {n,} {n,m} (n, m <= 1000), ^ and $ (start and end
 * of text), and a leading (?i) (case-insensitive). '{' that does not start
 * a repetition is a literal, as in RE2.
 *
 * The locale is created on first use, which is not thread-safe; compiled
 * regexes can then be used from several threads.
 *
 * Refused as unsupported: other flags and (?...) groups (named groups,
 * (?s), (?m), (?U), (?i:...)), lazy quantifiers (*? +? ?? {n,m}?), \b \B
 * \A \z \p \P \Q...\E \C, octal escapes and back-references, negated
 * classes inside brackets ([\D], [[:^alpha:]]) and non-ASCII characters
 * inside brackets, repetitions that expand to more than 1000 copies (or
 * 100000 in all), groups nested more than 1000 deep.
 */
struct obs_regex {
	regex_t re;
	size_t ngroups;    /* RE2 capture groups, $0 (the whole match) included */
	int *group;        /* ngroups entries: RE2 group -> POSIX subexpression */
	size_t nsub;       /* POSIX subexpressions + 1 */
	int compiled;
};

/*
 * Compile PATTERN into R. Returns 0; -1 for an invalid pattern ("invalid
 * regex 'P': missing closing )"); -2 for a valid RE2 pattern this engine
 * cannot run ("unsupported regex 'P': lazy quantifier '*?'"); -1 with
 * "out of memory" when allocation fails.
 */
int obs_regex_compile(struct obs_regex *r, const char *pattern, struct obs_error *err);
void obs_regex_release(struct obs_regex *r);

/* 1 if the whole of S matches, 0 if not. */
int obs_regex_match(const struct obs_regex *r, const char *s);

/*
 * If the whole of S matches, expand TEMPLATE as Go's Regexp.ExpandString
 * does ($1, ${1}, $$; $name and ${name} refer to named groups, which never
 * exist here, and expand to nothing; a malformed $ is kept literally) into
 * a new string in *OUT and return 1. Return 0 if S does not match, -1 if
 * out of memory.
 */
int obs_regex_expand(const struct obs_regex *r, const char *s, const char *template, char **out);

#endif
