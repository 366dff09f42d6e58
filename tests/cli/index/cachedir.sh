# A dump in a folder the user cannot write to: the index goes to $XDG_CACHE_HOME/heapsnap/ (made
# 0700), is found there by the next command, and the folder of the dump is left alone. Run as an
# unprivileged user (setpriv to nobody when the test runs as root, since root writes anywhere).
set -u
mkdir ro cache
cp "$HEAPSNAP" ./heapsnap; HEAPSNAP=$PWD/heapsnap   # the build tree may be closed to that user
"$BIN/hsgen" heap 120000 ro/d.hsnap 5
chmod 0644 ro/d.hsnap
if [ "$(id -u)" = 0 ]; then
  chown 65534 cache; chmod 0755 . ro
  as() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent XDG_CACHE_HOME="$PWD/cache" "$@"; }
else
  chmod 0555 ro
  as() { env XDG_CACHE_HOME="$PWD/cache" "$@"; }
fi
as "$HEAPSNAP" top --no-index ro/d.hsnap > want
as "$HEAPSNAP" top ro/d.hsnap > got1
as "$HEAPSNAP" top ro/d.hsnap > got2
cmp -s want got1 && cmp -s want got2 && echo "same answers"
ls ro
ls cache/heapsnap | sed 's/^[0-9a-f]\{16\}-/HASH-/'
stat -c %a cache/heapsnap
as "$HEAPSNAP" index --check ro/d.hsnap | sed 's#: /.*/cache/heapsnap/[0-9a-f]*-#: CACHE/#; s/(.*//'
chmod 0755 ro
