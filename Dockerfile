# syntax=docker/dockerfile:1
# Tagbridge's image: `docker build -t tagbridge .` at the repository root (docs/deploy.md).
# Three stages: production dependencies (better-sqlite3 compiled here), the build (every dependency, then the
# `prepare` script: tsc and the browser bundles), and a slim runtime that holds neither compilers nor dev
# dependencies and runs as an unprivileged user.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- deps: `npm ci --omit=dev` with the tools to compile better-sqlite3 when no prebuilt binary fits ---
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (tsc) needs the dev dependencies, which this stage leaves out; the one native
# module's install script then runs on its own.
RUN npm ci --omit=dev --ignore-scripts \
  && npm rebuild better-sqlite3 \
  && node -e "new (require('better-sqlite3'))(':memory:').close()" \
  && npm cache clean --force

# --- build: every dependency; `npm ci` runs `prepare`, which writes dist/ ---
FROM deps AS build
COPY . .
RUN npm ci && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
ENV DATA_DIR=/data \
  PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The browser code (the pixel) is bundled from its TypeScript source by esbuild at run time.
COPY --from=build /app/src ./src
COPY package.json package-lock.json ./
COPY bin ./bin
# DATA_DIR: the SQLite database and the generated key in the embedded mode, mail files without SMTP_URL.
# Owner-only, like the files Tagbridge writes into it. 1000 is the image's `node` user: numeric, so
# Kubernetes' runAsNonRoot can check it.
RUN mkdir -p /data && chown 1000:1000 /data && chmod 0700 /data
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8080
# Node's fetch: the slim image has neither curl nor wget. Answers for both roles (a worker serves /health
# on PORT too).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/tagbridge.js"]
CMD ["serve", "--role", "all"]
