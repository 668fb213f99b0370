import Spec

/// The bash functions a generated script defines once, at its top. They are fixed text: no Plan
/// value is ever spliced into them; values reach them only as single-quoted arguments.
extension ShellBackend {
  /// One helper (or a group that belongs together), emitted once when a step needs it.
  /// `allCases` order is the order in the script, so dependencies come first.
  enum Helper: Int, CaseIterable {
    case say
    case split
    case temporaryFiles
    case runAs
    case manifest
    case fileCurrent
    case change
    case notify
    case attributes
    case directory
    case file
    case keptFile
    case secret
    case userFiles
    case keptUserFile
    case download
    case artifact
    case packages
    case kernelModule
    case sysctl
    case service

    /// Helpers this one calls.
    var requires: [Helper] {
      switch self {
      case .say, .split, .temporaryFiles, .runAs: []
      case .manifest: [.say, .split, .temporaryFiles, .runAs]
      case .fileCurrent: [.manifest]
      case .change: [.say]
      case .notify: [.change]
      case .attributes: [.manifest]
      case .directory: [.change, .attributes]
      case .file: [.change, .attributes, .temporaryFiles, .manifest]
      case .keptFile: [.file, .fileCurrent]
      case .secret: [.file]
      case .userFiles: [.change, .temporaryFiles, .manifest]
      case .keptUserFile: [.userFiles, .fileCurrent]
      case .download: [.say]
      case .artifact: [.change, .download, .temporaryFiles, .manifest]
      case .packages, .kernelModule: [.change]
      case .sysctl: [.change, .split]
      case .service: [.change, .runAs, .manifest]
      }
    }

    /// The bash text. `tracksNotifies` adds the `ns_changed` flag to `ns_change`: it exists
    /// only when a step notifies, so that no script carries a variable nothing reads.
    /// `unpacksXz` gives `ns_unpack` the `.tar.xz` reading a plan with such an archive needs.
    func text(tracksNotifies: Bool, unpacksXz: Bool = false) -> String {
      switch self {
      case .say: Self.sayText
      case .split: Self.splitText
      case .temporaryFiles: Self.temporaryFilesText
      case .manifest: Self.manifestText
      case .fileCurrent: Self.fileCurrentText
      case .change: tracksNotifies ? Self.changeTrackingText : Self.changeText
      case .notify: Self.notifyText
      case .attributes: Self.attributesText
      case .directory: Self.directoryText
      case .file: Self.fileText
      case .keptFile: Self.keptFileText
      case .secret: Self.secretText
      case .userFiles: Self.userFilesText
      case .keptUserFile: Self.keptUserFileText
      case .download: Self.downloadText
      case .artifact: Self.artifactText + "\n\n" + Self.unpackText(xz: unpacksXz)
      case .packages: Self.packagesText
      case .kernelModule: Self.kernelModuleText
      case .sysctl: Self.sysctlText
      case .runAs: Self.runAsText
      case .service: Self.serviceText
      }
    }

    /// Writes `text` without its comment lines, then a line break; shellcheck directives stay.
    /// No helper holds a heredoc, so a line that starts with `#` is always a comment. On bytes:
    /// the cloud-init target strips every helper of every spec it compiles.
    static func writeWithoutComments(_ text: String, into out: inout ByteWriter) {
      var text = text
      text.withUTF8 { bytes in
        var start = 0
        var first = true
        while start <= bytes.count {
          let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
          var code = start
          while code < end, bytes[code] == UInt8(ascii: " ") { code += 1 }
          if !(code < end && bytes[code] == UInt8(ascii: "#"))
            || bytes[code..<end].starts(with: shellcheckDirective)
          {
            if !first { out.newline() }
            out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
            first = false
          }
          start = end + 1
        }
      }
      out.newline()
    }

    private static let shellcheckDirective = Array("# shellcheck".utf8)

    /// `needed` (repeats allowed) and every helper they call, in script order. A flag per case
    /// rather than a `Set`: a set of a type of our own makes the runtime search the binary's
    /// whole conformance table for its `Hashable` at each start (0.3 M instructions).
    static func closure(of needed: [Helper]) -> [Helper] {
      var included = [Bool](repeating: false, count: allCases.count)
      var pending = needed
      while let next = pending.popLast() {
        if included[next.rawValue] { continue }
        included[next.rawValue] = true
        pending.append(contentsOf: next.requires)
      }
      return allCases.filter { included[$0.rawValue] }
    }

    private static let sayText = #"""
      # Change log lines go to stdout; errors go to stderr and stop the run.
      ns_say() { printf 'nodespec: %s\n' "$*"; }
      # A change that was made, or with --check (ns_check=1) would be: "installed X" is said
      # as "would install X", and ns_drifted makes the check exit 2.
      ns_drifted=0
      ns_note() {
        local verb=${1%% *} rest=''
        ns_drifted=1
        if ((ns_check == 0)); then
          ns_say "$@"
          return 0
        fi
        if [ "$verb" != "$1" ]; then rest=" ${1#* }"; fi
        case $verb in
          created) verb=create ;;
          updated) verb=update ;;
          installed) verb=install ;;
          reinstalled) verb=reinstall ;;
          loaded) verb=load ;;
          ran) verb=run ;;
          removed) verb=remove ;;
        esac
        ns_say "would $verb$rest"
      }
      ns_die() {
        printf 'nodespec: %s\n' "$*" >&2
        exit 1
      }
      """#

    private static let splitText = #"""
      # Splits $2 at the characters of $3 (blanks if not given) into the array named $1, as
      # `IFS=$3 read -r -a "$1" <<<"$2"` does for one line, but in the shell itself: bash makes
      # a here-string a pipe and reads a pipe one byte per system call (60,000 calls, half
      # of a no-op re-apply's time, went to that).
      ns_split() {
        local -n ns_split_into=$1
        local -
        local IFS=${3-$' \t\n'}
        set -f
        # shellcheck disable=SC2034,SC2206 # the caller's array; split on purpose, unglobbed
        ns_split_into=($2)
      }
      """#

    private static let temporaryFilesText = #"""
      # Temporary files of this run, removed on every exit: a failed download or an interrupted
      # write leaves nothing behind, and never a half-written file in place.
      ns_tmp=()
      ns_cleanup() {
        if ((${#ns_tmp[@]} > 0)); then rm -rf -- "${ns_tmp[@]}"; fi
      }
      trap ns_cleanup EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM

      # Sets ns_new to a new empty temporary file beside $1, on the same file system, so that
      # renaming it over $1 is atomic. Parent folders are created (0755) when missing, and
      # recorded in the manifest.
      ns_temp_beside() {
        local dir=${1%/*}
        if ((ns_check)); then
          # --check writes nothing beside the target: the content goes to a temporary folder.
          ns_new=$(mktemp)
          ns_tmp+=("$ns_new")
          return 0
        fi
        ns_mkdir "${dir:-/}"
        ns_new=$(mktemp -- "$dir/.nodespec.XXXXXX")
        ns_tmp+=("$ns_new")
      }
      """#

    private static let changeText = #"""
      # Every step that changed something prints one line through ns_change. ns_changes counts
      # them, so a service step knows whether systemd must re-read its units.
      ns_changes=0
      ns_change() {
        ns_changes=$((ns_changes + 1))
        ns_note "$*"
      }
      """#

    private static let changeTrackingText = #"""
      # Every step that changed something prints one line through ns_change. ns_changes counts
      # them, so a service step knows whether systemd must re-read its units; ns_changed tells
      # a step with dependent services whether it changed anything.
      ns_changes=0
      ns_changed=0
      ns_change() {
        ns_changes=$((ns_changes + 1))
        ns_changed=1
        ns_note "$*"
      }
      """#

    private static let notifyText = #"""
      # Marks the service steps "$@" for restart when the step just run changed something.
      ns_notify() {
        local id
        if ((ns_changed)); then
          for id in "$@"; do ns_restart[$id]=1; done
        fi
      }
      """#

    private static let attributesText = #"""
      # Sets mode $2 (octal, as `stat -c %a` prints it) and owner $3 (user:group) on $1 where
      # they differ; ns_attrs_set says what it set, empty when nothing.
      # A managed file's mode and owner come from the stat pass over the manifest (ns_stat),
      # taken before this run touched anything: no process per unchanged file.
      ns_attributes() {
        local -a now
        ns_attrs_set=''
        if [ -n "${ns_stat[$1]:-}" ] && [ ! -L "$1" ]; then
          ns_split now "${ns_stat[$1]}"
        else
          ns_split now "$(stat -L -c '%a %U %G' -- "$1")"
        fi
        if [ "${now[0]}" != "$2" ]; then
          if ((ns_check == 0)); then chmod -- "$2" "$1"; fi
          ns_attrs_set="mode $2"
        fi
        if [ "${now[1]}:${now[2]}" != "$3" ]; then
          if ((ns_check == 0)); then chown -- "$3" "$1"; fi
          ns_attrs_set="${ns_attrs_set:+$ns_attrs_set, }owner $3"
        fi
        if [ -n "$ns_attrs_set" ]; then ns_touched[$1]=1; fi
      }
      """#

    private static let directoryText = #"""
      # Makes $1 a directory with mode $2 and owner $3:$4, parents included.
      ns_directory() {
        # The folders an earlier run created for it stay recorded.
        ns_ids[$ns_id]=1
        if [ -d "$1" ]; then
          ns_attributes "$1" "$2" "$3:$4"
          if [ -n "$ns_attrs_set" ]; then ns_change "set $ns_attrs_set on $1"; fi
        elif ((ns_check)); then
          ns_change "created directory $1"
        else
          ns_mkdir "$1"
          ns_attributes "$1" "$2" "$3:$4"
          ns_change "created directory $1"
        fi
      }
      """#

    private static let fileText = #"""
      # A file step opens a temporary file beside the target (ns_begin_file), writes the
      # content into "$ns_new", and hands it to ns_put_file, which renames it over the target
      # only when the bytes differ: an unchanged file keeps its inode and mtime.
      ns_begin_file() { ns_temp_beside "$1"; }

      # Gives $1 the content in "$ns_new", mode $2 and owner $3:$4.
      ns_put_file() {
        local verb=created
        if [ -d "$1" ] && [ ! -L "$1" ]; then ns_die "$1 is a directory, not a file"; fi
        ns_record file "$1"
        if [ -e "$1" ]; then
          if cmp -s -- "$ns_new" "$1"; then
            rm -f -- "$ns_new"
            ns_attributes "$1" "$2" "$3:$4"
            if [ -n "$ns_attrs_set" ]; then ns_change "set $ns_attrs_set on $1"; fi
            return 0
          fi
          verb=updated
        fi
        if ((ns_check)); then
          ns_change "$verb $1"
          return 0
        fi
        chmod -- "$2" "$ns_new"
        chown -- "$3:$4" "$ns_new"
        mv -f -- "$ns_new" "$1"
        ns_touched[$1]=1
        ns_change "$verb $1"
      }
      """#

    private static let keptFileText = #"""
      # A file whose content the script knows (no secret read on the node) is first offered
      # to ns_file_kept with the content's sha256: when the manifest shows the file holds it,
      # the step is done without a process (mode and owner are still put right), and the
      # content is not even assembled.
      ns_file_kept() {
        if ! ns_file_current "$1" "$2"; then return 1; fi
        ns_record file "$1"
        ns_attributes "$1" "$3" "$4:$5"
        if [ -n "$ns_attrs_set" ]; then ns_change "set $ns_attrs_set on $1"; fi
      }
      """#

    private static let keptUserFileText = #"""
      # A user's file the manifest shows holding the content whose sha256 is $2, with mode
      # $3, owner $4 and group $5, needs nothing; anything else goes to the user's process,
      # so that root only reads stat data in the user's folders, and changes nothing there.
      ns_user_file_kept() {
        local -a now
        if ! ns_file_current "$1" "$2"; then return 1; fi
        ns_split now "${ns_stat[$1]}"
        if [ "${now[0]} ${now[1]} ${now[2]}" != "$3 $4 $5" ]; then return 1; fi
        ns_record file "$1"
      }
      """#

    private static let secretText = #"""
      # Appends the node file $1, less one trailing newline, to "$ns_new"; with $2 = toml,
      # escaped as the body of a TOML basic string (\ " and tab escaped), with $2 = basic,
      # as the base64 of "$3:" and the content (a basic-auth credential). Either way any
      # other control character, a line break inside, or bytes that are not UTF-8 stop the
      # run. The secret goes from file to file, never through a variable or an argument, so
      # that neither a trace nor an error message can show it.
      ns_append_secret() {
        local before after size
        if [ ! -f "$1" ]; then ns_die "secret file $1 is missing"; fi
        if [ -n "${2:-}" ]; then
          size=$(stat -c %s -- "$1")
          if ((size > 0)) && [ -z "$(tail -c 1 -- "$1")" ]; then size=$((size - 1)); fi
          if [ "$(head -c "$size" -- "$1" | LC_ALL=C tr -dc '\000-\010\012-\037\177' \
            | wc -c)" -ne 0 ]; then
            ns_die "secret file $1 holds a line break or control character;" \
              "a TOML string (and an HTTP header) cannot carry it"
          fi
          if ! head -c "$size" -- "$1" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
            ns_die "secret file $1 is not UTF-8 text"
          fi
          if [ "$2" = basic ]; then
            { printf '%s:' "$3" && head -c "$size" -- "$1"; } | base64 -w 0 >>"$ns_new"
            return
          fi
          head -c "$size" -- "$1" \
            | LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' >>"$ns_new"
          return
        fi
        before=$(stat -c %s -- "$ns_new")
        cat -- "$1" >>"$ns_new"
        after=$(stat -c %s -- "$ns_new")
        # $(...) drops a final newline, so an empty result means the last byte is one.
        if ((after > before)) && [ -z "$(tail -c 1 -- "$ns_new")" ]; then
          truncate -s -1 -- "$ns_new"
        fi
      }
      """#

    private static let userFilesText = #"""
      # Folders and files a user owns (rootless mode's ~/.config) are made by a process running
      # as that user, never by root: whatever that user planted there (a symlink to /etc), the
      # writes have that user's rights alone. The process runs the fixed script below, without
      # a login shell or the user's profile; it prints the change it made, if any.
      ns_as_owner() {
        local user=$1
        shift
        if command -v setpriv >/dev/null 2>&1; then
          setpriv --reuid="$(id -u -- "$user")" --regid="$(id -g -- "$user")" --init-groups \
            -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin check="$ns_check" \
            /bin/sh -c "$ns_owner_side" sh "$@"
        else
          runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin check="$ns_check" \
            /bin/sh -c "$ns_owner_side" sh "$@"
        fi
      }
      # shellcheck disable=SC2016 # expanded by the user's shell, not here
      ns_owner_side='set -eu
      # Mode $2 and group $3 on $1, which must be the user'\''s; sets "set" to what changed.
      # With check=1 (--check) nothing is changed: what would change is said all the same.
      attributes() {
        if [ ! -O "$1" ]; then
          echo "nodespec: $1 belongs to another account than $(id -un)" >&2
          exit 1
        fi
        if [ "$(stat -L -c %a -- "$1")" != "$2" ]; then
          if [ "$check" = 0 ]; then chmod -- "$2" "$1"; fi
          set="mode $2"
        fi
        if [ "$(stat -L -c %G -- "$1")" != "$3" ]; then
          if [ "$check" = 0 ]; then chgrp -- "$3" "$1"; fi
          set="${set:+$set, }group $3"
        fi
      }
      set=""
      case $1 in
        directory) # PATH MODE GROUP
          if [ -d "$2" ]; then
            attributes "$2" "$3" "$4"
            if [ -n "$set" ]; then echo "set $set on $2"; fi
          elif [ "$check" = 1 ]; then
            echo "created directory $2"
          else
            mkdir -p -- "$2"
            attributes "$2" "$3" "$4"
            echo "created directory $2"
          fi
          ;;
        file) # PATH MODE GROUP, the content on stdin
          if [ -d "$2" ] && [ ! -L "$2" ]; then
            echo "nodespec: $2 is a directory, not a file" >&2
            exit 1
          fi
          if [ "$check" = 1 ]; then
            if [ -e "$2" ] && cmp -s -- - "$2"; then
              attributes "$2" "$3" "$4"
              if [ -n "$set" ]; then echo "set $set on $2"; fi
            elif [ -e "$2" ] || [ -L "$2" ]; then
              echo "updated $2"
            else
              echo "created $2"
            fi
            exit 0
          fi
          dir=${2%/*}
          mkdir -p -- "$dir"
          new=$(mktemp -- "$dir/.nodespec.XXXXXX")
          trap '\''rm -f -- "$new"'\'' EXIT
          cat >"$new"
          if [ -e "$2" ] && cmp -s -- "$new" "$2"; then
            attributes "$2" "$3" "$4"
            if [ -n "$set" ]; then echo "set $set on $2"; fi
            exit 0
          fi
          verb=created
          if [ -e "$2" ] || [ -L "$2" ]; then verb=updated; fi
          attributes "$new" "$3" "$4"
          mv -f -- "$new" "$2"
          echo "$verb $2"
          ;;
      esac'

      # Makes $1 a directory with mode $2, owned by user $3 and group $4, as that user.
      ns_user_directory() {
        local said
        said=$(ns_as_owner "$3" directory "$1" "$2" "$4") ||
          ns_die "cannot make directory $1 as user $3"
        if [ -n "$said" ]; then ns_change "$said"; fi
      }

      # A user's file step assembles the content in a folder only root can read (it may hold
      # a secret), then ns_put_user_file hands it over on standard input to the user's process,
      # which writes it beside $1 and renames it over $1 only when the bytes differ.
      ns_begin_user_file() {
        if [ -z "${ns_private:-}" ]; then
          ns_private=$(mktemp -d)
          ns_tmp+=("$ns_private")
        fi
        ns_new=$(mktemp -- "$ns_private/file.XXXXXX")
      }

      # Gives $1 the content in "$ns_new" and mode $2, as user $3 with group $4.
      ns_put_user_file() {
        local said
        ns_record file "$1"
        said=$(ns_as_owner "$3" file "$1" "$2" "$4" <"$ns_new") ||
          ns_die "cannot write $1 as user $3"
        rm -f -- "$ns_new"
        if [ -n "$said" ]; then
          ns_touched[$1]=1
          ns_change "$said"
        fi
      }
      """#

    private static let downloadText = #"""
      # Downloads $1 into the file $2 with curl, or wget where there is no curl. An https URL
      # may redirect only to https: a downgrade to http would let anyone on the path swap the
      # bytes. wget cannot refuse such a redirect, so it fetches an https URL only for a
      # download a pinned checksum vouches for (ns_artifact's `verify`: sha256 or sha512).
      ns_download() {
        if command -v curl >/dev/null 2>&1; then
          case $1 in
            https://*) curl -fsSL --retry 3 --proto '=https' --proto-redir '=https' -o "$2" -- "$1" ;;
            *) curl -fsSL --retry 3 --proto-redir '=http,https' -o "$2" -- "$1" ;;
          esac || ns_die "cannot download $1"
        elif command -v wget >/dev/null 2>&1; then
          if [[ $1 == https://* && ${verify:-} != sha256 && ${verify:-} != sha512 ]]; then
            ns_die "cannot download $1 without curl: wget cannot refuse a redirect to http," \
              "and no pinned checksum vouches for the download"
          fi
          wget -q --tries=3 -O "$2" -- "$1" || ns_die "cannot download $1"
        else
          ns_die "cannot download $1: neither curl nor wget is installed"
        fi
      }
      """#

    private static let artifactText = #"""
      # Installs a release artifact, unless its stamp records this very source and everything
      # it provides is still there.
      #   --url URL --file NAME    the asset, and its name in the project's checksum file
      #   --sha256 HEX | --sha512 HEX | --sha256-from CHECKSUMS_URL | --no-verify
      #   --binary PATH --mode MODE | --archive DIR
      #   --stamp PATH [--provides PATH]...
      # The download is verified before anything is installed: on a mismatch the run stops and
      # the installed files stay as they were.
      ns_artifact() {
        local title=$1 url='' file='' verify=none want='' sums='' binary='' mode='' archive=''
        local stamp='' record path missing=0 work got
        local provides=()
        shift
        while (($# > 0)); do
          case $1 in
            --url) url=$2 ;;
            --file) file=$2 ;;
            --sha256) verify=sha256 want=$2 ;;
            --sha512) verify=sha512 want=$2 ;;
            --sha256-from) verify=published sums=$2 ;;
            --no-verify) verify=none ;;
            --binary) binary=$2 ;;
            --mode) mode=$2 ;;
            --archive) archive=$2 ;;
            --stamp) stamp=$2 ;;
            --provides) provides+=("$2") ;;
            *) ns_die "ns_artifact: unknown option $1" ;;
          esac
          if [ "$1" = --no-verify ]; then shift; else shift 2; fi
        done
        case $verify in
          sha256 | sha512) record="$url $verify:$want" ;;
          published) record="$url published:$sums" ;;
          *) record="$url unverified" ;;
        esac

        # Installed already: the stamp names this source, nothing it provides is missing and
        # no file it installed lost its recorded bytes (ns_drift). Mode and owner are put back.
        if [ -f "$stamp" ] && [ -z "${ns_drift[$ns_id]:-}" ]; then
          IFS= read -r -d '' got <"$stamp" || true
          if [ "$got" = "$record"$'\n' ]; then
            for path in "${provides[@]}"; do
              if [ ! -e "$path" ]; then missing=1; fi
            done
            if ((missing == 0)); then
              if ns_kept_any; then
                ns_keep
                ns_repair_attributes
              else
                # Installed by a nodespec that kept no manifest: what it provides is known.
                for path in "${provides[@]}" "$stamp"; do ns_record file "$path"; done
              fi
              return 0
            fi
          fi
        fi

        # --check downloads nothing: that it would install is the answer. What the install
        # would leave is recorded as far as it is known without the download (an archive's
        # members are not), so that the check names no removal the run would not make.
        if ((ns_check)); then
          ns_keep
          for path in "$binary" "${provides[@]}" "$stamp"; do
            if [ -n "$path" ]; then ns_record file "$path"; fi
          done
          if [ -n "${ns_drift[$ns_id]:-}" ]; then
            ns_change "reinstalled $title: its installed files had changed"
          else
            ns_change "installed $title"
          fi
          return 0
        fi
        work=$(mktemp -d)
        ns_tmp+=("$work")
        ns_download "$url" "$work/download"
        if [ "$verify" = published ]; then
          ns_download "$sums" "$work/checksums"
          # The line whose file name (after the hash, one blank, an optional `*` for binary
          # mode) is exactly $file. The name comes through the environment: awk -v would
          # interpret backslashes in it.
          want=$(NS_FILE=$file awk '{
            sub(/\r$/, "")
            name = substr($0, length($1) + 2)
            sub(/^[ *]/, "", name)
            if (name == ENVIRON["NS_FILE"]) { print tolower($1); exit }
          }' "$work/checksums")
          if [ -z "$want" ]; then ns_die "no checksum for $file in $sums"; fi
        fi
        if [ "$verify" != none ]; then
          if [ "$verify" = sha512 ]; then
            got=$(sha512sum <"$work/download")
          else
            got=$(sha256sum <"$work/download")
          fi
          got=${got%% *}
          if [ "$got" != "${want,,}" ]; then
            ns_die "checksum mismatch for $file: expected $want, got $got"
          fi
        fi

        if [ -n "$binary" ]; then
          ns_temp_beside "$binary"
          mv -f -- "$work/download" "$ns_new"
          chmod -- "$mode" "$ns_new"
          mv -f -- "$ns_new" "$binary"
          ns_record file "$binary"
          ns_touched[$binary]=1
        else
          ns_unpack "$work/download" "$archive"
        fi
        # The stamp goes last: an interrupted install is retried on the next run.
        ns_temp_beside "$stamp"
        printf '%s\n' "$record" >"$ns_new"
        chmod 644 -- "$ns_new"
        mv -f -- "$ns_new" "$stamp"
        ns_record file "$stamp"
        ns_touched[$stamp]=1
        if [ -n "${ns_drift[$ns_id]:-}" ]; then
          ns_change "reinstalled $title: its installed files had changed"
        else
          ns_change "installed $title"
        fi
      }
      """#

    /// `ns_unpack`, which `ns_artifact` calls for an archive. The plain one reads `.tar.gz`;
    /// a plan with a `.tar.xz` archive (`Artifact.ArchiveFormat.tarXz`) gets the one that
    /// reads both, so that no other script carries lines it never runs.
    static func unpackText(xz: Bool) -> String {
      xz ? unpackBothText : unpackGzText
    }

    private static let unpackGzText = #"""
      # Extracts the verified .tar.gz $1 into folder $2 and records in the manifest every
      # file it installs and every folder it creates (a member with a `..` component, which
      # tar refuses to extract, is not recorded).
      ns_unpack() {
        local member path dir root=${2%/} files=() folders=()
        local -A created=()
        ns_mkdir "$2"
      \#(unpackMembers)
        done < <(tar -tzf "$1")
        tar -xzf "$1" -C "$2" --no-same-owner
      \#(unpackRecord)
      """#

    private static let unpackBothText = #"""
      # Extracts the verified .tar.gz or .tar.xz $1 into folder $2 and records in the manifest
      # every file it installs and every folder it creates (a member with a `..` component,
      # which tar refuses to extract, is not recorded). xz's magic bytes tell a .tar.xz, which
      # tar unpacks by running the xz program. There a folder that exists keeps its mode,
      # owner and time (--no-overwrite-dir): kata's archive, unpacked over /, names ./ and
      # ./opt/.
      ns_unpack() {
        local member path dir root=${2%/} files=() folders=() tar_format=(-z)
        local -A created=()
        if [ "$(head -c 6 -- "$1" | od -An -tx1 | tr -d ' \n')" = fd377a585a00 ]; then
          if ! command -v xz >/dev/null 2>&1; then
            ns_die "cannot unpack $file: xz is not installed (install the xz-utils or xz package)"
          fi
          tar_format=(-J --no-overwrite-dir)
        fi
        ns_mkdir "$2"
      \#(unpackMembers)
        done < <(tar -t "${tar_format[@]}" -f "$1")
        tar -x "${tar_format[@]}" -f "$1" -C "$2" --no-same-owner
      \#(unpackRecord)
      """#

    /// The start of `ns_unpack`'s loop over the archive's members.
    private static let unpackMembers = #"""
        while IFS= read -r member; do
          member=${member#./}
          case /$member/ in */../* | //*) continue ;; esac
          path="$root/${member%/}"
          if [ -z "${member%/}" ]; then continue; fi
          if [[ $member == */ ]]; then dir=$path; else files+=("$path") dir=${path%/*}; fi
          while [ -n "$dir" ] && [ "$dir" != "$root" ] && [ ! -d "$dir" ]; do
            created[$dir]=1
            dir=${dir%/*}
          done
      """#

    /// The end of `ns_unpack`: what it installed goes into the manifest.
    private static let unpackRecord = #"""
        if ((${#created[@]} > 0)); then
          mapfile -t folders < <(printf '%s\n' "${!created[@]}" | LC_ALL=C sort)
        fi
        for dir in "${folders[@]}"; do ns_record dir "$dir"; done
        for path in "${files[@]}"; do
          ns_record file "$path"
          ns_touched[$path]=1
        done
      }
      """#

    private static let packagesText = #"""
      # Sets ns_pm to the node's package manager: the first of apt-get, dnf and zypper found.
      ns_package_manager() {
        local pm
        if [ -n "${ns_pm:-}" ]; then return 0; fi
        for pm in apt-get dnf zypper; do
          if command -v "$pm" >/dev/null 2>&1; then
            ns_pm=$pm
            return 0
          fi
        done
        ns_die 'no supported package manager found (apt-get, dnf or zypper)'
      }

      # Installs those of the packages "$@" that are not installed, with "$ns_pm". rpm is asked
      # what provides each name, as dnf and zypper resolve names, so that a name another
      # package provides counts as installed.
      ns_packages() {
        local package missing=()
        for package in "$@"; do
          if [ "$ns_pm" = apt-get ]; then
            if [ "$(dpkg-query -W --showformat="\${Status}" -- "$package" 2>/dev/null)" \
              != 'install ok installed' ]; then
              missing+=("$package")
            fi
          elif ! rpm -q --quiet --whatprovides -- "$package"; then
            missing+=("$package")
          fi
        done
        if ((${#missing[@]} == 0)); then return 0; fi
        if ((ns_check)); then
          ns_change "installed packages: ${missing[*]}"
          return 0
        fi
        case $ns_pm in
          apt-get)
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
              -- "${missing[@]}" >&2
            ;;
          dnf) dnf install -y -q -- "${missing[@]}" >&2 ;;
          zypper) zypper --non-interactive --quiet install -- "${missing[@]}" >&2 ;;
        esac
        ns_change "installed packages: ${missing[*]}"
      }
      """#

    private static let kernelModuleText = #"""
      # Loads kernel module $1 unless /sys/module has it (loaded, or built in). /sys/module
      # spells names with underscores where modprobe also accepts dashes.
      ns_kernel_module() {
        if [ ! -d "/sys/module/${1//-/_}" ]; then
          if ((ns_check == 0)); then modprobe -- "$1"; fi
          ns_change "loaded kernel module $1"
        fi
      }
      """#

    private static let sysctlText = #"""
      # Sets kernel parameter $1 to $2 unless it has that value. The value is read from
      # /proc/sys, as sysctl reads it, but without a process (sysctl where /proc/sys cannot
      # be read). Multi-value parameters are printed with tabs, so both sides are compared
      # as their blank-separated words.
      ns_sysctl() {
        local proc=${1//./\/} value=''
        local -a have want
        if [[ $1 == */* ]]; then proc=$1; fi
        if [ -r "/proc/sys/$proc" ]; then
          IFS= read -r value <"/proc/sys/$proc" || true
        else
          value=$(sysctl -n -- "$1")
        fi
        ns_split have "$value"
        ns_split want "$2"
        if [ "${have[*]}" != "${want[*]}" ]; then
          if ((ns_check == 0)); then sysctl -q -w -- "$1=$2" >/dev/null; fi
          ns_change "set $1 = $2"
        fi
      }
      """#

    private static let runAsText = #"""
      # Runs "$@" as user $1 through a login shell (the user's HOME, PATH and profile) with
      # XDG_RUNTIME_DIR set as a login session sets it, so that `systemctl --user` reaches the
      # user's manager. The quoted script is the only shell code: the command and its arguments
      # pass through "$@" and are never parsed again. `--` keeps runuser from reading them.
      ns_as() {
        local user=$1 uid run=runuser
        shift
        uid=$(id -u -- "$user")
        if ! command -v runuser >/dev/null 2>&1; then run=su; fi
        # shellcheck disable=SC2016 # $0 and $@ belong to the inner shell.
        "$run" -l -s /bin/sh -c 'export XDG_RUNTIME_DIR="$0"; exec "$@"' \
          -- "$user" "/run/user/$uid" "$@"
      }

      # Runs systemctl on the system manager ($1 empty) or on user $1's manager.
      ns_systemctl() {
        local user=$1
        shift
        if [ -z "$user" ]; then
          systemctl "$@"
        else
          ns_as "$user" systemctl --user "$@"
        fi
      }
      """#

    private static let serviceText = #"""
      # Service step $1: unit $2 (file $3, wanted by $4) of the system ($5 empty) or of user
      # $5 is enabled and running, and restarted when a step it depends on changed. Without
      # a running systemd the unit is only enabled, by the symlink `systemctl enable` makes.
      # ns_restart: service steps to restart, by step id (ns_notify fills it).
      # ns_reloaded: per manager, ns_changes when it last re-read its units.
      declare -A ns_restart=() ns_reloaded=()
      ns_service() {
        local id=$1 unit=$2 file=$3 wanted=$4 user=$5 manager=system reloaded done='' wants
        if [ -n "$user" ]; then manager="user:$user"; fi
        ns_record service "$user" "$unit" "$wanted" "$file"
        if ((ns_check)); then
          # What the run would do, from the unit's state now and the steps that would change.
          if ((ns_systemd)); then
            if ! ns_systemctl "$user" is-enabled --quiet -- "$unit" 2>/dev/null; then
              done=enable
            fi
            if ! ns_systemctl "$user" is-active --quiet -- "$unit"; then
              done="${done:+$done, }start"
            elif [ "${ns_restart[$id]:-0}" = 1 ]; then
              done="${done:+$done, }restart"
            fi
          elif [ -z "$user" ] && [ ! -L "/etc/systemd/system/$wanted.wants/$unit" ]; then
            done=enable
          fi
          if [ -n "$done" ]; then ns_note "$done $unit"; fi
          return 0
        fi
        if ((ns_systemd)); then
          # Re-read units once per manager if any step changed something since the last time.
          reloaded=${ns_reloaded[$manager]:-0}
          if ((ns_changes > reloaded)); then
            ns_systemctl "$user" daemon-reload
            ns_reloaded[$manager]=$ns_changes
          fi
          if ! ns_systemctl "$user" is-enabled --quiet -- "$unit"; then
            ns_systemctl "$user" enable --quiet -- "$unit"
            done=enabled
          fi
          if ! ns_systemctl "$user" is-active --quiet -- "$unit"; then
            ns_systemctl "$user" start -- "$unit"
            done="${done:+$done, }started"
          elif [ "${ns_restart[$id]:-0}" = 1 ]; then
            ns_systemctl "$user" restart -- "$unit"
            done="${done:+$done, }restarted"
          fi
          if [ -n "$done" ]; then ns_say "$unit: $done"; fi
          return 0
        fi
        if [ -z "$user" ]; then
          wants="/etc/systemd/system/$wanted.wants"
          if [ ! -L "$wants/$unit" ]; then
            mkdir -p -- "$wants"
            ln -sfn -- "$file" "$wants/$unit"
            ns_say "systemd is not running: $unit enabled, not started"
          fi
        else
          wants="$(getent passwd -- "$user" | cut -d: -f6)/.config/systemd/user/$wanted.wants"
          if [ ! -L "$wants/$unit" ]; then
            ns_as "$user" mkdir -p -- "$wants"
            ns_as "$user" ln -sfn -- "$file" "$wants/$unit"
            ns_say "systemd is not running: $unit enabled, not started"
          fi
        fi
      }
      """#
  }
}
