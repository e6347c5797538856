#!/bin/sh
# The image's entrypoint: node for the subcommand, replaced by exec so that it is PID 1 and
# gets the orchestrator's SIGTERM itself.
# The young generation is sized per process. The bot's own process (`start`, and the one-shot
# commands) keeps 64 MiB (V8's default is 16): it renders the diffs people wait for in chat
# (a 5,000-session Junos render measured 75 ms with it, 94 ms with 4 MiB). A `worker` takes
# 4 MiB: it is the process run many times over, its renders are followed by a router commit
# of seconds, and its RSS after start is about 25 MB lower (about 130 against 105 MB here).
case "$1" in
  worker) semi=4 ;;
  *) semi=64 ;;
esac
exec node --max-semi-space-size="$semi" dist/bot/main.js "$@"
