# Usage errors exit 2 with a message on stderr; nothing on stdout.
"$HEAPSNAP" 2>/dev/null; a=$?
"$HEAPSNAP" nosuchcommand 2>/dev/null; b=$?
"$HEAPSNAP" info 2>/dev/null; c=$?
"$HEAPSNAP" info --bogus x 2>/dev/null; d=$?
"$HEAPSNAP" summary -n abc x 2>/dev/null; e=$?
"$HEAPSNAP" summary --sort size x 2>/dev/null; f=$?
"$HEAPSNAP" info a b 2>/dev/null; g=$?
echo "$a $b $c $d $e $f $g"
