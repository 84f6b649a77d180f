# gnuplot docs/results/reacher_image_48_batch1024_online.gp   (from the run's progress.csv, copied beside)
set terminal pngcairo size 900,480 font ",11"
set output 'docs/results/reacher_image_48_batch1024_online.png'
set datafile separator ","
set title "reacher:image=48 online on 2 cores, batch 1024, seed 1 (batch 64: best 0.02-0.04 in 20 min)"
set xlabel "seconds"
set ylabel "success rate"
set y2label "learner updates (thousands)"
set ytics nomirror
set y2tics
set yrange [0:0.3]
set y2range [0:6]
set key top left
set grid
f = 'docs/results/reacher_image_48_batch1024_online.csv'
plot f using 1:6 every ::1 with lines lw 2 title "test (deterministic policy, 100 goals)", \
     f using 1:5 every ::1 with lines dt 2 title "train (with exploration noise)", \
     f using 1:($8/1000) every ::1 axes x1y2 with lines lw 1 lc rgb "gray" title "updates of 1024 (right axis)"
