# syntax=docker/dockerfile:1
# peerbot: build the TypeScript once, then run the compiled build as a non-root user.
# The base is a build argument: the official Node image by default, or any Debian-based
# image with node and npm (.ci/image-test.sh builds one from Debian packages where no
# registry can be reached: `podman build --build-arg NODE_IMAGE=localhost/peerbot-node-base`).
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the locked tree. Dependencies' install scripts are declared in package.json
# (allowScripts: none is needed); --ignore-scripts also skips our own `prepare` build,
# which needs the sources copied below.
# Behind a TLS-inspecting proxy, pass its CA as the build secret `build-ca`
# (--secret id=build-ca,src=<pem>): npm trusts it for this step only.
RUN --mount=type=secret,id=build-ca \
    if [ -f /run/secrets/build-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build-ca; fi \
 && npm ci --ignore-scripts
COPY . .
# Generates the Prisma client (no engine download: see prisma/generate.ts), compiles, then
# drops the dev dependencies (ESLint, vitest, Prettier, the test servers). TypeScript would
# stay as an optional peer of @prisma/client and prisma; nothing in the image compiles.
RUN npm run build && npm prune --omit=dev --ignore-scripts && rm -rf node_modules/typescript \
 && find node_modules -depth -type d -empty -delete

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PEERBOT_DATA_DIR=/var/lib/peerbot \
    PEERBOT_HTTP_PORT=3002
# git for the file driver's optional config repository; openssh-client for ssh-keyscan;
# bgpq4 for the IRR prefix lists (drivers/irr).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates bgpq4 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /var/lib/peerbot --shell /usr/sbin/nologin peerbot
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/prisma/schema.prisma ./prisma/schema.prisma
COPY --from=build --chown=root:root /app/prisma/migrations ./prisma/migrations
COPY --from=build --chown=root:root /app/prisma/seed ./prisma/seed
COPY --from=build --chown=root:root /app/templates ./templates
COPY --from=build --chown=root:root /app/bin/container-entry.sh ./bin/container-entry.sh
USER peerbot
# Slack events, Discord interactions, operations (/healthz, /readyz, /metrics).
EXPOSE 3000 3001 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PEERBOT_HTTP_PORT}/healthz`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `start` applies pending migrations (in a child process), then serves Slack and Discord
# and runs the job workers. Run more `worker` containers to spread the jobs.
# node with the young generation sized for the subcommand: 64 MiB for the bot, 4 for a worker
# (bin/container-entry.sh says why).
ENTRYPOINT ["/bin/sh", "/app/bin/container-entry.sh"]
CMD ["start"]
