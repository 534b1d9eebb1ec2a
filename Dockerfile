# syntax=docker/dockerfile:1
#
# Plaza in a small static image:
#
#   docker build -t plaza --build-arg VERSION=$(git describe --tags --always) --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run -d --name plaza -p 8080:8080 -v plaza-data:/data plaza
#
# The binary is pure Go (CGO_ENABLED=0: the SQLite driver, modernc.org/sqlite,
# is Go), so the image holds nothing else but CA certificates (for webhook
# callbacks over HTTPS and PostgreSQL/NATS over TLS), an empty /tmp for
# SQLite's temporary files, and /data, owned by the non-root user that runs
# Plaza.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a change of code alone reuses their layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not sent to the build (.dockerignore): the version and revision
# come as build arguments.
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/plaza ./cmd/plaza \
 && mkdir -p /out/data /out/tmp \
 && chmod 0750 /out/data && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/tmp /tmp
COPY --from=build /out/plaza /usr/local/bin/plaza
# Settings as environment variables, so that docker run -e PLAZA_…
# changes them; they win over a config file's (flag > environment > file).
ENV PATH=/usr/local/bin \
    PLAZA_ADDR=0.0.0.0:8080 \
    PLAZA_DATA=/data
USER 65532:65532
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/plaza"]
CMD ["serve"]
