# gnuplot docs/results/reacher_image_48_batch1024_online.gp   (from the runs' progress.csv, copied beside)
set terminal pngcairo size 900,480 font ",11"
set output 'docs/results/reacher_image_48_batch1024_online.png'
set datafile separator ","
set title "reacher:image=48 online on 2 cores, batch 1024 (batch 64: best 0.02-0.04 in 20 min)"
set xlabel "seconds"
set ylabel "success rate"
set y2label "learner updates (thousands)"
set ytics nomirror
set y2tics
set yrange [0:0.3]
set y2range [0:6]
set key top left
set grid
s1 = 'docs/results/reacher_image_48_batch1024_online_s1.csv'
s2 = 'docs/results/reacher_image_48_batch1024_online_s2.csv'
plot s1 using 1:6 every ::1 with lines lw 2 lc rgb "#9400d3" title "test, seed 1 (deterministic policy, 100 goals)", \
     s2 using 1:6 every ::1 with lines lw 2 lc rgb "#e69f00" title "test, seed 2", \
     s1 using 1:5 every ::1 with lines dt 2 lc rgb "#9400d3" title "train, seed 1 (with exploration noise)", \
     s2 using 1:5 every ::1 with lines dt 2 lc rgb "#e69f00" title "train, seed 2", \
     s1 using 1:($8/1000) every ::1 axes x1y2 with lines lw 1 lc rgb "gray" title "updates of 1024, seed 1 (right axis)"
