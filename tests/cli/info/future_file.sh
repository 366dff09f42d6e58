# A file from a later 1.x writer (unknown records, keys and fields) reads fine.
"$HEAPSNAP" info --json "$DATA/good/v1_future.hsnap" | grep -E '"(format_version|producer|integrity)"'
