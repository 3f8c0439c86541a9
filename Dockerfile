# Livestream on Debian 12 with its GStreamer 1.22.
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM rust:1-bookworm AS build
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN bash deploy/install-deps.sh
COPY . .
RUN cargo build --release --locked --bin livestream

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
      gstreamer1.0-plugins-ugly gstreamer1.0-libav libsrt1.5-gnutls glib-networking ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/livestream /usr/local/bin/livestream
COPY --from=web /web/dist /usr/share/livestream/web
ENV LIVESTREAM_STORAGE__DATA_DIR=/var/lib/livestream \
    LIVESTREAM_HTTP__WEB_ROOT=/usr/share/livestream/web
VOLUME /var/lib/livestream
EXPOSE 8080 1935 8890/udp
ENTRYPOINT ["livestream"]
CMD ["serve"]
