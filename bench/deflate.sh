#!/usr/bin/env bash
# What the cloud-init backend's compression would cost and give with each encoder: zlib at
# levels 6 to 9 (and its memLevel, windowBits and strategies) against libdeflate at its
# levels, on the texts the backend compresses for a spec (its `gz+b64` files, and the whole
# user-data when that is gzip'd too). Per text and encoder: the compressed size in bytes, the
# instructions of compressing it (valgrind's callgrind, setup and freeing included) and the
# page faults that took (bench/deflate.c).
#
# Usage: bench/deflate.sh [SPEC...]
#   SPEC defaults to examples/writeup-all-mirrors.yaml and a 100-registry spec
#   (bench/registries.py 100).
# Environment: NODESPEC (default: the binary `swift build -c release` makes, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/out/deflate
mkdir -p "$out"
specs=("$@")
if [ "${#specs[@]}" -eq 0 ]; then
  python3 bench/registries.py 100 >"$out/registries-100.yaml"
  specs=(examples/writeup-all-mirrors.yaml "$out/registries-100.yaml")
fi
if [ -z "${NODESPEC:-}" ]; then
  swift build -c release --product nodespec >/dev/null
  NODESPEC=$(swift build -c release --show-bin-path)/nodespec
fi
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O2 -o "$out/deflate" bench/deflate.c $(pkg-config --cflags --libs zlib libdeflate)

# The texts one spec's cloud-config compresses, each in its own file: every `gz+b64` entry's
# content, decoded, and the document itself when the user-data is gzip'd whole.
payloads() { # payloads <spec> <prefix>
  "$NODESPEC" compile "$1" --target cloud-init -o "$2.user-data"
  python3 - "$2" <<'EOF'
import base64, gzip, sys

prefix = sys.argv[1]
data = open(prefix + ".user-data", "rb").read()
if data[:2] == b"\x1f\x8b":
    data = gzip.decompress(data)
    open(prefix + ".document", "wb").write(data)
    print(prefix + ".document")
lines = data.decode().split("\n")
path = None
for index, line in enumerate(lines):
    if line.startswith("- path: "):
        path = line[len("- path: "):]
    if line == "  encoding: gz+b64" and lines[index + 1] == "  content: |":
        body = []
        for text in lines[index + 2:]:
            if not text.startswith("    "):
                break
            body.append(text[4:])
        name = prefix + "." + path.rsplit("/", 1)[1]
        open(name, "wb").write(gzip.decompress(base64.b64decode("".join(body))))
        print(name)
EOF
}

instructions() { # instructions <command...>: instructions inside compress_once()
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='compress_once*' "$@" \
    2>&1 >/dev/null | sed -n 's/^==[0-9]*== Collected : //p'
}

encoders=(
  "zlib 6 8 15 0" "zlib 7 8 15 0" "zlib 8 8 15 0" "zlib 9 8 15 0" "zlib 9 9 15 0"
  "zlib 9 9 14 0" "zlib 9 9 13 0" "zlib 9 9 15 1" "zlib 9 1 15 0"
  "libdeflate 1" "libdeflate 2" "libdeflate 3" "libdeflate 4" "libdeflate 5"
  "libdeflate 6" "libdeflate 7" "libdeflate 8" "libdeflate 9" "libdeflate 10"
  "libdeflate 11" "libdeflate 12"
)
echo "zlib: LEVEL MEMLEVEL WINDOWBITS STRATEGY (0 default, 1 filtered); libdeflate: LEVEL"
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .yaml)
  while read -r payload; do
    echo "$spec: $(basename "$payload") ($(wc -c <"$payload") bytes)"
    printf '  %-20s %8s %12s %7s\n' encoder bytes instructions faults
    for encoder in "${encoders[@]}"; do
      # shellcheck disable=SC2086 # the encoder's words are its arguments
      read -r size faults < <("$out/deflate" "$payload" $encoder)
      # shellcheck disable=SC2086
      count=$(instructions "$out/deflate" "$payload" $encoder)
      printf '  %-20s %8s %12s %7s\n' "$encoder" "$size" "$count" "$faults"
    done
  done < <(payloads "$spec" "$out/$name")
done
