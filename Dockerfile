# The ledger service. Build: `docker build -t credits-ledger .` (or `docker compose build`).
# Stage 1 compiles on the full Debian image: better-sqlite3 is a native module and may need
# python3/make/g++ when no prebuilt binary matches.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` (bin/build-if-stale.js) runs at npm ci; it builds nothing until the sources are copied.
COPY bin ./bin
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY test/support ./test/support
COPY bench ./bench
COPY config ./config
RUN npm run build \
 && npm prune --omit=dev

# Stage 2 runs on the same Debian release and Node major, so the compiled native module still loads.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    LEDGER_DATA_DIR=/data \
    EVENTSTORE_CONNECTION_STRING=
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/config ./config
# Read models (and the SQLite event store when no EventStoreDB is configured) live here.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/ledger/src/main.js"]
