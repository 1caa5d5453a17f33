# syntax=docker/dockerfile:1
#
# Runbridge, the bridge service.
#
#   docker build -t runbridge .
#   docker run -d -p 9009:9009 -v runbridge-data:/data \
#     -e GITHUB_TOKEN -e GITHUB_REPOSITORY=acme/ops -e RUNBRIDGE_ALERTMANAGER_TOKEN runbridge
#
# Configuration is environment variables only (bridge/config.ts lists them all).
#
# Runbooks: the image bakes in ./runbooks at build time (/app/runbooks). To run your own
# without rebuilding, mount them over it read-only:
#   -v "$PWD/runbooks:/app/runbooks:ro"
# or point RUNBRIDGE_RUNBOOKS at another mounted directory.
#
# State: the SQLite file (and its -wal/-shm) lives in the /data volume; keep it on a volume
# so executions, cooldowns and the audit trail survive restarts and upgrades.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript, then keep only production dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles its native addon when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

# npm ci's postinstall (scripts/node-runtime.mjs) checks that better-sqlite3 loads in the
# image's Node; that Node is 24, so the pinned one in tools/node is not needed here.
COPY package.json package-lock.json ./
COPY scripts/node-runtime.mjs ./scripts/
RUN npm ci

# The same build as `npm run build` and `npm start` (scripts/build-bridge.mjs): tsc checks the
# types, esbuild bundles the bridge into dist/bridge/main.js, and the files it reads at run time
# (SQL migrations, console assets) are copied under dist/bridge/. The Action has its own bundle (action/dist) and is not
# part of the image.
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-bridge.mjs ./scripts/
COPY schemas ./schemas
COPY bridge ./bridge
RUN npm run build:bridge \
  && npm prune --omit=dev

# ---- runtime: node, production node_modules, compiled bridge, runbooks ------------------
FROM ${NODE_IMAGE}
ENV HOST=0.0.0.0 \
    PORT=9009 \
    RUNBRIDGE_DB=/data/runbridge.db \
    RUNBRIDGE_RUNBOOKS=/app/runbooks \
    NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=32768

RUN groupadd --system --gid 10001 runbridge \
  && useradd --system --uid 10001 --gid runbridge --home-dir /app --shell /usr/sbin/nologin runbridge \
  && mkdir -p /data \
  && chown runbridge:runbridge /data

WORKDIR /app
# package.json carries "type": "module", which the compiled ESM in dist/ needs.
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY runbooks ./runbooks

USER 10001:10001
VOLUME /data
EXPOSE 9009

# slim images have no curl; node's own fetch checks the bridge's liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9009)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "--max-semi-space-size=8", "--expose-gc", "--invocation-count-for-maglev=5000", "--invocation-count-for-turbofan=100000", "--bytecode-old-age=1", "--flush-baseline-code", "dist/bridge/main.js"]
