# shellcheck shell=bash
# The local registry: Debian's docker-registry on 127.0.0.1:$REGISTRY_PORT, holding one tiny
# image (library/busybox:latest) built from busybox-static with umoci and pushed with skopeo.
# The image and the registry storage are built once per run (registry_build, in a network
# namespace of its own) and cached under .work; each case serves that storage from its own
# network namespace (registry_start / registry_stop, by PID).

REGISTRY_PORT=${REGISTRY_PORT:-5000}
TEST_IMAGE=library/busybox:latest

registry_config() { # registry_config <storage> <out> [port]
  cat >"$2" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $1
  delete:
    enabled: false
http:
  addr: 127.0.0.1:${3:-$REGISTRY_PORT}
EOF
}

registry_build() {
  local img=$WORK/image storage=$WORK/registry-storage
  if [[ -f $storage/.complete ]]; then
    echo "registry: cached image in $storage"
    return 0
  fi
  rm -rf "$img" "$storage"
  mkdir -p "$img" "$storage"
  (
    set -e
    cd "$img"
    umoci init --layout layout
    umoci new --image layout:latest
    umoci unpack --image layout:latest bundle
    mkdir -p bundle/rootfs/bin
    install -m 0755 /bin/busybox bundle/rootfs/bin/busybox
    for applet in sh echo cat ls true; do ln -s busybox "bundle/rootfs/bin/$applet"; done
    umoci repack --image layout:latest bundle
    umoci config --image layout:latest --os linux --architecture amd64 \
      --config.cmd /bin/sh --config.env PATH=/bin
  ) >"$WORK/image-build.log" 2>&1 || {
    echo "registry: image build failed, see $WORK/image-build.log" >&2
    return 1
  }
  # Push into the cached storage from a throwaway network namespace.
  unshare --net --fork bash -c '
    set -e
    ip link set lo up
    source "$1/lib/registry.sh"; source "$1/lib/mirror.sh"
    trap registry_stop EXIT
    registry_start "$2/image"
    skopeo copy --quiet --dest-tls-verify=false "oci:$3/layout:latest" \
      "docker://127.0.0.1:$REGISTRY_PORT/$4"
  ' _ "$SYSTEM_TESTS" "$WORK" "$img" "$TEST_IMAGE" >>"$WORK/image-build.log" 2>&1 || {
    echo "registry: push failed, see $WORK/image-build.log" >&2
    return 1
  }
  touch "$storage/.complete"
  echo "registry: built $TEST_IMAGE into $storage"
}

registry_start() { # registry_start <log-dir>
  local storage=$WORK/registry-storage
  REGISTRY_LOG=$1/registry.log
  registry_config "$storage" "$1/registry.yml"
  /usr/bin/docker-registry serve "$1/registry.yml" >"$REGISTRY_LOG" 2>&1 &
  REGISTRY_PID=$!
  wait_for_port "$REGISTRY_PORT" "$REGISTRY_PID" || { echo "registry did not start" >&2; return 1; }
}

registry_stop() {
  [[ -n ${REGISTRY_PID:-} ]] || return 0
  kill "$REGISTRY_PID" 2>/dev/null
  wait "$REGISTRY_PID" 2>/dev/null || true
  REGISTRY_PID=""
}

# A second registry on another port, serving the same storage, for switching mirrors.
REGISTRY2_PORT=${REGISTRY2_PORT:-5001}
registry2_start() { # registry2_start <log-dir>
  REGISTRY2_LOG=$1/registry2.log
  registry_config "$WORK/registry-storage" "$1/registry2.yml" "$REGISTRY2_PORT"
  /usr/bin/docker-registry serve "$1/registry2.yml" >"$REGISTRY2_LOG" 2>&1 &
  REGISTRY2_PID=$!
  wait_for_port "$REGISTRY2_PORT" "$REGISTRY2_PID" || { echo "registry 2 did not start" >&2; return 1; }
}
registry2_stop() {
  [[ -n ${REGISTRY2_PID:-} ]] || return 0
  kill "$REGISTRY2_PID" 2>/dev/null
  wait "$REGISTRY2_PID" 2>/dev/null || true
  REGISTRY2_PID=""
}

# Manifest requests the registry answered for the test image.
registry_manifest_hits() {
  grep -c 'GET /v2/library/busybox/manifests/' "$REGISTRY_LOG" || true
}

# A TLS registry on 127.0.0.1:$REGISTRY_TLS_PORT, serving the same storage with a certificate
# for IP 127.0.0.1 signed by a CA of its own, made per case (openssl) in <dir>: ca.pem is
# what the spec delivers; nothing on the node trusts it otherwise.
REGISTRY_TLS_PORT=${REGISTRY_TLS_PORT:-5443}
registry_tls_start() { # registry_tls_start <dir>
  local d=$1
  REGISTRY_TLS_LOG=$d/registry-tls.log
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=nodespec-test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
      -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\n' >"$d/server.ext" &&
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
      -CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null ||
    { echo "openssl could not make the test certificates" >&2; return 1; }
  registry_config "$WORK/registry-storage" "$d/registry-tls.yml" "$REGISTRY_TLS_PORT"
  printf '  tls:\n    certificate: %s\n    key: %s\n' "$d/server.pem" "$d/server.key" \
    >>"$d/registry-tls.yml"
  /usr/bin/docker-registry serve "$d/registry-tls.yml" >"$REGISTRY_TLS_LOG" 2>&1 &
  REGISTRY_TLS_PID=$!
  wait_for_port "$REGISTRY_TLS_PORT" "$REGISTRY_TLS_PID" ||
    { echo "TLS registry did not start" >&2; return 1; }
}
registry_tls_stop() {
  [[ -n ${REGISTRY_TLS_PID:-} ]] || return 0
  kill "$REGISTRY_TLS_PID" 2>/dev/null
  wait "$REGISTRY_TLS_PID" 2>/dev/null || true
  REGISTRY_TLS_PID=""
}

# A registry on 127.0.0.1:$REGISTRY_AUTH_PORT that wants HTTP basic authentication
# (htpasswd, bcrypt made with Python's crypt) for $REGISTRY_AUTH_USER and the password in
# <dir>/registry.pass, serving the same storage.
REGISTRY_AUTH_PORT=${REGISTRY_AUTH_PORT:-5002}
REGISTRY_AUTH_USER=ci
registry_auth_start() { # registry_auth_start <dir>
  local d=$1
  REGISTRY_AUTH_LOG=$d/registry-auth.log
  # Characters a shell, TOML or Jinja would trip on, and the final newline an editor adds.
  printf '%s\n' 'p@ss w:rd"$(x)\{{y}}' >"$d/registry.pass"
  python3 -W ignore -c 'import crypt, sys
password = open(sys.argv[2]).read().removesuffix("\n")
print(sys.argv[1] + ":" + crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
    "$REGISTRY_AUTH_USER" "$d/registry.pass" >"$d/htpasswd" ||
    { echo "could not make the htpasswd file" >&2; return 1; }
  registry_config "$WORK/registry-storage" "$d/registry-auth.yml" "$REGISTRY_AUTH_PORT"
  printf 'auth:\n  htpasswd:\n    realm: nodespec-test\n    path: %s\n' "$d/htpasswd" \
    >>"$d/registry-auth.yml"
  /usr/bin/docker-registry serve "$d/registry-auth.yml" >"$REGISTRY_AUTH_LOG" 2>&1 &
  REGISTRY_AUTH_PID=$!
  wait_for_port "$REGISTRY_AUTH_PORT" "$REGISTRY_AUTH_PID" ||
    { echo "auth registry did not start" >&2; return 1; }
}
registry_auth_stop() {
  [[ -n ${REGISTRY_AUTH_PID:-} ]] || return 0
  kill "$REGISTRY_AUTH_PID" 2>/dev/null
  wait "$REGISTRY_AUTH_PID" 2>/dev/null || true
  REGISTRY_AUTH_PID=""
}

# Image tarballs for the images case, made once per run from the registry's image layout
# (skopeo, docker-archive format, which `ctr images import` reads): preload-file.tar
# (docker.io/library/preload:file), copied onto the node, and preload-url.tar
# (docker.io/library/preload:url), served by the release mirror under /nodespec-images/.
preload_build() {
  local out=$WORK/preload
  mkdir -p "$out" "$WORK/mirror/nodespec-images"
  rm -f "$out/preload-file.tar" "$WORK/mirror/nodespec-images/preload-url.tar"
  skopeo copy --quiet "oci:$WORK/image/layout:latest" \
    "docker-archive:$out/preload-file.tar:docker.io/library/preload:file" &&
    skopeo copy --quiet "oci:$WORK/image/layout:latest" \
      "docker-archive:$WORK/mirror/nodespec-images/preload-url.tar:docker.io/library/preload:url" ||
    { echo "preload: skopeo could not write the image tarballs" >&2; return 1; }
  echo "preload: image tarballs in $out and $WORK/mirror/nodespec-images"
}
