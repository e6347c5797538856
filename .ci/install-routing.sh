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

# bgpq4: IRR prefix lists (drivers/irr), run by the tests against a fake IRRd on loopback.
if [ ! -x /usr/bin/bgpq4 ]; then
  apt-get update && apt-get install -y bgpq4
fi

# The router lab (tests/routers, npm run bench): our router and a peer in network namespaces
# (iproute2), reached over SSH (openssh-server: sshd with its own config, started by the
# tests; ssh-keygen and openssl make its host key and the lab user's password hash), FRR
# applied with frr-reload.py (frr-pythontools, python3). The packages' own services must not
# start: while installing, a policy-rc.d refuses them unless the machine already has one.
missing=""
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
[ -x /usr/bin/ssh-keygen ] || missing="$missing openssh-client"
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing="$missing iproute2"
[ -x /usr/bin/openssl ] || missing="$missing openssl"
[ -x /usr/bin/python3 ] || missing="$missing python3"
[ -r /usr/lib/frr/frr-reload.py ] || missing="$missing frr-pythontools"
if [ -n "$missing" ]; then
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # shellcheck disable=SC2086
  apt-get update && apt-get install -y $missing || status=$?
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ "${status:-0}" -eq 0 ] || exit "$status"
fi
