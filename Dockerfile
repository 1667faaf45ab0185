# syntax=docker/dockerfile:1
# Build stage: install every dependency, compile the sources to JavaScript (dist/), then drop the dev
# dependencies (argon2 and sharp ship prebuilt binaries for glibc).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bots ./bots
COPY admin ./admin
COPY templates ./templates
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run stage: the compiled JavaScript, as `npm start` runs it (no TypeScript loader in memory); migrations
# are applied on start. `npm run worker` runs dist/src/worker.js the same way.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    CHROMIUM_PATH=/usr/bin/chromium
# Chromium renders the printable documents (labels, invoices) to PDF; the Thai fonts make Thai text render.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-thai-tlwg fonts-noto-core fontconfig \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts ./scripts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# MALLOC_ARENA_MAX=2, as `npm start`: glibc otherwise gives each thread that allocates (the OCR and
# image threads, libvips) arenas of its own, up to 8 per core, and keeps their freed memory: reading ten
# slips peaked at 363 MB with it unset and 312 MB with 2 (1 GB server), with no slower orders or slips.
# MALLOC_MMAP_THRESHOLD_=131072, as `npm start`: glibc's own starting threshold, kept fixed. Left to move,
# it rises to the size of the largest block freed (up to 32 MB), and then blocks that size (a sign-in's
# 19 MB argon2 memory) come from the arenas, where they stay with the process once freed: fourteen
# sign-ins (six in a row, eight at once) kept 42 MB, with the fixed threshold 9 MB.
# scripts/start.mjs, as `npm start`: it gives the app V8's flags (scripts/node-flags.json: a small young
# generation, and V8's optimise-for-size mode with DATABASE_URL or its baseline WebAssembly compiler only
# without); with the embedded database (no DATABASE_URL) it first creates and migrates it in a
# process of its own (src/db/prepare.ts). It runs dist/ as it is (no sources here to rebuild from).
CMD ["node", "scripts/start.mjs"]
