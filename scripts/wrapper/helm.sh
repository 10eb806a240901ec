#!/bin/sh
# The shell plugin's name for the helm shim: runs ./helm (see there).
exec "$(dirname "$0")/helm" "$@"
