/// The manifest helpers: what nodespec manages on the node, read at the start of a run (drift,
/// prune) and written at its end. The format is `docs/plan-contract.md`, "The manifest"; the
/// Ansible target reads and writes the same file.
extension ShellBackend.Helper {
  static let manifestText = #"""
    # The manifest names all nodespec manages here (docs/plan-contract.md). Every helper that
    # writes or keeps a managed file calls ns_record; the run's end prunes and rewrites it.
    ns_id=''
    # The previous manifest: kind, id, key (path or service:<user>:<unit>), line; key -> index
    ns_old_kind=() ns_old_id=() ns_old_key=() ns_old_line=()
    declare -A ns_old_at=()
    ns_old_text=''
    # path -> "mode user group sha256 size mtime ctime inode", recorded
    declare -A ns_old_rec=()
    # path -> "mode user group size mtime ctime inode" now; path -> sha256 now
    declare -A ns_stat=() ns_sum=()
    # id -> 1: a file of it lost its recorded bytes; path -> 1: this run changed it
    declare -A ns_drift=()
    declare -A ns_touched=()
    # This run's entries, their keys; key -> index; ids that recorded something
    ns_entries=() ns_entry_key=()
    declare -A ns_entry_at=() ns_ids=()

    # ns_record file PATH | dir PATH | service USER UNIT WANTEDBY UNITPATH: $ns_id manages it
    ns_record() {
      local key entry t=$'\t'
      if [ "$1" = service ]; then
        key="service:${2:--}:$3"
        entry="service$t$ns_id$t${2:--}$t$3$t$4$t$5"
      else
        key=$2
        entry="$1$t$ns_id$t$2"
      fi
      ns_ids[$ns_id]=1
      if [ -z "${ns_entry_at[$key]:-}" ]; then
        ns_entry_at[$key]=${#ns_entries[@]}
        ns_entries+=("$entry")
        ns_entry_key+=("$key")
      fi
    }

    # mkdir -p $1, recording the folders it creates.
    ns_mkdir() {
      local dir=$1 absent=()
      while [ -n "$dir" ] && [ ! -d "$dir" ]; do
        absent=("$dir" "${absent[@]}")
        dir=${dir%/*}
      done
      if ((${#absent[@]} == 0)); then return 0; fi
      mkdir -p -- "$1"
      for dir in "${absent[@]}"; do ns_record dir "$dir"; done
    }

    # Keeps what the manifest recorded for $ns_id (installed already, or condition unmet).
    ns_keep() {
      local i f
      ns_ids[$ns_id]=1
      for i in "${!ns_old_id[@]}"; do
        if [ "${ns_old_id[$i]}" != "$ns_id" ]; then continue; fi
        case ${ns_old_kind[$i]} in
          file) ns_record file "${ns_old_key[$i]}" ;;
          dir) if [ -d "${ns_old_key[$i]}" ]; then ns_record dir "${ns_old_key[$i]}"; fi ;;
          service)
            ns_split f "${ns_old_line[$i]}" $'\t'
            ns_record service "${f[2]#-}" "${f[3]}" "${f[4]}" "${f[5]}"
            ;;
        esac
      done
    }

    ns_kept_any() {
      local i
      for i in "${!ns_old_id[@]}"; do
        if [ "${ns_old_id[$i]}" = "$ns_id" ] && [ "${ns_old_kind[$i]}" = file ]; then return 0; fi
      done
      return 1
    }

    # Puts back the recorded mode and owner of $ns_id's files.
    ns_repair_attributes() {
      local i path rec now
      for i in "${!ns_old_id[@]}"; do
        if [ "${ns_old_id[$i]}" != "$ns_id" ] || [ "${ns_old_kind[$i]}" != file ]; then continue; fi
        path=${ns_old_key[$i]}
        now=${ns_stat[$path]:-}
        if [ -z "$now" ] || [ -L "$path" ]; then continue; fi
        ns_split rec "${ns_old_rec[$path]}"
        ns_split now "$now"
        if [ "${now[0]}" != "${rec[0]}" ]; then
          if ((ns_check == 0)); then chmod -- "${rec[0]}" "$path"; fi
          ns_touched[$path]=1
          ns_note "set mode ${rec[0]} on $path"
        fi
        if [ "${now[1]}:${now[2]}" != "${rec[1]}:${rec[2]}" ]; then
          if ((ns_check == 0)); then chown -- "${rec[1]}:${rec[2]}" "$path"; fi
          ns_touched[$path]=1
          ns_note "set owner ${rec[1]}:${rec[2]} on $path"
        fi
      done
    }

    # One stat process for "$@"; one sha256sum process for "$@". The stat lines are taken
    # whole and cut up in the shell (`read` from a pipe makes a system call per byte); the
    # path is the rest of its line after seven tabs.
    ns_stat_paths() {
      local out line t=$'\t'
      local -a lines f
      if (($# == 0)); then return 0; fi
      out=$(stat --printf '%a\t%U\t%G\t%s\t%.9Y\t%.9Z\t%i\t%n\n' -- "$@" 2>/dev/null || true)
      ns_split lines "$out" $'\n'
      for line in "${lines[@]}"; do
        ns_split f "$line" "$t"
        line=${line#*"$t"*"$t"*"$t"*"$t"*"$t"*"$t"*"$t"}
        ns_stat[$line]="${f[0]} ${f[1]} ${f[2]} ${f[3]} ${f[4]} ${f[5]} ${f[6]}"
      done
    }

    ns_hash_paths() {
      local sum path
      if (($# == 0)); then return 0; fi
      while read -r sum path; do ns_sum[$path]=$sum; done < <(sha256sum -- "$@")
    }

    # Whether $1's size, mtime, ctime (which chmod and touch move too) and inode are recorded.
    ns_unmoved() {
      local -a rec now
      if [ -z "${ns_stat[$1]:-}" ] || [ -z "${ns_old_rec[$1]:-}" ]; then return 1; fi
      ns_split rec "${ns_old_rec[$1]}"
      ns_split now "${ns_stat[$1]}"
      [ "${rec[*]:4}" = "${now[*]:3}" ]
    }

    # Reads the manifest; hashes the files whose stat data moved (all: --verify-all): drift.
    # The one stat pass covers the recorded folders too, for their mode and owner.
    ns_manifest_load() {
      local header line f key i path files=() dirs=() moved=() rec
      if [ ! -f "$ns_manifest" ]; then return 0; fi
      IFS= read -r -d '' ns_old_text <"$ns_manifest" || true
      {
        IFS= read -r header || true
        if [ "$header" != '# nodespec manifest 1' ]; then
          ns_die "$ns_manifest is not a manifest this script reads (it says: $header)"
        fi
        while IFS= read -r line || [ -n "$line" ]; do
          ns_split f "$line" $'\t'
          case ${f[0]:-} in
            file)
              key=${f[10]}
              ns_old_rec[$key]="${f[*]:2:8}"
              files+=("$key")
              ;;
            dir)
              key=${f[2]}
              dirs+=("$key")
              ;;
            service) key="service:${f[2]}:${f[3]}" ;;
            *) continue ;;
          esac
          ns_old_at[$key]=${#ns_old_kind[@]}
          ns_old_kind+=("${f[0]}") ns_old_id+=("${f[1]}") ns_old_key+=("$key")
          ns_old_line+=("$line")
        done
      } <"$ns_manifest"
      ns_stat_paths "${files[@]}" "${dirs[@]}"
      for path in "${files[@]}"; do
        if [ -n "${ns_stat[$path]:-}" ] && { ((ns_verify_all)) || ! ns_unmoved "$path"; }; then
          moved+=("$path")
        fi
      done
      ns_hash_paths "${moved[@]}"
      # shellcheck disable=SC2034 # read by the artifact helper, in plans that have one
      for i in "${!ns_old_kind[@]}"; do
        if [ "${ns_old_kind[$i]}" != file ]; then continue; fi
        path=${ns_old_key[$i]}
        ns_split rec "${ns_old_rec[$path]}"
        if [ -z "${ns_stat[$path]:-}" ] || [ "${ns_sum[$path]:-${rec[3]}}" != "${rec[3]}" ]; then
          ns_drift[${ns_old_id[$i]}]=1
        fi
      done
    }

    # Removes the managed file $1. A file a user owns lies in a folder that user controls, so
    # the user's own process removes it: root following a planted symlink would remove
    # whatever it points at.
    ns_remove_file() {
      local -a rec
      ns_split rec "${ns_old_rec[$1]}"
      if [ "${rec[1]}" = root ]; then
        rm -f -- "$1"
      else
        runuser -u "${rec[1]}" -- rm -f -- "$1"
      fi
    }

    # --uninstall --purge: removes the data folders "$@" (containerd's images and snapshots).
    # What another file system holds below one (a container's mounts) stays, and a folder
    # that is a mount point itself is emptied and kept.
    ns_purge() {
      local dir
      for dir in "$@"; do
        if [ ! -d "$dir" ] || [ -L "$dir" ]; then continue; fi
        if ((ns_check == 0)); then
          if mountpoint -q -- "$dir"; then
            find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system -- {} +
          else
            rm -rf --one-file-system -- "$dir"
          fi
        fi
        ns_note "removed $dir"
      done
    }

    # Stops and disables unit $2 of user $1 ('-': the system), wanted by $3.
    ns_unservice() {
      local user=${1#-} unit=$2 wants done=''
      if ((ns_check)); then
        ns_note "stop and disable $unit"
        return 0
      fi
      if ((ns_systemd)); then
        if ns_systemctl "$user" is-active --quiet -- "$unit"; then
          ns_systemctl "$user" stop -- "$unit"
          done=stopped
        fi
        if ns_systemctl "$user" is-enabled --quiet -- "$unit" 2>/dev/null; then
          ns_systemctl "$user" disable --quiet -- "$unit"
          done="${done:+$done, }disabled"
        fi
      else
        if [ -z "$user" ]; then
          wants="/etc/systemd/system/$3.wants/$unit"
          if [ -L "$wants" ]; then
            rm -f -- "$wants"
            done=disabled
          fi
        else
          wants="$(getent passwd -- "$user" | cut -d: -f6)/.config/systemd/user/$3.wants/$unit"
          if [ -L "$wants" ]; then
            ns_as "$user" rm -f -- "$wants"
            done=disabled
          fi
        fi
      fi
      if [ -n "$done" ]; then ns_note "$unit: $done"; fi
    }

    # Removes what the manifest named and this run did not (services, files, then created
    # folders when empty), then writes the manifest. --uninstall recorded nothing.
    ns_manifest_finish() {
      local i f key path t=$'\t' units=0 entry text rec old need=() hash=() sha gone=() order=()
      # The manifest's own folders stay recorded (a run that finds them made records none).
      if ((ns_uninstall == 0)); then ns_ids[nodespec]=1; fi
      for i in "${!ns_old_kind[@]}"; do
        if [ "${ns_old_kind[$i]}" != service ] || [ -n "${ns_entry_at[${ns_old_key[$i]}]:-}" ]
        then
          continue
        fi
        ns_split f "${ns_old_line[$i]}" $'\t'
        ns_unservice "${f[2]}" "${f[3]}" "${f[4]}"
        units=1
      done
      for i in "${!ns_old_kind[@]}"; do
        path=${ns_old_key[$i]}
        if [ "${ns_old_kind[$i]}" != file ] || [ -n "${ns_entry_at[$path]:-}" ]; then continue; fi
        if [ -e "$path" ] || [ -L "$path" ]; then
          if ((ns_check == 0)); then ns_remove_file "$path"; fi
          ns_note "removed $path"
        fi
      done
      if ((ns_check)); then return 0; fi
      if ((units && ns_systemd)); then systemctl daemon-reload; fi
      if ((ns_uninstall)) && [ -f "$ns_manifest" ]; then
        rm -f -- "$ns_manifest"
        ns_note "removed $ns_manifest"
      fi
      # Folders of resources gone, deepest first; one that is not empty stays recorded.
      for i in "${!ns_old_kind[@]}"; do
        path=${ns_old_key[$i]}
        if [ "${ns_old_kind[$i]}" != dir ] || [ -n "${ns_entry_at[$path]:-}" ]; then continue; fi
        if [ ! -d "$path" ]; then continue; fi
        if [ -z "${ns_ids[${ns_old_id[$i]}]:-}" ]; then
          gone+=("$path")
        else
          ns_id=${ns_old_id[$i]}
          ns_record dir "$path"
        fi
      done
      if ((${#gone[@]} > 0)); then
        mapfile -t gone < <(printf '%s\n' "${gone[@]}" | LC_ALL=C sort -r)
      fi
      for path in "${gone[@]}"; do
        if rmdir -- "$path" 2>/dev/null; then ns_note "removed $path"; fi
      done
      if ((ns_uninstall)); then return 0; fi

      ns_id=nodespec
      ns_mkdir "${ns_manifest%/*}"
      for entry in "${ns_entries[@]}"; do
        ns_split f "$entry" $'\t'
        if [ "${f[0]}" != file ]; then continue; fi
        path=${f[2]}
        if [ -n "${ns_touched[$path]:-}" ] || [ -z "${ns_stat[$path]:-}" ]; then
          unset "ns_sum[$path]"
          need+=("$path")
        fi
      done
      ns_stat_paths "${need[@]}"
      for entry in "${ns_entries[@]}"; do
        ns_split f "$entry" $'\t'
        path=${f[2]}
        if [ "${f[0]}" = file ] && [ -z "${ns_sum[$path]:-}" ] && [ -n "${ns_stat[$path]:-}" ] \
          && ! ns_unmoved "$path"; then
          hash+=("$path")
        fi
      done
      ns_hash_paths "${hash[@]}"
      # Old entries keep their place: an unchanged node gives the same bytes.
      for key in "${ns_old_key[@]}"; do
        i=${ns_entry_at[$key]:-}
        if [ -n "$i" ]; then order+=("$i"); fi
      done
      for i in "${!ns_entries[@]}"; do
        if [ -z "${ns_old_at[${ns_entry_key[$i]}]:-}" ]; then order+=("$i"); fi
      done
      text=$'# nodespec manifest 1\n'
      for i in "${order[@]}"; do
        entry=${ns_entries[$i]}
        ns_split f "$entry" $'\t'
        if [ "${f[0]}" != file ]; then
          text+="$entry"$'\n'
          continue
        fi
        path=${f[2]}
        if [ -z "${ns_stat[$path]:-}" ]; then continue; fi
        ns_split rec "${ns_stat[$path]}"
        if [ -n "${ns_sum[$path]:-}" ]; then
          sha=${ns_sum[$path]}
        else
          ns_split old "${ns_old_rec[$path]}"
          sha=${old[3]}
        fi
        text+="file$t${f[1]}$t${rec[0]}$t${rec[1]}$t${rec[2]}$t$sha$t${rec[3]}$t${rec[4]}"
        text+="$t${rec[5]}$t${rec[6]}$t$path"$'\n'
      done
      if [ "$text" = "$ns_old_text" ]; then return 0; fi
      ns_temp_beside "$ns_manifest"
      printf '%s' "$text" >"$ns_new"
      chmod 600 -- "$ns_new"
      mv -f -- "$ns_new" "$ns_manifest"
    }
    """#

  /// Whether a file holds the content of a compile-time sha256, from the manifest alone.
  static let fileCurrentText = #"""
    # Whether the file $1 holds the bytes whose sha256 is $2, known without reading it: the
    # manifest recorded that sha256 and the stat pass finds the file where the manifest left
    # it (or, its stat data moved, the load hashed it). A symlink or a non-file never is.
    ns_file_current() {
      local -a rec
      if [ -z "${ns_old_rec[$1]:-}" ] || [ -z "${ns_stat[$1]:-}" ] || [ -L "$1" ] \
        || [ ! -f "$1" ]; then
        return 1
      fi
      if [ -n "${ns_sum[$1]:-}" ]; then
        [ "${ns_sum[$1]}" = "$2" ]
        return
      fi
      ns_split rec "${ns_old_rec[$1]}"
      [ "${rec[3]}" = "$2" ] && ns_unmoved "$1"
    }
    """#
}
