/// The helper script rootless mode's root-side steps run (`<prefix>/libexec/nodespec/
/// rootless.sh`, mode 0755), one subcommand per step or guard. Fixed text: spec values reach
/// it only as arguments, so nothing from a spec is ever parsed as shell. Kept in a file rather
/// than inline so that every target carries it as readable lines.
enum RootlessScript {
  /// Where the script goes under the prefix.
  static let relativePath = "libexec/nodespec/rootless.sh"

  /// POSIX sh, run as `/bin/sh <script> ...` (so no `#!` line, and the generated-by comment
  /// opens it like every file nodespec writes); each subcommand exits non-zero on failure
  /// with a `nodespec:` line on stderr.
  static let text = """
    # \(Paths.generatedHeader)
    # Root-side steps of nodespec's rootless mode: rootless.sh SUBCOMMAND ARGUMENTS...
    set -eu

    # Whether user $1 has at least \(RootlessModule.subordinateCount) IDs in file $2 (by name,
    # as usermod writes it). The name comes through the environment: awk -v would interpret
    # backslashes in it.
    has_range() {
      NS_USER=$1 awk -F: '$1 == ENVIRON["NS_USER"] && $3 >= \(RootlessModule.subordinateCount) {
        found = 1
      } END { exit !found }' "$2" 2>/dev/null
    }

    case $1 in
      check-account) # USER HOME: fail naming what is missing or differs
        if ! id -u -- "$2" >/dev/null 2>&1; then
          echo "nodespec: user $2 does not exist; rootless mode needs that account" >&2
          exit 1
        fi
        # The files go where the spec says, and the user's tools read them from the home the
        # passwd database gives: the two must be one folder.
        home=$(getent passwd -- "$2" | cut -d: -f6)
        if [ "${home%/}" != "$3" ]; then
          printf 'nodespec: the passwd database gives %s the home %s, the spec %s\\n' \\
            "$2" "${home:-(none)}" "$3" >&2
          exit 1
        fi
        if [ ! -d "$3" ]; then
          echo "nodespec: the home directory $3 of $2 does not exist" >&2
          exit 1
        fi
        ;;
      has-subids) # USER
        has_range "$2" /etc/subuid && has_range "$2" /etc/subgid
        ;;
      allocate-subids) # USER: a range after the highest one of any account, where missing
        for kind in uid gid; do
          file=/etc/sub$kind
          if has_range "$2" "$file"; then continue; fi
          touch -- "$file"
          first=$(awk -F: 'BEGIN { n = \(RootlessModule.subordinateFloor) }
            NF >= 3 && $2 + $3 > n { n = $2 + $3 }
            END { printf "%d", n }' "$file")
          last=$((first + \(RootlessModule.subordinateCount - 1)))
          if command -v usermod >/dev/null 2>&1; then
            # usermod takes the file's lock.
            usermod "--add-sub${kind}s" "$first-$last" -- "$2"
          else
            printf '%s:%s:%s\\n' "$2" "$first" \(RootlessModule.subordinateCount) >>"$file"
          fi
        done
        ;;
      linger) # USER: without systemd running, the marker enable-linger would leave
        if [ -d /run/systemd/system ]; then
          loginctl enable-linger -- "$2"
        else
          mkdir -p /var/lib/systemd/linger
          : >"/var/lib/systemd/linger/$2"
        fi
        ;;
      has-bus) # USER
        [ -S "/run/user/$(id -u -- "$2")/bus" ]
        ;;
      start-manager) # USER: start the user's manager and wait for its bus
        uid=$(id -u -- "$2")
        systemctl start "user@$uid.service"
        tries=0
        while [ ! -S "/run/user/$uid/bus" ]; do
          tries=$((tries + 1))
          if [ "$tries" -gt 30 ]; then
            echo "nodespec: the systemd user manager of $2 has no bus at /run/user/$uid/bus" >&2
            exit 1
          fi
          sleep 1
        done
        ;;
      when-changed) # FILE STAMP COMMAND...: run COMMAND, then keep a copy of FILE as STAMP
        file=$2 stamp=$3
        shift 3
        "$@"
        mkdir -p -- "${stamp%/*}"
        cp -- "$file" "$stamp"
        ;;
      *)
        echo "nodespec: rootless.sh: unknown subcommand $1" >&2
        exit 2
        ;;
    esac

    """
}
