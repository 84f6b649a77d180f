# gnuplot docs/results/reacher_image_batch.gp   (from reacher_image_batch.tsv beside it)
set terminal pngcairo size 900,520 font ",11"
set output 'docs/results/reacher_image_batch.png'
set title "reacher from 48 px: hEM's M-step offline on 3,000 random episodes (seed 1)"
set xlabel "updates (thousands)"
set ylabel "test success (deterministic policy, 100 goals)"
set key at graph 0.98, graph 0.6 right box opaque
set yrange [0:1]
set grid
f = 'docs/results/reacher_image_batch.tsv'
plot f using ($5/1000):(strcol(1) eq "st_b256" ? $7 : 1/0) with linespoints lw 2 title "states, batch 256", \
     f using ($5/1000):(strcol(1) eq "px_b2048" ? $7 : 1/0) with linespoints lw 2 title "pixels, batch 2048", \
     f using ($5/1000):(strcol(1) eq "px_b1024_fine" ? $7 : 1/0) with linespoints lw 2 title "pixels, batch 1024", \
     f using ($5/1000):(strcol(1) eq "px_b512" ? $7 : 1/0) with linespoints lw 2 title "pixels, batch 512", \
     f using ($5/1000):(strcol(1) eq "px_b256" ? $7 : 1/0) with linespoints lw 2 title "pixels, batch 256", \
     f using ($5/1000):(strcol(1) eq "cpu_b64" ? $7 : 1/0) with linespoints lw 2 title "pixels, batch 64 (CPU, earlier)"
