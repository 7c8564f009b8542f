//! Cold start: a fresh process per sample, from its start to the first secret in hand, as a
//! command-line tool or a short-lived job meets it: runtime, client, TCP, TLS handshake (no
//! session to resume), the challenge round trip (ours and official; raw sends its token
//! straight away) and the call. Tokens are static on every side, so the token service's own
//! time is not in it; DNS neither (the vault is `127.0.0.1`).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::drivers::{self, Driver, Op};
use crate::FakeVault;

/// In a child process: one `get_secret` through a new client, then prints the microseconds
/// since `started` (the process's `main`) and exits without tearing down.
pub fn child(driver: &str, url: &str, cert: &str, started: Instant) -> ! {
    let driver = Driver::from_name(driver).expect("driver name");
    let vault = FakeVault::attach(url, cert);
    let calls = drivers::calls(driver, &vault, true, Op::GetSecret, 1, false);
    drivers::runtime().block_on(calls[0]());
    println!("{}", started.elapsed().as_micros());
    std::process::exit(0);
}

/// The samples of one client: time to the first secret inside the process, and from spawn
/// to exit.
pub struct Samples {
    pub in_process: Vec<Duration>,
    pub whole: Vec<Duration>,
}

/// `samples` processes per driver, interleaved so a slow spell hits every client alike.
pub fn measure(vault: &FakeVault, samples: usize) -> Vec<(Driver, Samples)> {
    let mut results: Vec<(Driver, Samples)> = Driver::PEERS
        .into_iter()
        .map(|d| {
            (
                d,
                Samples {
                    in_process: Vec::new(),
                    whole: Vec::new(),
                },
            )
        })
        .collect();
    let exe = std::env::current_exe().expect("exe");
    for _ in 0..samples {
        for (driver, samples) in &mut results {
            let spawned = Instant::now();
            let output = Command::new(&exe)
                .args([
                    "--cold",
                    driver.name(),
                    &vault.url,
                    vault.cert_path.to_str().expect("path"),
                ])
                .output()
                .expect("cold-start run");
            let whole = spawned.elapsed();
            assert!(
                output.status.success(),
                "cold start of {}: {}",
                driver.name(),
                String::from_utf8_lossy(&output.stderr)
            );
            let micros: u64 = String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .expect("microseconds");
            samples.in_process.push(Duration::from_micros(micros));
            samples.whole.push(whole);
        }
    }
    results
}

/// The `p` quantile (0.5 median, 0.9 p90) of durations.
pub fn quantile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}
