# Node 24 is the current LTS line; the code also runs on Node 20.19 and later
# (package.json "engines").

# Build stage: every dependency (TypeScript; the embedded Postgres, a
# development dependency), then compile and drop the development dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
COPY vite.config.ts ./
COPY web ./web
COPY packages ./packages
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies and the compiled output only, owned by
# root and run as the unprivileged `node` user, so the process cannot change its
# own code. No compiler and no embedded Postgres: production needs DATABASE_URL.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
