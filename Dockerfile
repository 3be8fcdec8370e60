# ccm image: build stage compiles dist/ (the same `npm run build` the tests run), runtime stage holds only
# production dependencies and runs as the unprivileged `node` user.
#   docker compose up --build          (see docker-compose.yml and .env.example)
# Node 20 pinned to a patch release: better-sqlite3@12 needs Node 20 (package.json "engines": >=20.12).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The Messenger simulator's page (compose profile "simulator") is served from the source tree's public/ folder.
COPY --from=build --chown=node:node /app/apps/simulator/public ./apps/simulator/public
# data/media: the mount point of compose's shared media volume (a new volume takes this owner).
RUN mkdir -p /app/data/media && chown -R node:node /app/data
USER node
EXPOSE 3000
# The image's own check is liveness: the process answers. A database or Redis outage must not make a
# runtime restart ccm (it recovers by itself); docker-compose.yml checks readiness (/health/ready) instead,
# so the proxy starts only once a replica can take traffic.
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/ccm/apps/ccm/src/main.js"]
