# syntax=docker/dockerfile:1
# Build stage: install production dependencies (argon2 and sharp ship prebuilt binaries for glibc).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Run stage: the sources run through tsx, as `npm start` does; migrations are applied on start.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    CHROMIUM_PATH=/usr/bin/chromium
# Chromium renders the printable documents (labels, invoices) to PDF; the Thai fonts make Thai text render.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-thai-tlwg fonts-noto-core fontconfig \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY bots ./bots
COPY admin ./admin
COPY templates ./templates
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/main.ts"]
