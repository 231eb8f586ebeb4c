# sfzoom container image: a static binary on distroless, run as a non-root user.
#
#   docker build --build-arg VERSION=v1.0.0 -t sfzoom:v1.0.0 .
#   docker run -p 8080:8080 --env-file sfzoom.env -v sfzoom-data:/var/lib/sfzoom sfzoom:v1.0.0
#
# See docs/install.md ("Containers") and compose.yaml for PostgreSQL with replicas.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# modernc.org/sqlite is pure Go, so the binary needs no C library: fully static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/sfzoom ./cmd/sfzoom \
 && /out/sfzoom version \
 && mkdir -p /out/data

# distroless/static: CA certificates and tzdata, no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sfzoom /sfzoom
# The SQLite data folder, owned by the non-root user (65532, "nonroot").
COPY --from=build --chown=65532:65532 /out/data /var/lib/sfzoom
USER 65532:65532
ENV SFZOOM_ADDR=:8080 \
    SFZOOM_DATABASE_URL=sqlite:/var/lib/sfzoom/sfzoom.db \
    SFZOOM_LOG_FORMAT=json
VOLUME ["/var/lib/sfzoom"]
EXPOSE 8080
# No shell in the image: the binary checks itself (GET http://127.0.0.1:PORT/healthz, exit 0 or 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/sfzoom", "healthcheck"]
ENTRYPOINT ["/sfzoom"]
CMD ["serve"]
