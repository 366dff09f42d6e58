# Issue 19 #8: an address past 64 bits was clamped (strtoull), so `show FILE
# 0x123456789abcdef0123` looked up 0xffffffffffffffff. It is a usage error,
# exit 2, whose first line names the argument.
"$MKHOSTILE" snap s.hsnap 1700000000000000 T 64
first() { "$@" >out.txt 2>err.txt; echo "$? $(head -n1 err.txt)"; }
for cmd in show path graph; do
  for a in 0x123456789abcdef0123 18446744073709551616 0x10000000000000000; do
    out=; [ $cmd = graph ] && out="-o g.dot"
    got=$(first "$HEAPSNAP" $cmd $out s.hsnap "$a")
    check "$cmd $a: $got" test "$got" = "2 heapsnap $cmd: '$a' is not an address (more than 64 bits)"
  done
done
got=$(first "$HEAPSNAP" show s.hsnap 0xffffffffffffffff)
check "the largest address is an address: $got" test "$got" = "1 heapsnap: 's.hsnap': no block at address 0xffffffffffffffff"
expect 0 "" "$HEAPSNAP" show s.hsnap 0x1000
