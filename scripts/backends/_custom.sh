#!/usr/bin/env sh
# The helper library's older path (scripts/backends/_custom.sh), which
# backends written for the shell plugin's 3.x releases source.
# shellcheck source=scripts/lib/backends/_custom.sh
. "${SCRIPT_DIR}/lib/backends/_custom.sh"
