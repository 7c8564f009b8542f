//! Side-by-side benchmark of our generated client (with our challenge auth), raw reqwest (the
//! ceiling, same TLS and connection settings) and the official `azure_security_keyvault_*`
//! crates, against a fast fake vault in its own process, over TLS HTTP/1.1 and HTTP/2:
//! - `get_secret` throughput at concurrency 1 and 32;
//! - large bodies (a 25 KB secret set and got, a certificate, a 40 KB backup and restore);
//! - many clients (50, sharing one transport or each its own, 32 calls at once);
//! - cold start (a fresh process per sample, to the first secret);
//! - resident memory per idle client and per in-flight call;
//! - then paging memory (10k vs 100k secrets through our pager) and the time to regenerate
//!   every crate.
//!
//! Each comparison ends as a `ratio` line: ours against a peer, above 1 when ours is better.
//!
//! `cargo run --release --manifest-path tests/bench/Cargo.toml`
//!
//! Some sections only: `KV_BENCH_SECTIONS=throughput,large,clients,cold,memory,paging,codegen`;
//! some cases only: `KV_BENCH_ONLY=ours,raw KV_BENCH_PROTO=h2 KV_BENCH_CONC=1` (lists);
//! one large-body case: `KV_BENCH_OP=restore_secret_40k`; rounds: `KV_BENCH_ROUNDS` (5 for throughput, at most 3 elsewhere).

mod cold_start;
mod drivers;
mod fake_vault;
mod memory;
mod payloads;

use drivers::{Case, Driver, Op};

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
pub fn status_kib(field: &str) -> u64 {
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

/// A fake vault process (killed when dropped), or one another process started (`attach`).
pub struct FakeVault {
    child: Option<std::process::Child>,
    pub url: String,
    pub cert_pem: Vec<u8>,
    pub cert_path: std::path::PathBuf,
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
            child: Some(child),
            url: format!("https://127.0.0.1:{port}"),
            cert_pem: std::fs::read(&cert).expect("certificate"),
            cert_path: cert,
        }
    }

    /// The vault a parent process started (its URL and certificate file).
    pub fn attach(url: &str, cert: &str) -> FakeVault {
        FakeVault {
            child: None,
            url: url.to_owned(),
            cert_pem: std::fs::read(cert).expect("certificate"),
            cert_path: cert.into(),
        }
    }
}

impl Drop for FakeVault {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&self.cert_path);
        }
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

/// The `ratio` lines, printed together at the end.
#[derive(Default)]
struct Ratios(Vec<String>);

impl Ratios {
    /// `ratio LABEL NAME k=v ...`, each value ours against the peer (above 1: ours better).
    fn push(&mut self, label: &str, name: &str, values: &[(&str, f64)]) {
        let values: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v:.2}")).collect();
        self.0
            .push(format!("ratio {label} {name} {}", values.join(" ")));
    }
}

/// Which sections, protocols, concurrencies and clients to run (environment filters).
fn only(var: &str, value: &str) -> bool {
    std::env::var(var).map_or(true, |v| v.split(',').any(|v| v == value))
}

const PROTOCOLS: [(&str, bool); 2] = [("h1.1", false), ("h2", true)];

fn main() {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--serve") => {
            let h2 = args[2] == "h2";
            let size: usize = args[3].parse().expect("size");
            fake_vault::serve(h2, size, &args[4]);
            return;
        }
        Some("--paging") => {
            let count: usize = args[2].parse().expect("count");
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            let vault = FakeVault::start(false, count);
            reset_peak_rss();
            let before = status_kib("VmRSS:");
            let seen = runtime.block_on(drivers::page_through(&vault, count));
            println!("{seen} {before} {}", status_kib("VmHWM:"));
            return;
        }
        Some("--cold") => cold_start::child(&args[2], &args[3], &args[4], started),
        Some("--memory") => {
            memory::child(&args[2], &args[3], &args[4], &args[5], args[6] == "h2");
            return;
        }
        _ => {}
    }
    pin_to_core(0);
    let rounds: usize = std::env::var("KV_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut ratios = Ratios::default();
    let vaults: Vec<(&str, FakeVault)> = PROTOCOLS
        .iter()
        .filter(|(proto, _)| only("KV_BENCH_PROTO", proto))
        .map(|&(proto, h2)| (proto, FakeVault::start(h2, 0)))
        .collect();
    println!("against a fake vault in its own process (TLS; 2-core machine; client on core 0, vault on core 1)");
    if only("KV_BENCH_SECTIONS", "throughput") {
        throughput(&vaults, rounds, &mut ratios);
    }
    if only("KV_BENCH_SECTIONS", "large") {
        large_bodies(&vaults, rounds.min(3), &mut ratios);
    }
    if only("KV_BENCH_SECTIONS", "clients") {
        many_clients(&vaults, rounds.min(3), &mut ratios);
    }
    if only("KV_BENCH_SECTIONS", "cold") {
        cold_starts(&vaults, &mut ratios);
    }
    if only("KV_BENCH_SECTIONS", "memory") {
        memory_use(&vaults, &mut ratios);
    }
    drop(vaults);
    if only("KV_BENCH_SECTIONS", "paging") {
        paging();
    }
    if only("KV_BENCH_SECTIONS", "codegen") {
        codegen_time();
    }
    println!();
    println!("ratio lines: ours against a peer, above 1 when ours is better (calls per second, time, bytes)");
    for line in &ratios.0 {
        println!("{line}");
    }
}

fn print_header(first: &str) {
    println!(
        "{first:<18} {:<10} {:<6} {:>5} {:>10} {:>9} {:>9} {:>10}",
        "client", "proto", "conc", "req/s", "p50 us", "p99 us", "CPU us/op"
    );
}

/// Runs one case for every driver in `drivers`, `rounds` interleaved rounds (a slow spell of
/// this shared machine hits all of them alike), prints each driver's median round and returns
/// its calls per second (NaN for a driver filtered out).
fn compare(
    label: &str,
    drivers: &[Driver],
    vault: &FakeVault,
    proto: &str,
    h2: bool,
    case: &Case,
    rounds: usize,
) -> Vec<f64> {
    let mut runs: Vec<Vec<Run>> = drivers.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for (i, &driver) in drivers.iter().enumerate() {
            if only("KV_BENCH_ONLY", driver.name()) {
                runs[i].push(drivers::run(driver, vault, h2, case));
            }
        }
    }
    drivers
        .iter()
        .zip(runs)
        .map(|(driver, mut runs)| {
            if runs.is_empty() {
                return f64::NAN;
            }
            runs.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
            let run = &runs[runs.len() / 2];
            println!(
                "{label:<18} {:<10} {:<6} {:>5} {:>10.0} {:>9.0} {:>9.0} {:>10.1}",
                driver.name(),
                proto,
                case.concurrency,
                run.per_second(),
                run.percentile(0.5).as_secs_f64() * 1e6,
                run.percentile(0.99).as_secs_f64() * 1e6,
                run.cpu_per_call_us()
            );
            run.per_second()
        })
        .collect()
}

/// `get_secret` at concurrency 1 and 32, every driver.
fn throughput(vaults: &[(&str, FakeVault)], rounds: usize, ratios: &mut Ratios) {
    println!();
    println!("get_secret: median of {rounds} interleaved rounds");
    print_header("case");
    for (proto, vault) in vaults {
        let h2 = *proto == "h2";
        let mut by_concurrency = Vec::new();
        for (concurrency, requests) in [(1, 4_000), (32, 40_000)] {
            if !only("KV_BENCH_CONC", &concurrency.to_string()) {
                continue;
            }
            let case = Case {
                op: Op::GetSecret,
                concurrency,
                requests,
                clients: 1,
                shared: false,
            };
            let row = compare("get_secret", &Driver::ALL, vault, proto, h2, &case, rounds);
            by_concurrency.push((concurrency, row));
        }
        let [(1, c1), (32, c32)] = by_concurrency.as_slice() else {
            continue;
        };
        // Columns of Driver::ALL: ours, ours-rq, raw, official.
        let pairs: [(&str, usize, usize); 4] = [
            ("ours/raw", 0, 2),
            ("ours/official", 0, 3),
            ("ours/ours-rq", 0, 1),
            ("ours-rq/raw", 1, 2),
        ];
        for (name, a, b) in pairs {
            ratios.push(
                proto,
                name,
                &[("c1", c1[a] / c1[b]), ("c32", c32[a] / c32[b])],
            );
        }
    }
}

/// Pushes `ours/raw` and `ours/official` lines for rows of `Driver::PEERS` (ours, raw,
/// official) per concurrency.
fn peer_ratios(ratios: &mut Ratios, label: &str, rows: &[(String, Vec<f64>)]) {
    for (name, peer) in [("ours/raw", 1), ("ours/official", 2)] {
        let values: Vec<(&str, f64)> = rows
            .iter()
            .map(|(column, row)| (column.as_str(), row[0] / row[peer]))
            .collect();
        ratios.push(label, name, &values);
    }
}

/// A 25 KB secret set and got, a certificate got, a 40 KB backup and restore; c1 and c32.
fn large_bodies(vaults: &[(&str, FakeVault)], rounds: usize, ratios: &mut Ratios) {
    println!();
    println!(
        "large bodies: median of {rounds} interleaved rounds (raw: serde structs of the fields used, base64 decoded and encoded)"
    );
    print_header("case");
    for (proto, vault) in vaults {
        let h2 = *proto == "h2";
        for op in Op::LARGE {
            if !only("KV_BENCH_OP", op.name()) {
                continue;
            }
            let mut rows = Vec::new();
            for (concurrency, requests) in [(1, 1_000), (32, 8_000)] {
                if !only("KV_BENCH_CONC", &concurrency.to_string()) {
                    continue;
                }
                let case = Case {
                    op,
                    concurrency,
                    requests,
                    clients: 1,
                    shared: false,
                };
                let row = compare(op.name(), &Driver::PEERS, vault, proto, h2, &case, rounds);
                rows.push((format!("c{concurrency}"), row));
            }
            peer_ratios(ratios, &format!("{proto} {}", op.name()), &rows);
        }
    }
}

/// 50 clients, 32 calls at once spread over them, sharing one transport or each its own.
fn many_clients(vaults: &[(&str, FakeVault)], rounds: usize, ratios: &mut Ratios) {
    const CLIENTS: usize = 50;
    println!();
    println!("{CLIENTS} clients, get_secret, 32 calls at once taking turns on them: median of {rounds} interleaved rounds");
    print_header("case");
    for (proto, vault) in vaults {
        let h2 = *proto == "h2";
        let mut rows = Vec::new();
        for shared in [true, false] {
            let case = Case {
                op: Op::GetSecret,
                concurrency: 32,
                requests: 20_000,
                clients: CLIENTS,
                shared,
            };
            let label = if shared {
                "shared transport"
            } else {
                "own transports"
            };
            let row = compare(label, &Driver::PEERS, vault, proto, h2, &case, rounds);
            rows.push((if shared { "shared" } else { "own" }.to_owned(), row));
        }
        peer_ratios(ratios, &format!("{proto} clients-{CLIENTS}-c32"), &rows);
    }
}

/// A fresh process per sample; median and p90 of 25 per client and protocol.
fn cold_starts(vaults: &[(&str, FakeVault)], ratios: &mut Ratios) {
    const SAMPLES: usize = 25;
    println!();
    println!("cold start: a fresh process per sample to its first secret ({SAMPLES} per client, interleaved); ms");
    println!(
        "{:<10} {:<6} {:>12} {:>12} {:>14} {:>14}",
        "client", "proto", "first p50", "first p90", "process p50", "process p90"
    );
    for (proto, vault) in vaults {
        let results = cold_start::measure(vault, SAMPLES);
        let figures: Vec<[f64; 4]> = results
            .iter()
            .map(|(driver, samples)| {
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
                let f = [
                    ms(cold_start::quantile(&samples.in_process, 0.5)),
                    ms(cold_start::quantile(&samples.in_process, 0.9)),
                    ms(cold_start::quantile(&samples.whole, 0.5)),
                    ms(cold_start::quantile(&samples.whole, 0.9)),
                ];
                println!(
                    "{:<10} {:<6} {:>12.2} {:>12.2} {:>14.2} {:>14.2}",
                    driver.name(),
                    proto,
                    f[0],
                    f[1],
                    f[2],
                    f[3]
                );
                f
            })
            .collect();
        // Time ratios, the peer's over ours (above 1: ours reaches its first secret sooner).
        for (name, peer) in [("raw/ours", 1), ("official/ours", 2)] {
            ratios.push(
                &format!("{proto} cold-start"),
                &format!("time {name}"),
                &[
                    ("p50", figures[peer][0] / figures[0][0]),
                    ("p90", figures[peer][1] / figures[0][1]),
                ],
            );
        }
    }
}

/// Resident bytes per idle client (both protocols) and per in-flight call (HTTP/2).
fn memory_use(vaults: &[(&str, FakeVault)], ratios: &mut Ratios) {
    println!();
    println!("resident memory (median of 3 processes each): KiB per idle client (own transport, connected) and per in-flight call (one HTTP/2 connection)");
    println!(
        "{:<10} {:<6} {:<16} {:>10}",
        "client", "proto", "what", "KiB"
    );
    for (proto, vault) in vaults {
        let h2 = *proto == "h2";
        let mut kinds = vec![memory::Kind::IdleClient];
        if h2 {
            kinds.push(memory::Kind::InFlightCall);
        }
        for kind in kinds {
            let figures: Vec<f64> = Driver::PEERS
                .iter()
                .map(|&driver| {
                    let bytes = memory::measure(vault, driver, kind, h2);
                    println!(
                        "{:<10} {:<6} {:<16} {:>10.1}",
                        driver.name(),
                        proto,
                        kind.name(),
                        bytes / 1024.0
                    );
                    bytes
                })
                .collect();
            ratios.push(
                &format!("{proto} memory {}", kind.name()),
                "bytes",
                &[
                    ("raw/ours", figures[1] / figures[0]),
                    ("official/ours", figures[2] / figures[0]),
                ],
            );
        }
    }
}

/// Our pager streaming every secret of 10k and 100k: peak resident memory.
fn paging() {
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
}

/// The time to regenerate every crate (release build of the generator).
fn codegen_time() {
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
}
