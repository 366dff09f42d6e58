# The dominator tree of the tiny fixture: the weakly held Baz is unreachable,
# the string shared by Foo and Bar hangs from the root.
"$HEAPSNAP" dominators "$DATA/v8/tiny.heapsnapshot"
