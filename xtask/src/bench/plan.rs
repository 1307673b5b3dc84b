//! What a bench run measures and at which sizes: the full run, or `--quick`.

/// The options of `cargo xtask bench`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Small sizes, so the whole run takes under two minutes (CI).
    pub quick: bool,
    /// P2's numbers of concurrent watches, if not the default ones.
    pub sizes: Option<Vec<usize>>,
    /// B1's number of watches started at once, if not the default.
    pub burst: Option<usize>,
    /// Put the run's figures and charts into docs/performance.md (a full run only).
    pub update_docs: bool,
}

/// Every size and count of one run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: &'static str,
    pub p1_blocks: usize,
    pub p1_calls: usize,
    /// Calls in the two callgrind runs whose difference is P1i.
    pub p1i_calls: (usize, usize),
    pub p2_sizes: Vec<usize>,
    pub p2_batch: usize,
    pub p2l_watches: usize,
    pub p2l_seconds: u64,
    pub b1_watches: usize,
    /// R1's overdue watches, resumed at once.
    pub r1_watches: usize,
    /// C1's watches, on one client and then on a client each.
    pub c1_watches: usize,
    /// C2's jobs, watched by the command.
    pub c2_jobs: usize,
    /// C3's jobs on the Community tier, the time scale, and the simulated
    /// hours the jobs' ends are spread over.
    pub c3_jobs: usize,
    pub c3_scale: f64,
    pub c3_hours: f64,
    pub p3_trials: usize,
    /// P5's watches, its time scale, and when its last job ends (simulated s).
    pub p5_watches: usize,
    pub p5_scale: u32,
    pub p5_longest: u32,
    /// Build P4's two programs in release to weigh them (slow: a full compile each).
    pub p4_build: bool,
}

impl Plan {
    pub fn new(options: &Options) -> Self {
        let mut plan = if options.quick {
            Self {
                mode: "quick",
                p1_blocks: 10,
                p1_calls: 50,
                p1i_calls: (5, 25),
                p2_sizes: vec![100, 1_000],
                p2_batch: 500,
                p2l_watches: 1_000,
                p2l_seconds: 3,
                b1_watches: 500,
                r1_watches: 10_000,
                c1_watches: 100,
                c2_jobs: 400,
                c3_jobs: 300,
                c3_scale: 240.0,
                c3_hours: 2.0,
                p3_trials: 10,
                p5_watches: 1_000,
                p5_scale: 20,
                p5_longest: 240,
                p4_build: false,
            }
        } else {
            Self {
                mode: "full",
                p1_blocks: 20,
                p1_calls: 200,
                p1i_calls: (10, 110),
                p2_sizes: vec![1_000, 10_000, 100_000],
                p2_batch: 1_000,
                p2l_watches: 10_000,
                p2l_seconds: 10,
                b1_watches: 5_000,
                r1_watches: 10_000,
                c1_watches: 1_000,
                c2_jobs: 2_000,
                c3_jobs: 1_000,
                c3_scale: 60.0,
                c3_hours: 3.0,
                p3_trials: 100,
                p5_watches: 1_000,
                p5_scale: 20,
                p5_longest: 1_200,
                p4_build: true,
            }
        };
        if let Some(sizes) = &options.sizes {
            plan.p2_sizes.clone_from(sizes);
        }
        if let Some(burst) = options.burst {
            plan.b1_watches = burst;
        }
        plan
    }

    /// The most sockets one client process may hold at once.
    pub fn most_sockets(&self) -> usize {
        let batch = self
            .p2_sizes
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .min(self.p2_batch);
        batch
            .max(self.p2l_watches)
            .max(self.b1_watches)
            .max(self.c1_watches)
    }
}
