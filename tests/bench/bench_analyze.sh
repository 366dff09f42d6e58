#!/usr/bin/env bash
# tests/bench/bench_analyze.sh — the analyzer benchmark: writes hsgen heap
# snapshots of the given sizes (cached in DIR) and runs bench_analyze RUNS
# times on each, printing every run and the median of each phase.
#   bench_analyze.sh BIN_DIR [DIR] [RUNS] [SIZES...]   (default 5 runs, 1000000 10000000)
set -eu
bin=$1; dir=${2:-/tmp/hsbench}; runs=${3:-5}; shift $(( $# < 3 ? $# : 3 ))
sizes=${*:-1000000 10000000}
mkdir -p "$dir"
for n in $sizes; do
  f=$dir/heap-$n.hsnap
  [ -f "$f" ] || "$bin/hsgen" heap "$n" "$f" 1
  echo "== $n blocks: $(du -h "$f" | cut -f1)"
  for i in $(seq "$runs"); do "$bin/bench_analyze" "$f" 20; done | tee "$dir/runs-$n.txt"
  awk '/^load/ {l[NR]=$2; d[NR]=$5; t[NR]=$8; e[NR]=$11; s[NR]=$14}
       /^cpu:/ {cl[NR]=$3; cd[NR]=$6; ct[NR]=$9; ce[NR]=$12; cs[NR]=$15}
       /^peak/ {b[NR]=$(NF-1)}
       function med(a,  n,i,v,k,tmp){n=0; for(k in a) v[++n]=a[k]; for(i=1;i<=n;i++) for(k=i+1;k<=n;k++) if(v[k]<v[i]){tmp=v[i];v[i]=v[k];v[k]=tmp} return v[int((n+1)/2)]}
       END {printf "median: load %.3f s, dominators+retained %.3f s, top20+paths %.3f s, end-to-end %.3f s, scc %.3f s, %.1f bytes/block\n", med(l), med(d), med(t), med(e), med(s), med(b)
            if (length(cl)) printf "median cpu: load %.3f s, dominators+retained %.3f s, top20+paths %.3f s, end-to-end %.3f s, scc %.3f s\n", med(cl), med(cd), med(ct), med(ce), med(cs)}' "$dir/runs-$n.txt"
done
