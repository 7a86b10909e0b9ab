# syntax=docker/dockerfile:1
# The voice-portal ARI application. Two stages: compile TypeScript with the dev dependencies,
# then a slim runtime with production dependencies only, running as a non-root user.
#   docker build -t voice-portal .      (or: docker compose build, see docker-compose.yml)
# Pin by digest for reproducible builds: --build-arg NODE_IMAGE=node:20-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, in their own layer: source edits do not re-download them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm run build = tsc, then the Redis Lua scripts copied beside the compiled code
# (src/store/lua -> dist/src/store/lua), so dist/ is the whole application.
RUN npm run build

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_PORT=8080 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app
# Owned by root and not writable by the app's user: a compromised process cannot alter its code.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The official node image's unprivileged user (uid 1000).
USER node
EXPOSE 8080
# /readyz on HTTP_PORT (the app serves it when HTTP_PORT is set): healthy only while Redis and
# ARI answer, or as a working standby (200 too); /healthz would call a container healthy that
# cannot serve a single call. The slim image has no curl:
# ask with node itself; any answer but 200, an error or 4 s of silence is unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const r=require('http').get({host:'127.0.0.1',port:process.env.HTTP_PORT,path:'/readyz',timeout:4000},(s)=>process.exit(s.statusCode===200?0:1));r.on('error',()=>process.exit(1));r.on('timeout',()=>{r.destroy();process.exit(1);});"]
# npm start = node dist/src/main.js (package.json). npm passes SIGTERM on to node; compose adds
# an init process (init: true) as PID 1.
CMD ["npm", "start"]
