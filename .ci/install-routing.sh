#!/bin/sh
# Routing daemons for the tests. BIRD 2 and FRR: their own configuration checkers prove that
# rendered router configurations cannot be broken by hostile PeeringDB data
# (tests/render/injection.test.ts). Idempotent: installs only what is missing.
# Debian/Ubuntu, run as root. Each section checks and installs its own packages.
set -eu
export DEBIAN_FRONTEND=noninteractive

# BIRD 2 (bird, birdc) and FRR (vtysh, bgpd). The tests start the daemons themselves; the
# packages' own services need not run.
if [ ! -x /usr/sbin/bird ] || [ ! -x /usr/sbin/birdc ] || [ ! -x /usr/bin/vtysh ] || [ ! -x /usr/lib/frr/bgpd ]; then
  apt-get update && apt-get install -y bird2 frr
fi
