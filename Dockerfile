# Multi-stage: build a static binary, ship it alone on a distroless,
# non-root base. Config and policies mount at /etc/tollgate.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tollgate ./cmd/tollgate \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mockllm ./cmd/mockllm

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tollgate /out/mockllm /usr/local/bin/
# Without a mounted config the embedded default serves the mock models.
# 8080: the model API. 9090: the ops listener (metrics, /ui, health, usage,
# pprof, reload); off loopback its endpoints need the admin key
# (TOLLGATE_ADMIN_KEY) or, for metrics/ui/health, the ops key (TOLLGATE_OPS_KEY).
ENV TOLLGATE_LISTEN=0.0.0.0:8080 TOLLGATE_OPS_LISTEN=0.0.0.0:9090
EXPOSE 8080 9090
USER nonroot:nonroot
# The embedded ledger defaults to ./data/ledger: keep it in the writable home
# (mount a volume there, or set metering.ledger_dir, to keep it across restarts).
WORKDIR /home/nonroot
VOLUME ["/etc/tollgate"]
ENTRYPOINT ["/usr/local/bin/tollgate"]
CMD ["serve"]
