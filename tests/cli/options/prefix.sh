# A long option may be shortened to a prefix that names one option: the
# output is the full option's, byte for byte; "--h" is --help.
"$MKSNAP" small s.hsnap
"$HEAPSNAP" top --json -n 3 s.hsnap >full.out
"$HEAPSNAP" top --jso -n 3 s.hsnap >short.out && cmp full.out short.out && echo "--jso = --json"
"$HEAPSNAP" top --j -n 3 s.hsnap >short.out && cmp full.out short.out && echo "--j = --json"
"$HEAPSNAP" top --raw s.hsnap >full.out
"$HEAPSNAP" top --ra s.hsnap >short.out && cmp full.out short.out && echo "--ra = --raw"
"$HEAPSNAP" top --fold 50 s.hsnap >full.out
"$HEAPSNAP" top --fo=50 s.hsnap >short.out && cmp full.out short.out && echo "--fo=50 = --fold 50"
"$HEAPSNAP" summary --so count s.hsnap >short.out && "$HEAPSNAP" summary --sort count s.hsnap | cmp - short.out &&
  echo "--so count = --sort count"
"$HEAPSNAP" top --h | head -1
# an exact name wins over a longer one it is a prefix of
"$HEAPSNAP" diff --noise 0 --json s.hsnap s.hsnap >full.out
"$HEAPSNAP" diff --noi 0 --js s.hsnap s.hsnap >short.out && cmp full.out short.out && echo "--noi --js = --noise --json"
