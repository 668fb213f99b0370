# shellcheck shell=bash
# Results and node inspection for one case. Every check appends one line to
# $CASE_DIR/results: "PASS <name>", "FAIL <name>: <why>" or "SKIP <name>: <why>".

pass() { echo "PASS $1" | tee -a "$CASE_DIR/results"; }
fail() { echo "FAIL $1: ${*:2}" | tee -a "$CASE_DIR/results"; }
skip() { echo "SKIP $1: ${*:2}" | tee -a "$CASE_DIR/results"; }

# check <name> <why-if-it-fails> <command...>
check() {
  local name=$1 why=$2
  shift 2
  if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# The paths nodespec manages, as the contract lists them for the equivalence check.
MANAGED=(usr/local etc/containerd opt/cni/bin var/lib/nodespec/artifacts)

# Every file, link and folder the run created or changed below the managed paths: the
# overlay's upper layer holds exactly those (the rest of the root is the untouched host).
# One line each: path, type, mode, owner, then sha256 or link target; with --identity also
# inode and mtime, which change whenever a file is rewritten, even with the same bytes.
manifest() { # manifest [--identity]
  local identity=${1:-} upper=$SB_DIR/upper rel p
  {
    for rel in "${MANAGED[@]}"; do
      [[ -e $upper/$rel ]] && (cd "$upper" && find "$rel" -mindepth 1)
    done
    (cd "$upper" && find etc/systemd/system -mindepth 2 -path '*.wants/*' 2>/dev/null)
  } | sort -u | while read -r rel; do
    p=$SB_ROOT/$rel
    # removed paths (overlay whiteouts): the sandbox removes the host's containerd package
    [[ -e $p || -L $p ]] || continue
    if [[ -d $p && ! -L $p ]]; then
      [[ -n $identity ]] && continue # a folder's mtime moves when anything inside is renamed
      echo "$rel dir $(stat -c '%a %U:%G' "$p")"
    elif [[ -L $p ]]; then
      echo "$rel link -> $(readlink "$p")"
    else
      echo "$rel file $(stat -c '%a %U:%G' "$p") $(sha256sum <"$p" | cut -c1-64)${identity:+ $(stat -c 'inode=%i mtime=%y' "$p")}"
    fi
  done
}

# Anything a failed run may have left behind: files in the managed paths and nodespec's own
# state folder that were not there before (temp downloads, half-extracted trees, temp names).
leftovers() { # leftovers <before-listing> -> prints new paths
  comm -13 "$1" <(listing)
}
listing() {
  local rel
  for rel in "${MANAGED[@]}" var/lib/nodespec etc/systemd/system; do
    [[ -e $SB_DIR/upper/$rel ]] && (cd "$SB_DIR/upper" && find "$rel" -mindepth 1)
  done | grep -v '^var/lib/nodespec/cloud-init/' | sort -u
}

unit_file() { # unit_file <unit> -> path inside the sandbox, searched like systemd
  local d
  for d in /etc/systemd/system /usr/local/lib/systemd/system /lib/systemd/system; do
    [[ -f $SB_ROOT$d/$1 ]] && { echo "$d/$1"; return 0; }
  done
  return 1
}

service_pid() { # service_pid <unit> -> main PID or nothing
  local pid
  pid=$(cat "$SB_ROOT/run/standin/$1.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

calls_since() { # calls_since <line-count> -> calls.log lines after that many
  tail -n +"$(($1 + 1))" "$SB_ROOT/run/standin/calls.log" 2>/dev/null
}
count_lines() { [[ -f $1 ]] && wc -l <"$1" || echo 0; }

same_bytes() { cmp -s "$1" "$2"; }
