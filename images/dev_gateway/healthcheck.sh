#!/bin/sh
# The dev gateway's healthcheck: its /health answers on APP_PORT.
exec wget -q -T 4 -O /dev/null "http://127.0.0.1:${APP_PORT:-8080}/health"
