# One Dockerfile for the whole workspace: one release build of every binary (dependencies compiled
# once and kept in BuildKit cache mounts), then one small runtime image per service:
#
#   docker build --target auth-service    -t gmail-unread-auth-service .
#   docker build --target gmail-service   -t gmail-unread-gmail-service .
#   docker build --target frontend        -t gmail-unread-frontend .
#   docker build --target google-emulator -t gmail-unread-google-emulator .
#
# (`docker compose build` does all four; the build stage runs once for them.)
#
# Base images are build args whose defaults are the official images. CI machines, which cannot pull,
# pass local look-alikes instead (see .ci/compose-e2e); the path is otherwise the same.
#   RUST_IMAGE     the build toolchain (Debian bookworm, so its glibc matches the runtime's)
#   RUNTIME_IMAGE  distroless "cc": glibc, libgcc, CA certificates, a `nonroot` user; no shell,
#                  no package manager. Any Debian 12 image works too (e.g. debian:bookworm-slim,
#                  about 75 MB larger).
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

# ------------------------------------------------------------------------------------------ build
FROM ${RUST_IMAGE} AS build
WORKDIR /src
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0 \
    CARGO_NET_RETRY=5
COPY . .
# Cache mounts keep the crates.io downloads and the compiled dependencies between builds, so a
# source change rebuilds only the workspace crates. `sharing=locked`: one cargo at a time.
RUN --mount=type=cache,id=gmail-unread-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=gmail-unread-target,target=/src/target,sharing=locked \
    cargo build --release --locked --bins \
        -p auth-service -p gmail-service -p frontend -p google-emulator \
 && mkdir -p /out \
 && cp target/release/auth-service target/release/gmail-service \
       target/release/frontend target/release/google-emulator /out/ \
 && rustc --edition 2021 -C opt-level=s -C strip=symbols -C panic=abort \
       -o /out/healthcheck docker/healthcheck.rs

# ---------------------------------------------------------------------- common runtime settings
FROM ${RUNTIME_IMAGE} AS runtime
# The CA bundle of the build image, so TLS trust does not depend on the runtime base.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# `healthcheck URL`: exit 0 on a 2xx answer (no shell or curl in the image).
COPY --from=build /out/healthcheck /usr/local/bin/healthcheck
ENV LOG_FORMAT=json
# distroless' `nonroot`; numeric, so it holds whatever the base image's /etc/passwd says.
USER 65532:65532
# The services drain in-flight requests on SIGTERM (actix-web's graceful shutdown).
STOPSIGNAL SIGTERM

# ----------------------------------------------------------------------------- one per service
FROM runtime AS auth-service
COPY --from=build /out/auth-service /usr/local/bin/auth-service
ENV LISTEN_ADDR=0.0.0.0:5001
EXPOSE 5001
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:5001/healthz"]
ENTRYPOINT ["/usr/local/bin/auth-service"]

FROM runtime AS gmail-service
COPY --from=build /out/gmail-service /usr/local/bin/gmail-service
ENV LISTEN_ADDR=0.0.0.0:5002
EXPOSE 5002
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:5002/healthz"]
ENTRYPOINT ["/usr/local/bin/gmail-service"]

FROM runtime AS frontend
COPY --from=build /out/frontend /usr/local/bin/frontend
ENV LISTEN_ADDR=0.0.0.0:5000
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:5000/healthz"]
ENTRYPOINT ["/usr/local/bin/frontend"]

FROM runtime AS google-emulator
COPY --from=build /out/google-emulator /usr/local/bin/google-emulator
ENV LISTEN_ADDR=0.0.0.0:5003
EXPOSE 5003
HEALTHCHECK --interval=10s --timeout=4s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:5003/healthz"]
ENTRYPOINT ["/usr/local/bin/google-emulator"]
