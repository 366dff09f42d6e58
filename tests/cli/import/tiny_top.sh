# A V8 heap snapshot is read directly: retained sizes of the tiny fixture
# (computed by hand in tests/data/v8/tiny.expected.tsv).
"$HEAPSNAP" top "$DATA/v8/tiny.heapsnapshot"
