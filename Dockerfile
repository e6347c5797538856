# syntax=docker/dockerfile:1
# peerbot: build the TypeScript once, then run the compiled build as a non-root user.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# Generates the Prisma client (no engine download: see prisma/generate.ts), then compiles.
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PEERBOT_DATA_DIR=/var/lib/peerbot
# git for the file driver's optional config repository; openssh-client for ssh-keyscan.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/peerbot --uid 10001 peerbot
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/prisma ./prisma
COPY --from=build --chown=root:root /app/templates ./templates
COPY --from=build --chown=root:root /app/bin ./bin
USER peerbot
EXPOSE 3000 3001
# `start` applies pending migrations (in a child process), then serves Slack and Discord
# and runs the job workers. Run more `worker` containers to spread the jobs.
# A 64 MiB young generation (V8's default is 16) halves the garbage collection of rendering
# a large router; an idle process keeps the same RSS (see bin/peerbot.js).
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/bot/main.js"]
CMD ["start"]
