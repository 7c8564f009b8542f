//! Side-by-side benchmark: `get_secret` through our generated client (with our challenge auth),
//! raw reqwest (the ceiling, same TLS and connection settings) and the official
//! `azure_security_keyvault_secrets` crate, against a fast fake vault in its own process, at
//! concurrency 1 and 32 over TLS HTTP/1.1 (headline) and HTTP/2; then paging memory (10k vs
//! 100k secrets through our pager) and the time to regenerate every crate.
//!
//! `cargo run --release --manifest-path tests/bench/Cargo.toml`

mod drivers;
mod fake_vault;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pins the current thread (and the threads it starts) to one core, where supported.
pub fn pin_to_core(core: usize) {
    #[cfg(target_os = "linux")]
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        let _ = libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = core;
}

/// This process's user + system CPU time.
pub fn cpu_time() -> Duration {
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }
}

/// A `VmRSS`/`VmHWM` figure of this process from `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Starts a fresh peak-memory measurement: the kernel resets `VmHWM` to the current size
/// (Linux 4.0+), so the next peak is the one reached from here on.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A fake vault process; killed when dropped.
pub struct FakeVault {
    child: std::process::Child,
    pub url: String,
    pub cert_pem: Vec<u8>,
}

impl FakeVault {
    pub fn start(h2: bool, list_size: usize) -> FakeVault {
        let cert = std::env::temp_dir().join(format!(
            "kv-bench-{}-{}.pem",
            std::process::id(),
            if h2 { "h2" } else { "h1" }
        ));
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .args([
                "--serve",
                if h2 { "h2" } else { "h1" },
                &list_size.to_string(),
                cert.to_str().expect("path"),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the fake vault");
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the fake vault's port");
        let port: u16 = line
            .trim()
            .trim_start_matches("listening ")
            .parse()
            .expect("port");
        FakeVault {
            child,
            url: format!("https://127.0.0.1:{port}"),
            cert_pem: std::fs::read(&cert).expect("certificate"),
        }
    }
}

impl Drop for FakeVault {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measured run.
pub struct Run {
    pub requests: usize,
    pub elapsed: Duration,
    pub cpu: Duration,
    pub latencies: Vec<Duration>,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
    }
    fn cpu_per_call_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests as f64
    }
}

/// Throughput ratios of one protocol and concurrency (req/s over req/s).
struct Ratios {
    proto: &'static str,
    concurrency: usize,
    ours_over_raw: f64,
    ours_over_official: f64,
    /// Our default transport (hyper) over our reqwest transport.
    ours_over_ours_reqwest: f64,
    ours_reqwest_over_raw: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        let h2 = args[2] == "h2";
        let size: usize = args[3].parse().expect("size");
        fake_vault::serve(h2, size, &args[4]);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--paging") {
        let count: usize = args[2].parse().expect("count");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let vault = FakeVault::start(false, count);
        reset_peak_rss();
        let before = status_kib("VmRSS:");
        let seen = runtime.block_on(drivers::page_through(&vault, count));
        println!("{seen} {before} {}", status_kib("VmHWM:"));
        return;
    }
    pin_to_core(0);
    let total_c1 = 4_000;
    let total_c32 = 40_000;
    let rounds: usize = std::env::var("KV_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    println!("get_secret against a fake vault in its own process (TLS; 2-core machine; client on core 0, vault on core 1); median of {rounds} interleaved rounds");
    println!(
        "{:<10} {:<6} {:>5} {:>10} {:>9} {:>9} {:>10}",
        "client", "proto", "conc", "req/s", "p50 us", "p99 us", "CPU us/op"
    );
    // For profiling or comparing some cases only, e.g. KV_BENCH_ONLY=ours,raw
    // KV_BENCH_PROTO=h1.1 KV_BENCH_CONC=32 (comma-separated lists).
    let only = |var: &str, value: &str| {
        std::env::var(var).map_or(true, |v| v.split(',').any(|v| v == value))
    };
    let mut ratios = Vec::new();
    for h2 in [false, true] {
        if !only("KV_BENCH_PROTO", if h2 { "h2" } else { "h1.1" }) {
            continue;
        }
        let vault = FakeVault::start(h2, 0);
        let proto = if h2 { "h2" } else { "h1.1" };
        for concurrency in [1, 32] {
            if !only("KV_BENCH_CONC", &concurrency.to_string()) {
                continue;
            }
            let requests = if concurrency == 1 {
                total_c1
            } else {
                total_c32
            };
            // Rounds interleave the clients, so a slow spell of this shared machine hits all
            // of them alike; each client's median round is reported.
            let mut runs: Vec<Vec<Run>> = drivers::Driver::ALL.iter().map(|_| Vec::new()).collect();
            for _ in 0..rounds {
                for (i, driver) in drivers::Driver::ALL.into_iter().enumerate() {
                    if only("KV_BENCH_ONLY", driver.name()) {
                        runs[i].push(drivers::run(driver, &vault, h2, concurrency, requests));
                    }
                }
            }
            let mut row = Vec::new();
            for (driver, mut runs) in drivers::Driver::ALL.into_iter().zip(runs) {
                if runs.is_empty() {
                    row.push(f64::NAN);
                    continue;
                }
                runs.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
                let run = &runs[runs.len() / 2];
                println!(
                    "{:<10} {:<6} {:>5} {:>10.0} {:>9.0} {:>9.0} {:>10.1}",
                    driver.name(),
                    proto,
                    concurrency,
                    run.per_second(),
                    run.percentile(0.5).as_secs_f64() * 1e6,
                    run.percentile(0.99).as_secs_f64() * 1e6,
                    run.cpu_per_call_us()
                );
                row.push(run.per_second());
            }
            ratios.push(Ratios {
                proto,
                concurrency,
                ours_over_raw: row[0] / row[2],
                ours_over_official: row[0] / row[3],
                ours_over_ours_reqwest: row[0] / row[1],
                ours_reqwest_over_raw: row[1] / row[2],
            });
        }
    }

    if std::env::var_os("KV_BENCH_ONLY").is_some() {
        return;
    }
    println!();
    println!(
        "paging: our pager streaming every secret of the list (25 per page), peak resident memory"
    );
    for count in [10_000, 100_000] {
        let output = Command::new(std::env::current_exe().expect("exe"))
            .args(["--paging", &count.to_string()])
            .output()
            .expect("paging run");
        let text = String::from_utf8_lossy(&output.stdout);
        let numbers: Vec<u64> = text
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [seen, before, after] = numbers.as_slice() {
            println!(
                "  {seen:>7} secrets: peak RSS while listing {:.1} MiB (resident before listing {:.1} MiB)",
                *after as f64 / 1024.0,
                *before as f64 / 1024.0
            );
        }
    }

    println!();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = root.join("specs/codegen.toml");
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        match codegen::generate_workspace(&root, &config) {
            Ok(_) => times.push(started.elapsed()),
            Err(e) => {
                println!("codegen: skipped ({e})");
                break;
            }
        }
    }
    if !times.is_empty() {
        times.sort();
        println!(
            "codegen: regenerate everything (release): median {:.0} ms over {} runs",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times.len()
        );
    }

    println!();
    // One line per protocol and comparison, c1 and c32 side by side.
    for proto in ["h1.1", "h2"] {
        let at = |concurrency| {
            ratios
                .iter()
                .find(|r| r.proto == proto && r.concurrency == concurrency)
        };
        let (Some(c1), Some(c32)) = (at(1), at(32)) else {
            continue;
        };
        let lines: [(&str, fn(&Ratios) -> f64); 4] = [
            ("ours/raw", |r| r.ours_over_raw),
            ("ours/official", |r| r.ours_over_official),
            ("ours/ours-rq", |r| r.ours_over_ours_reqwest),
            ("ours-rq/raw", |r| r.ours_reqwest_over_raw),
        ];
        for (name, ratio) in lines {
            println!(
                "ratio {proto} {name} c1={:.2} c32={:.2}",
                ratio(c1),
                ratio(c32)
            );
        }
    }
}
