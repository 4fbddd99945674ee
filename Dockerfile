FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci applies these to node_modules (patch-package, the postinstall script)
COPY patches ./patches
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY drizzle ./drizzle
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli.js", "serve"]
