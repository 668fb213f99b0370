/// The example spec of `design.md` (the public contract), verbatim.
let designSpec = """
nodespec: 1                      # format version, required
name: build-01                   # optional label, appears in output headers
arch: auto                       # amd64 | arm64 | auto (detected on the node); default auto
mode: root                       # root | rootless; default root
user: builder                    # rootless only: the account that runs the runtime
prefix: /usr/local               # where binaries and units go; default /usr/local

downloads:
  mirror: https://artifacts.example.com/github   # optional: replaces https://github.com in release URLs
  verify: pinned                 # pinned (default) | published (the project's own checksum file) | none

components:                      # a version string, or a map with `version:` and options
  containerd: 2.0.0
  runc: 1.2.2
  cni: 1.6.1                     # plugins into /opt/cni/bin
  nerdctl:
    version: 2.0.2
    completion: bash
  buildkit:
    version: 0.18.1
    worker: containerd           # containerd | oci
  # nerdctl-full: 1.7.7          # the bundle instead of the five above (not together with them)

registries:                      # one /etc/containerd/certs.d/<name>/hosts.toml each
  docker.io:
    # server: omitted = fall back to the registry itself after the mirrors (containerd's own
    # default, docker.io -> registry-1.docker.io); `fallback: false` = never reach upstream
    mirrors:
      - https://docker.m.daocloud.io             # short form: capabilities pull, resolve
      - url: https://mirror.internal:5000
        capabilities: [pull, resolve, push]
        ca: /etc/ssl/certs/internal-ca.pem
        skip_verify: false
        override_path: false
        header: { X-Mirror-Token: example }
  registry.k8s.io:
    mirrors: [https://k8s.m.daocloud.io]

kubernetes:                      # containerd as kubelet's CRI runtime (root mode only)
  cgroup_driver: systemd
  sandbox_image: registry.k8s.io/pause:3.10
  prerequisites: true            # overlay + br_netfilter modules, bridge and forwarding sysctls
"""
