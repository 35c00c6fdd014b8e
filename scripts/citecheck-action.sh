#!/usr/bin/env bash
# The audit step of the citecheck GitHub Action (action.yml): runs
# `citecheck audit $INPUT_ARGS`, writes the Markdown summary to the job
# summary, sets the `exit_code` output and decides whether the step fails.
#
# Environment (set by action.yml; tests set them by hand):
#   INPUT_ARGS          arguments to `citecheck audit`, split like a shell would
#   INPUT_FAIL          "true": findings (exit code 1) fail the step; usage
#                       errors (2) and failed runs (3) always do
#   INPUT_JOB_SUMMARY   "true": append the Markdown summary to $GITHUB_STEP_SUMMARY
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP   as on GitHub
#   CITECHECK           the command to run (default: citecheck)
set -u

citecheck=${CITECHECK:-citecheck}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
summary=$(mktemp "$tmp/citecheck-summary.XXXXXX")

# split INPUT_ARGS as a shell would, without running anything it contains
words=$(mktemp "$tmp/citecheck-args.XXXXXX")
if ! python3 -c '
import os, shlex, sys
try:
    words = shlex.split(os.environ.get("INPUT_ARGS", ""))
except ValueError as exc:
    sys.exit(f"Error: args: {exc}")
sys.stdout.write("".join(w + "\0" for w in words))
' > "$words"; then
    rm -f "$words" "$summary"
    echo "exit_code=2" >> "${GITHUB_OUTPUT:-/dev/null}"
    exit 2
fi
args=()
mapfile -d '' -t args < "$words"
rm -f "$words"

"$citecheck" audit "${args[@]}" --markdown "$summary"
code=$?

echo "exit_code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
if [ "${INPUT_JOB_SUMMARY:-true}" = "true" ] && [ -s "$summary" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
rm -f "$summary"

if [ "$code" -eq 1 ] && [ "${INPUT_FAIL:-true}" != "true" ]; then
    echo "citecheck: findings (exit code 1), not failing the step (fail: ${INPUT_FAIL})" >&2
    exit 0
fi
exit "$code"
