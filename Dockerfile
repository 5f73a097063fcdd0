# seer-runs image: one image, three entry points (worker, API, fake Seer). The workflow code is
# bundled at build time so workers start without webpack.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run compile && node dist/src/temporal/prebundle.js dist/workflow-bundle.js

FROM node:20-bookworm-slim
# A container is reached through its network: listen on every interface. With production, this
# makes SEER_SHARED_SECRET and SEER_RUNS_API_TOKENS required (and not their development values).
# NODE_OPTIONS: a smaller young generation for short runs' garbage (NODE_RUNTIME_OPTIONS in
# src/stack/processes.ts, which npm start and the cluster use too; a test keeps them equal).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The base image's `node` user, by number: Kubernetes' runAsNonRoot can only check a numeric one.
USER 1000:1000
EXPOSE 8080 9464
# Worker by default; the API is `node dist/src/api/main.js`, the fake Seer `node dist/src/fake-seer/main.js`.
CMD ["node", "dist/src/worker.js"]
