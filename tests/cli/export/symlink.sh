# An existing symlink at OUT is replaced, never followed: the file it points to is untouched.
"$MKSNAP" small s.hsnap && echo precious > target.txt && ln -s target.txt out.db && "$HEAPSNAP" export --sqlite out.db s.hsnap && cat target.txt && [ ! -L out.db ] && [ -f out.db ] && echo "out.db is a regular file"
