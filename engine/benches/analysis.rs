//! Full analysis (flow, route, duplication and every hotspot) of generated pathways of 10² to 10⁵
//! steps with about 3 transitions per step and 5% of steps starting a rework loop; and of dense
//! loops with repeated codes (400 and 4,000 steps, about 5 transitions per step, nearly every step
//! in one loop), the shape that made duplication super-linear. The 4,000-step case is one
//! inversion of a 4,000-step loop per analysis (about a minute): it takes about ten minutes.
//!
//! `cargo bench -p engine --features testing --bench analysis`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use engine::testing::{Shape, generated_pathway};
use std::hint::black_box;
use std::time::Duration;

fn analysis(c: &mut Criterion) {
    let mut group = c.benchmark_group("analysis");
    group.warm_up_time(Duration::from_secs(1));
    for steps in [100usize, 200, 1_000, 10_000, 100_000] {
        let map = std::sync::Arc::new(generated_pathway(Shape::benchmark(steps), 42));
        let model = engine::analysis::flow::Model::new(&map).expect("one START");
        let loops: Vec<usize> = (0..model.components.len())
            .filter(|&c| model.is_loop(c))
            .map(|c| model.components[c].len())
            .collect();
        eprintln!(
            "{steps} steps: {:.2} transitions per step, {} loops (largest {} steps)",
            map.transitions.len() as f64 / steps as f64,
            loops.len(),
            loops.iter().max().unwrap_or(&0)
        );
        group.throughput(Throughput::Elements(steps as u64));
        if steps >= 10_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(if steps >= 100_000 { 20 } else { 5 }));
        } else {
            group.sample_size(50);
            group.measurement_time(Duration::from_secs(3));
        }
        group.bench_with_input(BenchmarkId::from_parameter(steps), &map, |b, map| {
            b.iter(|| {
                engine::analyse(black_box(map), Some(50.0)).expect("generated pathways are valid")
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("analysis of dense loops");
    group.warm_up_time(Duration::from_secs(1));
    for steps in [400usize, 4_000] {
        let map = std::sync::Arc::new(generated_pathway(Shape::dense_loops(steps), 42));
        group.throughput(Throughput::Elements(steps as u64));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(if steps > 1_000 { 600 } else { 5 }));
        group.bench_with_input(BenchmarkId::from_parameter(steps), &map, |b, map| {
            b.iter(|| {
                engine::analyse(black_box(map), Some(50.0)).expect("generated pathways are valid")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
