# datarun in one container: API + runner + embedded PostgreSQL (data in the /data volume).
# Every install step is scripts/setup.sh, which CI runs on every submission too.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
COPY runner ./runner
# Node dependencies, build, and Debian's python3-sklearn/python3-pandas for the runner;
# then drop the build-only packages.
RUN ./scripts/setup.sh --production \
 && rm -rf /var/lib/apt/lists/* /root/.npm

# Not root: the service, the embedded postgres and the jobs run as this user.
RUN useradd --system --create-home --uid 10001 datarun \
 && mkdir -p /data && chown datarun:datarun /data
USER datarun
ENV PORT=8000 DATARUN_DATA_DIR=/data NODE_ENV=production
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
