#!/usr/bin/env bash
# Local stand-ins for the base images that deploy/Dockerfile and the compose file name, made
# from Debian bookworm's packages, for a Docker engine that can pull nothing (no registry).
# Each is tagged with the very name the files use, so `docker build -f deploy/Dockerfile .`
# builds the Dockerfile users run, unchanged:
#
#   rust:1.95-slim-bookworm                debian:bookworm-slim-like minbase + ca-certificates,
#                                          gcc, libc6-dev (what the official slim image adds) +
#                                          THIS machine's Rust toolchain (rustc, cargo, rust-std)
#                                          under /usr/local/rustup, cargo/rustc in /usr/local/cargo/bin,
#                                          + this machine's local CA certificates, if any
#   gcr.io/distroless/cc-debian12:nonroot  FROM-scratch tree of the packages distroless cc has
#                                          (libc6, libssl3, libgcc-s1, libgomp1, libstdc++6,
#                                          base-files, netbase, tzdata, media-types), the CA
#                                          bundle, passwd/group with nonroot 65532; no shell
#   redis:7.0-bookworm                     minbase + Debian's redis-server (7.0), entrypoint like
#                                          the official image's (protected mode off, runs as redis)
#   postgres:15-bookworm                   minbase + Debian's postgresql (15); entrypoint like the
#                                          official image's: POSTGRES_PASSWORD/USER/DB, initdb on
#                                          first start, scram-sha-256 for host connections
#
# Usage:
#   deploy/local-base-images.sh [--force] [rust|distroless|redis|postgres ...]
#   deploy/local-base-images.sh --build-cli   # only print the docker CLI that builds with BuildKit
#
# With no names it makes all four. Each image carries the label org.tower-health.stand-in: a
# hash of this script (and, for the Rust image, `rustc -V`); an image of that name with the same
# stamp is kept ("skip"), --force rebuilds it. The Rust toolchain is the one `rustc` on PATH runs
# (RUSTUP_TOOLCHAIN=1.95.0 picks another rustup toolchain); it must be 1.95.x. The CA
# certificates this machine added in /usr/local/share/ca-certificates (a TLS-inspecting proxy's,
# say) are trusted in the Rust image too, so cargo reaches crates.io from the build stage.
#
# Needs root for mmdebstrap (sudo otherwise) and installs mmdebstrap with apt-get when missing.
# Reaches deb.debian.org only. Then build with BuildKit (the last line printed says which docker
# CLI can: a CLI from Docker 23 on needs the buildx plugin for it, an older one has it built in):
#   DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile -t tower-health-server .
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
RUST_IMAGE=rust:1.95-slim-bookworm
RUST_MINOR=1.95
DISTROLESS_IMAGE=gcr.io/distroless/cc-debian12:nonroot
REDIS_IMAGE=redis:7.0-bookworm
POSTGRES_IMAGE=postgres:15-bookworm
STAMP_LABEL=org.tower-health.stand-in
SUITE=bookworm
MIRRORS=(
    "deb http://deb.debian.org/debian $SUITE main"
    "deb http://deb.debian.org/debian $SUITE-updates main"
    "deb http://deb.debian.org/debian-security $SUITE-security main"
)
# debian:bookworm-slim leaves these out of every package; so do the Debian-based stand-ins.
SLIM_DPKG_OPTS=(
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-include=/usr/share/locale/locale.alias'
    --dpkgopt='path-exclude=/usr/share/groff/*'
    --dpkgopt='path-exclude=/usr/share/lintian/*'
)
# What distroless cc-debian12 is made of (its static + base + cc package lists).
DISTROLESS_PACKAGES=(base-files netbase tzdata media-types libc6 libssl3 libgcc-s1 gcc-12-base libgomp1 libstdc++6)
BASE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Debian's place for a machine's own CA certificates; the Rust image trusts them too.
LOCAL_CA_DIR=/usr/local/share/ca-certificates

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
say() { printf 'local-base-images: %s\n' "$*"; }
die() { printf 'local-base-images: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Hooks: run by mmdebstrap (as root, on the host) with the chroot as the last argument.

hook_rust() {
    local sysroot=$1 version=$2 host=$3 root=$4
    local toolchain="$version-$host"
    local dest="$root/usr/local/rustup/toolchains/$toolchain"
    local components=("rustc-$host" "cargo-$host" "rust-std-$host")
    mkdir -p "$dest" "$root/usr/local/cargo/bin"
    # The files of the components rustup's minimal profile installs, as the toolchain's own
    # manifests list them (no docs, clippy or rustfmt).
    (
        cd "$sysroot"
        for component in "${components[@]}"; do
            cut -d: -f2- "lib/rustlib/manifest-$component"
            echo "lib/rustlib/manifest-$component"
        done
        echo lib/rustlib/rust-installer-version
    ) | tar -C "$sysroot" -cf - -T - | tar -C "$dest" -xf -
    printf '%s\n' "${components[@]}" >"$dest/lib/rustlib/components"
    for tool in cargo rustc rustdoc; do
        ln -s "../../rustup/toolchains/$toolchain/bin/$tool" "$root/usr/local/cargo/bin/$tool"
    done
    # rustup's settings, as rustup-init leaves them (no rustup binary here: cargo and rustc are
    # links to the toolchain, not rustup proxies).
    printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n\n[overrides]\n' "$toolchain" \
        >"$root/usr/local/rustup/settings.toml"
    # As the official image does, so any user can add to the registry and toolchain.
    chmod -R a+w "$root/usr/local/rustup" "$root/usr/local/cargo"
    # The CA certificates added on this machine (say, a TLS-inspecting proxy's), so that cargo
    # in the build stage reaches crates.io wherever this machine does.
    local certs=("$LOCAL_CA_DIR"/*.crt)
    if [ -f "${certs[0]}" ]; then
        cp "${certs[@]}" "$root/usr/local/share/ca-certificates/"
        chroot "$root" update-ca-certificates >/dev/null
    fi
}

hook_distroless() {
    local out=$1 root=$2
    local tree pkg debs
    tree=$(mktemp -d "$(dirname "$out")/distroless.XXXXXX")
    for pkg in "${DISTROLESS_PACKAGES[@]}"; do
        debs=("$root"/var/cache/apt/archives/"${pkg}"_*.deb)
        if [ "${#debs[@]}" -ne 1 ] || [ ! -f "${debs[0]}" ]; then
            die "distroless: expected one .deb of $pkg, found: ${debs[*]}"
        fi
        dpkg-deb -x "${debs[0]}" "$tree"
        # Like distroless: one status file per package, for scanners (there is no dpkg).
        mkdir -p "$tree/var/lib/dpkg/status.d"
        dpkg-deb -f "${debs[0]}" >"$tree/var/lib/dpkg/status.d/$pkg"
    done
    # The bundle update-ca-certificates generated in the chroot (only the bundle, like distroless).
    install -D -m 0644 "$root/etc/ssl/certs/ca-certificates.crt" "$tree/etc/ssl/certs/ca-certificates.crt"
    cat >"$tree/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
    cat >"$tree/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
    cat >"$tree/etc/nsswitch.conf" <<'EOF'
passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
EOF
    chmod 0644 "$tree/etc/passwd" "$tree/etc/group" "$tree/etc/nsswitch.conf"
    install -d -m 0700 "$tree/root"
    install -d -m 0755 "$tree/home"
    install -d -m 0700 -o 65532 -g 65532 "$tree/home/nonroot"
    install -d -m 1777 "$tree/tmp"
    # No shell, no package manager: nothing in a bin directory at all.
    local found
    found=$(find "$tree" \( -path '*/bin/*' -o -path '*/sbin/*' \
        -o \( ! -type d \( -name sh -o -name bash -o -name dash -o -name dpkg -o -name 'apt-get' \) \) \) -print)
    [ -z "$found" ] || die "distroless: unexpected programs: $found"
    tar --numeric-owner -C "$tree" -cf "$out" .
    rm -rf "$tree"
}

hook_redis() {
    local root=$1
    chroot "$root" redis-server --version | grep -q ' v=7\.0\.' \
        || die "redis: Debian's redis-server is not 7.0: $(chroot "$root" redis-server --version)"
    # chown inside the chroot: the redis user's uid is the one the package made there.
    mkdir -p "$root/data"
    chroot "$root" chown redis:redis /data
    cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/bash
# Stand-in for the official redis image's entrypoint: `redis-server` (the default command, or
# a `command:` of redis-server arguments) runs as the redis user with protected mode off
# unless a config file given as the first argument sets protected-mode itself.
set -e

# The first argument is an option or a config file: redis-server is meant.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

# As root: hand /data to redis, then run this script again as redis (setpriv, from util-linux,
# where the official image has gosu; it execs, so redis-server stays PID 1).
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# A umask that keeps the data private, unless one was chosen.
if [ "$(umask)" = 0022 ]; then umask 0077; fi

if [ "$1" = redis-server ]; then
    config=
    protected=1
    if [ -f "${2:-}" ]; then
        config=$2
        if grep -q '^protected-mode' "$config"; then protected=; fi
    fi
    if [ -n "$protected" ]; then
        shift
        if [ -n "$config" ]; then shift; fi
        set -- --protected-mode no "$@"
        if [ -n "$config" ]; then set -- "$config" "$@"; fi
        set -- redis-server "$@"
    fi
fi

exec "$@"
EOF
    chmod 0755 "$root/usr/local/bin/docker-entrypoint.sh"
}

hook_postgres() {
    local root=$1
    local majors
    majors=$(ls "$root/usr/lib/postgresql")
    [ "$majors" = 15 ] || die "postgres: expected PostgreSQL 15 from Debian, found: $majors"
    # The package made a cluster "main"; the image initialises its own on first start.
    chroot "$root" pg_dropcluster 15 main 2>/dev/null || rm -rf "$root/var/lib/postgresql/15" "$root/etc/postgresql/15"
    sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$root/usr/share/postgresql/15/postgresql.conf.sample"
    grep -q "^listen_addresses = '\*'" "$root/usr/share/postgresql/15/postgresql.conf.sample" \
        || die "postgres: could not set listen_addresses in postgresql.conf.sample"
    mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql" "$root/docker-entrypoint-initdb.d"
    chroot "$root" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
    chmod 1777 "$root/var/lib/postgresql/data"
    chmod 3777 "$root/var/run/postgresql"
    cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/bash
# Stand-in for the official postgres image's entrypoint (the part a compose file uses):
#   POSTGRES_PASSWORD   required (unless POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER       superuser, default postgres
#   POSTGRES_DB         database created on first start, default $POSTGRES_USER
#   POSTGRES_HOST_AUTH_METHOD  for host connections from anywhere, default scram-sha-256
#   POSTGRES_INITDB_ARGS       extra initdb arguments
#   /docker-entrypoint-initdb.d/*.sh, *.sql  run once, after initdb
# On first start (no $PGDATA/PG_VERSION) it runs initdb, then execs postgres as the postgres
# user, so postgres is PID 1 and gets the stop signal itself.
set -Eeo pipefail

if [ "${1#-}" != "$1" ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 00700 "$PGDATA"
    mkdir -p /var/run/postgresql
    chown postgres:postgres /var/run/postgresql
    chmod 03775 /var/run/postgresql
    # setpriv (util-linux) where the official image has gosu: it execs, no process in between.
    HOME=/var/lib/postgresql exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_USER:=postgres}"
    : "${POSTGRES_DB:=$POSTGRES_USER}"
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       (or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password)
MSG
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 00700 "$PGDATA"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") ${POSTGRES_INITDB_ARGS:-}
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

    # A server on the Unix socket only, for the set-up.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    psql_setup=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    if [ "$POSTGRES_DB" != postgres ]; then
        "${psql_setup[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case $f in
            *.sh)
                echo "$0: running $f"
                # shellcheck disable=SC1090 # the user's init scripts
                if [ -x "$f" ]; then "$f"; else . "$f"; fi
                ;;
            *.sql) echo "$0: running $f"; "${psql_setup[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *) [ -e "$f" ] && echo "$0: ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo
    echo 'PostgreSQL init process complete; ready for start up.'
    echo
fi

exec "$@"
EOF
    chmod 0755 "$root/usr/local/bin/docker-entrypoint.sh"
}

if [ "${1:-}" = --hook ]; then
    shift
    what=$1
    shift
    "hook_$what" "$@"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The images.

# The docker CLI that builds deploy/Dockerfile here: it needs BuildKit. A docker CLI from Docker 23
# on hands BuildKit builds to the buildx plugin and refuses DOCKER_BUILDKIT=1 without it; an
# older CLI (Debian bookworm's docker.io, 20.10) has the BuildKit client built in. Prints
# `docker`, or the path of an older CLI; fails when none can.
build_cli() {
    local cli major
    if docker buildx version >/dev/null 2>&1; then
        echo docker
        return
    fi
    while read -r cli; do
        major=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1) || continue
        if [ -n "$major" ] && [ "$major" -lt 23 ]; then
            if [ "$cli" = "$(type -P docker)" ]; then cli=docker; fi
            echo "$cli"
            return
        fi
    done < <(type -ap docker /usr/bin/docker 2>/dev/null | awk '!seen[$0]++')
    return 1
}

# The command that builds deploy/Dockerfile here.
build_command() {
    local cli
    if cli=$(build_cli); then
        echo "DOCKER_BUILDKIT=1 $cli build"
    else
        echo "docker build  # needs BuildKit: install the buildx plugin, or use a docker CLI older than 23"
    fi
}

usage() { sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; }

force=
wanted=()
for arg in "$@"; do
    case $arg in
        --force) force=1 ;;
        --build-cli)
            build_cli || die "no docker CLI here builds with BuildKit: install the buildx plugin, or Debian's docker.io"
            exit 0
            ;;
        -h | --help) usage; exit 0 ;;
        rust | "$RUST_IMAGE") wanted+=(rust) ;;
        distroless | "$DISTROLESS_IMAGE") wanted+=(distroless) ;;
        redis | "$REDIS_IMAGE") wanted+=(redis) ;;
        postgres | "$POSTGRES_IMAGE") wanted+=(postgres) ;;
        *) usage >&2; die "unknown argument: $arg" ;;
    esac
done
if [ "${#wanted[@]}" -eq 0 ]; then wanted=(rust distroless redis postgres); fi

command -v docker >/dev/null || die "docker not found"
docker info >/dev/null 2>&1 || die "cannot reach the Docker engine (docker info failed)"
if ! command -v mmdebstrap >/dev/null; then
    say "installing mmdebstrap (apt-get)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
fi

script_hash=$(sha256sum "$SELF" | cut -c1-16)
work=$(mktemp -d "${TMPDIR:-/tmp}/local-base-images.XXXXXX")
trap 'as_root rm -rf "$work"' EXIT

# mmdebstrap minbase with the Debian mirrors into TARGET (- for a tar on stdout, /dev/null for
# none); its progress goes to LOG, shown only when it fails.
debootstrap() {
    local log=$1 target=$2
    shift 2
    if ! as_root mmdebstrap --mode=root --variant=minbase "$@" "$SUITE" "$target" "${MIRRORS[@]}" </dev/null 2>"$log"; then
        tail -n 40 "$log" >&2
        return 1
    fi
}

# A --customize-hook that runs this script's hook_<name> with ARGS and the chroot (sh's "$1").
# shellcheck disable=SC2016 # the $1 is for the sh that mmdebstrap runs the hook with
hook() { printf '%q ' "$SELF" --hook "$@"; printf '"$1"'; }

current_stamp() {
    docker image inspect --format "{{ index .Config.Labels \"$STAMP_LABEL\" }}" "$1" 2>/dev/null || true
}

# A rebuilt image takes the name; the one it replaces is removed when nothing uses it.
retire() {
    local old=$1 name=$2
    if [ -n "$old" ] && [ "$old" != "$(docker image inspect --format '{{.Id}}' "$name")" ]; then
        docker image rm "$old" >/dev/null 2>&1 || true
    fi
}

# `docker import --change` takes no STOPSIGNAL: a one-line build on the imported image sets it,
# with the classic builder (every docker CLI has it, with or without buildx; no registry).
set_stopsignal() {
    if ! printf 'FROM %s\nSTOPSIGNAL %s\n' "$1" "$2" \
        | DOCKER_BUILDKIT=0 docker build -q -t "$1" - >/dev/null 2>"$work/stopsignal.log"; then
        cat "$work/stopsignal.log" >&2
        die "$1: could not set STOPSIGNAL $2"
    fi
}

image_size() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

# Runs `build_<kind>` unless the image's stamp is current; prints what it did and how long.
make_image() {
    local kind=$1 name=$2 stamp=$3 start old
    if [ -z "$force" ] && [ "$(current_stamp "$name")" = "$stamp" ]; then
        say "skip  $name (stamp $stamp is current; --force rebuilds)"
        return
    fi
    start=$(now)
    old=$(docker image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
    say "build $name ..."
    "build_$kind" "$name" "$stamp"
    retire "$old" "$name"
    "check_$kind" "$name"
    say "built $name in $(since "$start"), $(image_size "$name")"
}

labels() {
    printf '%s\n' --change "LABEL $STAMP_LABEL=\"$2\"" \
        --change "LABEL org.opencontainers.image.description=\"local stand-in for $1, made by deploy/local-base-images.sh from Debian $SUITE packages\""
}

build_rust() {
    local name=$1 stamp=$2 changes
    mapfile -t changes < <(labels "$name" "$stamp")
    debootstrap "$work/rust.log" - "${SLIM_DPKG_OPTS[@]}" --include=ca-certificates,gcc,libc6-dev \
        --customize-hook="$(hook rust "$rust_sysroot" "$rust_version" "$rust_host")" \
        | docker import "${changes[@]}" \
            --change 'ENV RUSTUP_HOME=/usr/local/rustup' \
            --change 'ENV CARGO_HOME=/usr/local/cargo' \
            --change "ENV PATH=/usr/local/cargo/bin:$BASE_PATH" \
            --change "ENV RUST_VERSION=$rust_version" \
            --change 'CMD ["bash"]' \
            - "$name" >/dev/null
}

check_rust() {
    local out
    # The toolchain answers, and builds and links a program (gcc, libc6-dev), offline.
    out=$(docker run --rm --network none "$1" sh -c \
        'cargo -V && rustc -V && cd /tmp && cargo new -q hello && cd hello && cargo run -q --offline' 2>&1) \
        || die "$1: the toolchain does not work: $out"
    grep -q "^rustc $RUST_MINOR\." <<<"$out" || die "$1: not rustc $RUST_MINOR: $out"
    grep -q '^Hello, world!$' <<<"$out" || die "$1: hello world did not run: $out"
    say "check $1: $(sed -n 2p <<<"$out"), $(sed -n 1p <<<"$out"), hello world builds and runs"
}

build_distroless() {
    local name=$1 stamp=$2 changes include
    mapfile -t changes < <(labels "$name" "$stamp")
    include=$(IFS=,; echo "${DISTROLESS_PACKAGES[*]},ca-certificates")
    # A throw-away minbase chroot that installs the packages (update-ca-certificates makes the
    # bundle); the hook unpacks only the wanted .debs (kept: essential/unlink skipped) into a
    # tree of their own, tarred up for `docker import`.
    debootstrap "$work/distroless.log" /dev/null --skip=essential/unlink --include="$include" \
        --customize-hook="$(hook distroless "$work/distroless.tar")"
    docker import "${changes[@]}" \
        --change "ENV PATH=$BASE_PATH" \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'USER 65532' \
        --change 'WORKDIR /home/nonroot' \
        "$work/distroless.tar" "$name" >/dev/null
}

check_distroless() {
    local files
    files=$(docker create "$1" /nothing)
    local listing
    listing=$(docker export "$files" | tar -t)
    docker rm "$files" >/dev/null
    for wanted in lib64/ld-linux-x86-64.so.2 lib/x86_64-linux-gnu/libgcc_s.so.1 \
        etc/ssl/certs/ca-certificates.crt usr/share/zoneinfo/UTC home/nonroot/ tmp/; do
        grep -qx "\./$wanted\|$wanted" <<<"$listing" || die "$1: $wanted is missing"
    done
    if grep -qE '(^|/)(bin|sbin)/.|(^|/)sh$' <<<"$listing"; then
        die "$1: has a bin directory or a shell"
    fi
    say "check $1: $(wc -l <<<"$listing") entries, loader, libgcc, CA bundle, zoneinfo; no shell, user $(docker image inspect --format '{{.Config.User}}' "$1")"
}

build_redis() {
    local name=$1 stamp=$2 changes
    mapfile -t changes < <(labels "$name" "$stamp")
    debootstrap "$work/redis.log" - "${SLIM_DPKG_OPTS[@]}" --include=redis-server \
        --customize-hook="$(hook redis)" \
        | docker import "${changes[@]}" \
            --change "ENV PATH=$BASE_PATH" \
            --change 'VOLUME /data' \
            --change 'WORKDIR /data' \
            --change 'EXPOSE 6379' \
            --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
            --change 'CMD ["redis-server"]' \
            - "$name" >/dev/null
}

# Starts the image, waits for its health command, stops it; the container's id on stdout.
try_service() {
    local name=$1 probe=$2 id i
    shift 2
    id=$(docker run -d --network none "$@" "$name")
    for i in $(seq 1 60); do
        if docker exec "$id" sh -c "$probe" >/dev/null 2>&1; then
            docker stop -t 20 "$id" >/dev/null
            local status
            status=$(docker inspect --format '{{.State.ExitCode}}' "$id")
            docker rm -v "$id" >/dev/null
            [ "$status" -eq 0 ] || die "$name: exited $status on docker stop"
            echo "$i"
            return
        fi
        if [ "$(docker inspect --format '{{.State.Running}}' "$id")" != true ]; then break; fi
        sleep 0.5
    done
    docker logs "$id" >&2 || true
    docker rm -fv "$id" >/dev/null
    die "$name: '$probe' never succeeded"
}

check_redis() {
    try_service "$1" 'redis-cli ping | grep -qx PONG && redis-cli config get protected-mode | grep -qx no' >/dev/null
    say "check $1: redis-cli ping answers PONG, protected-mode no, exits 0 on docker stop"
}

build_postgres() {
    local name=$1 stamp=$2 changes
    mapfile -t changes < <(labels "$name" "$stamp")
    debootstrap "$work/postgres.log" - "${SLIM_DPKG_OPTS[@]}" --include=postgresql,postgresql-client \
        --customize-hook="$(hook postgres)" \
        | docker import "${changes[@]}" \
            --change "ENV PATH=$BASE_PATH:/usr/lib/postgresql/15/bin" \
            --change 'ENV PG_MAJOR=15' \
            --change 'ENV PGDATA=/var/lib/postgresql/data' \
            --change 'ENV LANG=C.UTF-8' \
            --change 'VOLUME /var/lib/postgresql/data' \
            --change 'EXPOSE 5432' \
            --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
            --change 'CMD ["postgres"]' \
            - "$name" >/dev/null
    # Like the official image: docker stop sends SIGINT, postgres's fast shutdown (SIGTERM is a
    # smart shutdown, which waits for every client to disconnect).
    set_stopsignal "$name" SIGINT
}

check_postgres() {
    try_service "$1" 'pg_isready -U postgres -h 127.0.0.1 && psql -U postgres -h 127.0.0.1 -tAc "select 1" postgres' \
        -e POSTGRES_PASSWORD=stand-in-check >/dev/null
    say "check $1: initdb, pg_isready and psql answer, exits 0 on docker stop"
}

total=$(now)
for kind in "${wanted[@]}"; do
    case $kind in
        rust)
            rust_sysroot=$(rustc --print sysroot) || die "rustc not found: the Rust image copies this machine's toolchain"
            rust_version=$(rustc -V | awk '{ print $2 }')
            rust_host=$(rustc -vV | sed -n 's/^host: //p')
            case $rust_version in
                "$RUST_MINOR".*) ;;
                *) die "$RUST_IMAGE needs Rust $RUST_MINOR.x; rustc on PATH is $rust_version (try RUSTUP_TOOLCHAIN=$RUST_MINOR.0)" ;;
            esac
            local_cas=$(find "$LOCAL_CA_DIR" -maxdepth 1 -name '*.crt' 2>/dev/null | sort)
            if [ -n "$local_cas" ]; then
                say "$RUST_IMAGE will trust this machine's local CA certificates: $(xargs -n1 basename <<<"$local_cas" | paste -sd ' ' -)"
                cas_hash=$(xargs cat <<<"$local_cas" | sha256sum | cut -c1-16)
            else
                cas_hash=none
            fi
            make_image rust "$RUST_IMAGE" "$script_hash $(rustc -V) local-cas:$cas_hash"
            ;;
        distroless) make_image distroless "$DISTROLESS_IMAGE" "$script_hash" ;;
        redis) make_image redis "$REDIS_IMAGE" "$script_hash" ;;
        postgres) make_image postgres "$POSTGRES_IMAGE" "$script_hash" ;;
    esac
done
say "done in $(since "$total"); build the server with:"
say "  $(build_command) -f deploy/Dockerfile -t tower-health-server ."
