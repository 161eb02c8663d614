#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark in bench/ (each prints its own ratios).
set -eu
cd "$(dirname "$0")"
for b in ./*.sh; do
	[ "$b" = ./run.sh ] && continue
	echo "== $b"
	"$b"
done
